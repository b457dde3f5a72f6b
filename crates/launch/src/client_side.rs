//! Client → server: every byte is forwarded as it came. Each whole line is read (cheaply, no
//! values are decoded) to note open requests before the line reaches the server, so that
//! no response can overtake its bookkeeping; garbage is forwarded for the server to answer.

use std::io;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::sync::Mutex;

use crate::era::{Era, EraCell, read_request, severity};
use crate::error::{Error, Result};
use crate::framing::{Chunk, LineReader};
use crate::inject::warning_notification;
use crate::message::{Envelope, RawObject, error_response, first_significant, raw_array};
use crate::pending::{Pending, RequestKind};
use crate::proxy::POLICY_REFUSED_CODE;
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
    /// Set when a policy stop ended the session: from then on every request is answered
    /// with this reason and nothing reaches the server.
    pub(crate) refusal: &'a OnceLock<String>,
    pub(crate) era: &'a EraCell,
    /// Set once the warnings reached the client in some form its era allows.
    pub(crate) shown: &'a AtomicBool,
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
            let (bytes, seen) = match chunk {
                Ok(Chunk::Eof) | Err(None) => {
                    // Closing the server's input is how a stdio server is asked to exit.
                    let _ = self.server_in.shutdown().await;
                    return Ok(ClientEnd::Eof);
                }
                Err(Some(error)) => return Err(error),
                Ok(Chunk::Line(line)) => {
                    let read_meta = !warned || self.era.get() == Era::Unknown;
                    (
                        line,
                        track(line, self.pending, read_meta.then_some(self.era)),
                    )
                }
                // Over the limit: the client is not the party pinning guards against, and its
                // over-long requests are not `initialize` or `tools/list` in practice.
                Ok(Chunk::Part { bytes, .. }) => (bytes, Seen::default()),
            };
            if let Some(reason) = self.refusal.get() {
                if refuse(reason, self.pending, self.sink).await.is_err() {
                    return Ok(ClientEnd::ClientGone);
                }
                continue;
            }
            // In the stateless era a log message may only come before the response to a
            // request that asked for one: it goes out before the request goes on.
            if !warned && self.era.get() == Era::Stateless && seen.accepts_warnings {
                warned = true;
                if warn(self.sink, self.warnings, self.shown).await.is_err() {
                    return Ok(ClientEnd::ClientGone);
                }
            }
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
            if seen.initialized && !warned && self.era.get() != Era::Stateless {
                warned = true;
                if warn(self.sink, self.warnings, self.shown).await.is_err() {
                    return Ok(ClientEnd::ClientGone);
                }
            }
        }
    }
}

/// The one `notifications/message` with the policy's warnings.
async fn warn<CW: AsyncWrite + Unpin>(
    sink: &Mutex<ClientSink<CW>>,
    warnings: &[String],
    shown: &AtomicBool,
) -> io::Result<()> {
    let notification = warning_notification(warnings);
    sink.lock().await.write_line(&notification).await?;
    shown.store(true, Ordering::Relaxed);
    Ok(())
}

/// Answers the requests just read (`track` noted them) with the policy's reason.
async fn refuse<CW: AsyncWrite + Unpin>(
    reason: &str,
    pending: &Pending,
    sink: &Mutex<ClientSink<CW>>,
) -> io::Result<()> {
    let mut sink = sink.lock().await;
    for request in pending.drain() {
        sink.write_line(&error_response(
            &request.raw_id,
            POLICY_REFUSED_CODE,
            reason,
        ))
        .await?;
    }
    Ok(())
}

async fn write_through<W: AsyncWrite + Unpin>(writer: &mut W, bytes: &[u8]) -> io::Result<()> {
    writer.write_all(bytes).await?;
    writer.flush().await
}

/// What the proxy learnt from one line of the client's.
#[derive(Debug, Default, Clone, Copy)]
struct Seen {
    /// It holds the handshake era's `notifications/initialized`.
    initialized: bool,
    /// It holds a request whose `_meta` asks for log messages of warning level or above.
    accepts_warnings: bool,
}

impl Seen {
    fn and(self, other: Seen) -> Seen {
        Seen {
            initialized: self.initialized || other.initialized,
            accepts_warnings: self.accepts_warnings || other.accepts_warnings,
        }
    }
}

/// Notes the requests in `line`, and with `era`, reads their `_meta` too (only while the
/// era or the warnings' place is still open: it costs a look into every request).
fn track(line: &[u8], pending: &Pending, era: Option<&EraCell>) -> Seen {
    let message = |bytes: &[u8]| {
        RawObject::parse(bytes)
            .map(|message| track_message(&message, pending, era))
            .unwrap_or_default()
    };
    match first_significant(line) {
        Some(b'{') => message(line),
        Some(b'[') => raw_array(line).map_or_else(Seen::default, |batch| {
            batch.iter().fold(Seen::default(), |seen, element| {
                seen.and(message(element.get().as_bytes()))
            })
        }),
        _ => Seen::default(),
    }
}

fn track_message(message: &RawObject<'_>, pending: &Pending, era: Option<&EraCell>) -> Seen {
    let envelope = Envelope::of(message);
    let mut seen = Seen::default();
    if let (true, Some(method), Some(id)) = (envelope.is_request(), &envelope.method, envelope.id) {
        pending.insert(id, RequestKind::of(method));
        if let Some(era) = era {
            seen.accepts_warnings = read_request(message, method, era)
                .is_some_and(|level| Some(level) <= severity("warning"));
        }
    }
    seen.initialized =
        envelope.id.is_none() && envelope.method.as_deref() == Some("notifications/initialized");
    seen
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
