//! Client → server: every byte is forwarded as it came. Each whole line is read (cheaply, no
//! values are decoded) to note open requests before the line reaches the server, so that
//! no response can overtake its bookkeeping; garbage is forwarded for the server to answer.

use std::io;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::sync::Mutex;

use crate::error::{Error, Result};
use crate::framing::{Chunk, LineReader};
use crate::inject::warning_notification;
use crate::message::{Envelope, RawObject, first_significant, raw_array};
use crate::pending::{Pending, RequestKind};
use crate::sink::ClientSink;

/// Why the client → server direction ended.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ClientEnd {
    /// The client closed its output; the server's input was closed in turn.
    Eof,
    /// The server no longer reads its input (it exited or closed stdin).
    ServerInputClosed,
    /// The client stopped reading what the proxy writes to it.
    ClientGone,
}

pub(crate) struct ClientSide<'a, CR, SW, CW> {
    pub(crate) reader: LineReader<CR>,
    pub(crate) server_in: SW,
    pub(crate) sink: &'a Mutex<ClientSink<CW>>,
    pub(crate) pending: &'a Pending,
    pub(crate) warnings: &'a [String],
    pub(crate) bytes: &'a AtomicU64,
}

impl<CR, SW, CW> ClientSide<'_, CR, SW, CW>
where
    CR: AsyncRead + Unpin,
    SW: AsyncWrite + Unpin,
    CW: AsyncWrite + Unpin,
{
    pub(crate) async fn run(mut self) -> Result<ClientEnd> {
        let mut warned = self.warnings.is_empty();
        loop {
            let chunk = self.reader.next().await.map_err(|e| io_error("client", e));
            let (bytes, initialized) = match chunk {
                Ok(Chunk::Eof) | Err(None) => {
                    // Closing the server's input is how a stdio server is asked to exit.
                    let _ = self.server_in.shutdown().await;
                    return Ok(ClientEnd::Eof);
                }
                Err(Some(error)) => return Err(error),
                Ok(Chunk::Line(line)) => (line, track(line, self.pending)),
                // Over the limit: the client is not the party pinning guards against, and its
                // over-long requests are not `initialize` or `tools/list` in practice.
                Ok(Chunk::Part { bytes, .. }) => (bytes, false),
            };
            match write_through(&mut self.server_in, bytes).await {
                Ok(()) => {}
                Err(e) if is_closed(&e) => return Ok(ClientEnd::ServerInputClosed),
                Err(e) => {
                    return Err(Error::Io {
                        side: "server",
                        source: e,
                    });
                }
            }
            self.bytes.fetch_add(bytes.len() as u64, Ordering::Relaxed);
            if initialized && !warned {
                warned = true;
                let notification = warning_notification(self.warnings);
                if self
                    .sink
                    .lock()
                    .await
                    .write_line(&notification)
                    .await
                    .is_err()
                {
                    return Ok(ClientEnd::ClientGone);
                }
            }
        }
    }
}

async fn write_through<W: AsyncWrite + Unpin>(writer: &mut W, bytes: &[u8]) -> io::Result<()> {
    writer.write_all(bytes).await?;
    writer.flush().await
}

/// Notes the requests in `line`; true when it holds `notifications/initialized`.
fn track(line: &[u8], pending: &Pending) -> bool {
    match first_significant(line) {
        Some(b'{') => {
            RawObject::parse(line).is_some_and(|message| track_message(&message, pending))
        }
        Some(b'[') => raw_array(line).is_some_and(|batch| {
            batch.iter().fold(false, |initialized, element| {
                let seen = RawObject::parse_str(element.get())
                    .is_some_and(|message| track_message(&message, pending));
                initialized || seen
            })
        }),
        _ => false,
    }
}

fn track_message(message: &RawObject<'_>, pending: &Pending) -> bool {
    let envelope = Envelope::of(message);
    if let (true, Some(method), Some(id)) = (envelope.is_request(), &envelope.method, envelope.id) {
        pending.insert(id, RequestKind::of(method));
    }
    envelope.id.is_none() && envelope.method.as_deref() == Some("notifications/initialized")
}

/// Whether an I/O error means the other side went away (an ordinary end of a session).
pub(crate) fn is_closed(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::BrokenPipe
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::UnexpectedEof
            | io::ErrorKind::NotConnected
    )
}

/// A read error: `None` when it only means the peer went away.
pub(crate) fn io_error(side: &'static str, error: io::Error) -> Option<Error> {
    (!is_closed(&error)).then_some(Error::Io {
        side,
        source: error,
    })
}
