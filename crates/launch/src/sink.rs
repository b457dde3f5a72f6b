//! The writer toward the client. Both directions of the proxy write to the client (the
//! server's messages, and the proxy's own notifications), so it sits behind an async mutex
//! and every message is written whole while the lock is held: messages never interleave.

use std::io;

use tokio::io::{AsyncWrite, AsyncWriteExt, BufWriter};

/// Room for many small messages between flushes; larger writes bypass it.
const BUFFER: usize = 64 * 1024;

#[derive(Debug)]
pub(crate) struct ClientSink<W> {
    /// Buffered: a writer such as tokio's stdout costs a thread hand-off per write, so
    /// forwarded lines are gathered and flushed once the reader has no more lines at hand.
    writer: BufWriter<W>,
    /// Some bytes of a line may have gone out without its newline: a write was cut short
    /// (the future writing it was dropped) or a long line is being streamed.
    mid_line: bool,
    pub(crate) bytes: u64,
}

impl<W: AsyncWrite + Unpin> ClientSink<W> {
    pub(crate) fn new(writer: W) -> Self {
        Self {
            writer: BufWriter::with_capacity(BUFFER, writer),
            mid_line: false,
            bytes: 0,
        }
    }

    /// Writes one whole line (`line` ends with its newline, or is the stream's unterminated
    /// last line).
    pub(crate) async fn write_line(&mut self, line: &[u8]) -> io::Result<()> {
        self.write_part(line, true).await
    }

    /// Writes one whole line without flushing it: the caller has more lines at hand and
    /// calls [`Self::flush`] after the last of them.
    pub(crate) async fn write_line_deferred(&mut self, line: &[u8]) -> io::Result<()> {
        self.mid_line = true;
        self.writer.write_all(line).await?;
        self.bytes += line.len() as u64;
        self.mid_line = false;
        Ok(())
    }

    /// Sends what was written so far.
    pub(crate) async fn flush(&mut self) -> io::Result<()> {
        self.writer.flush().await
    }

    /// Writes a piece of a line; `last` ends it.
    pub(crate) async fn write_part(&mut self, bytes: &[u8], last: bool) -> io::Result<()> {
        self.mid_line = true;
        self.writer.write_all(bytes).await?;
        self.bytes += bytes.len() as u64;
        if last {
            self.writer.flush().await?;
            self.mid_line = false;
        }
        Ok(())
    }

    /// Ends a line left unfinished, so that what the proxy writes next is a line of its own.
    pub(crate) async fn end_partial_line(&mut self) -> io::Result<()> {
        if self.mid_line {
            self.write_line(b"\n").await?;
        }
        Ok(())
    }

    pub(crate) async fn close(&mut self) -> io::Result<()> {
        self.writer.flush().await?;
        self.writer.shutdown().await
    }
}
