//! The launcher's own stdin and stdout as async streams for the client side of a session.
//!
//! tokio's `stdin()`/`stdout()` hand every read and write to a blocking thread, which costs
//! tens of microseconds per message. Client apps connect the launcher through pipes (or
//! sockets), and those can be driven by the reactor directly: a duplicate of the descriptor
//! is put in non-blocking mode and registered. A terminal or a file keeps the blocking path.

use tokio::io::{AsyncRead, AsyncWrite};

/// The client's end of the session: what it sends us, and where we answer.
pub(crate) type ClientReader = Box<dyn AsyncRead + Unpin + Send>;
pub(crate) type ClientWriter = Box<dyn AsyncWrite + Unpin + Send>;

/// Stdin and stdout, through the reactor when they are pipes or sockets.
pub(crate) fn client_stdio() -> (ClientReader, ClientWriter) {
    let reader = reactor::stdin().unwrap_or_else(|| Box::new(tokio::io::stdin()));
    let writer = reactor::stdout().unwrap_or_else(|| Box::new(tokio::io::stdout()));
    (reader, writer)
}

#[cfg(unix)]
mod reactor {
    use std::os::fd::{AsFd, OwnedFd};
    use std::os::unix::fs::FileTypeExt;

    use tokio::net::unix::pipe;

    use super::{ClientReader, ClientWriter};

    enum Kind {
        Pipe,
        Socket,
        Other,
    }

    /// A duplicate of `fd` and what it is. The duplicate shares the open file, so the
    /// non-blocking mode set on it applies to the original: nothing else in this process
    /// reads stdin or writes stdout once a session runs.
    fn duplicate(fd: std::os::fd::BorrowedFd<'_>) -> Option<(OwnedFd, Kind)> {
        let owned = fd.try_clone_to_owned().ok()?;
        let file = std::fs::File::from(owned);
        let kind = file.metadata().ok()?.file_type();
        let kind = if kind.is_fifo() {
            Kind::Pipe
        } else if kind.is_socket() {
            Kind::Socket
        } else {
            Kind::Other
        };
        Some((OwnedFd::from(file), kind))
    }

    fn socket(fd: OwnedFd) -> Option<tokio::net::UnixStream> {
        let stream = std::os::unix::net::UnixStream::from(fd);
        stream.set_nonblocking(true).ok()?;
        tokio::net::UnixStream::from_std(stream).ok()
    }

    pub(super) fn stdin() -> Option<ClientReader> {
        let stdin = std::io::stdin();
        match duplicate(stdin.as_fd())? {
            (fd, Kind::Pipe) => Some(Box::new(pipe::Receiver::from_owned_fd(fd).ok()?)),
            (fd, Kind::Socket) => Some(Box::new(socket(fd)?)),
            (_, Kind::Other) => None,
        }
    }

    pub(super) fn stdout() -> Option<ClientWriter> {
        let stdout = std::io::stdout();
        match duplicate(stdout.as_fd())? {
            (fd, Kind::Pipe) => Some(Box::new(pipe::Sender::from_owned_fd(fd).ok()?)),
            (fd, Kind::Socket) => Some(Box::new(socket(fd)?)),
            (_, Kind::Other) => None,
        }
    }
}

#[cfg(not(unix))]
mod reactor {
    use super::{ClientReader, ClientWriter};

    pub(super) fn stdin() -> Option<ClientReader> {
        None
    }

    pub(super) fn stdout() -> Option<ClientWriter> {
        None
    }
}
