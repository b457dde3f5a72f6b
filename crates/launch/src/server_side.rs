//! Server → client: forwarded byte for byte. A line is read at all only while a request is
//! open (it may be that request's response); only responses to `initialize` (when there are
//! warnings to inject) and `tools/list` (for pinning) are decoded further, and only a message
//! the proxy changes is serialized again.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex as StdMutex, PoisonError};

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::Mutex;

use crate::client_side::io_error;
use crate::error::Result;
use crate::events::{SessionEvents, SessionWarning};
use crate::framing::{Chunk, LineReader};
use crate::inject::inject_instructions;
use crate::message::{Envelope, RawObject, first_significant, raw_array};
use crate::pending::{Pending, RequestKind};
use crate::pins::{PinBook, PinMode, PinStore, ToolsPage, read_tools_page};
use crate::proxy::ProxyOptions;
use crate::sink::ClientSink;

/// Why the server → client direction ended.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ServerEnd {
    /// The server closed its output.
    Eof,
    /// The client stopped reading.
    ClientGone,
    /// Strict pinning: these pinned tools changed; `raw_id` is the `tools/list` to answer.
    ToolsChanged { raw_id: String, tools: Vec<String> },
    /// Strict pinning, but the pins could not be read or saved.
    PinCheckFailed { raw_id: String },
    /// Strict pinning, and an awaited `tools/list` answer came in a line too long to check:
    /// it was not forwarded.
    TooLongToCheck { limit: usize },
}

/// What to do with one message.
enum Action {
    Forward,
    Replace(String),
    End(ServerEnd),
}

pub(crate) struct ServerSide<'a, SR, CW, P, E> {
    pub(crate) reader: LineReader<SR>,
    pub(crate) sink: &'a Mutex<ClientSink<CW>>,
    pub(crate) pending: &'a Pending,
    pub(crate) options: &'a ProxyOptions,
    pub(crate) pins: &'a P,
    pub(crate) events: &'a E,
    pub(crate) changed: &'a StdMutex<Vec<String>>,
    pub(crate) shown: &'a AtomicBool,
    pub(crate) book: PinBook,
}

impl<SR, CW, P, E> ServerSide<'_, SR, CW, P, E>
where
    SR: AsyncRead + Unpin,
    CW: AsyncWrite + Unpin,
    P: PinStore,
    E: SessionEvents,
{
    pub(crate) async fn run(mut self) -> Result<ServerEnd> {
        let sink = self.sink;
        // Held from the first to the last piece of an over-long line, so nothing the proxy
        // writes itself lands in the middle of it.
        let mut long_line = None;
        loop {
            let chunk = match self.reader.next().await.map_err(|e| io_error("server", e)) {
                Ok(chunk) => chunk,
                Err(None) => return Ok(ServerEnd::Eof),
                Err(Some(error)) => return Err(error),
            };
            match chunk {
                Chunk::Eof => return Ok(ServerEnd::Eof),
                Chunk::Part { bytes, last } => {
                    let mut guard = match long_line.take() {
                        Some(guard) => guard,
                        None => {
                            if self.pending.awaits_inspected() {
                                let limit = self.options.max_line;
                                self.events.warning(&SessionWarning::LineTooLong {
                                    from: "server",
                                    limit,
                                });
                                // Strict pinning cannot vouch for tools it could not read:
                                // the line goes nowhere and the session ends.
                                if self.options.pin_mode == PinMode::Strict {
                                    return Ok(ServerEnd::TooLongToCheck { limit });
                                }
                            }
                            sink.lock().await
                        }
                    };
                    if guard.write_part(bytes, last).await.is_err() {
                        return Ok(ServerEnd::ClientGone);
                    }
                    if !last {
                        long_line = Some(guard);
                    }
                }
                Chunk::Line(line) => {
                    let action = if self.pending.is_empty() {
                        Action::Forward
                    } else {
                        Self::inspect_line(
                            line,
                            &mut self.book,
                            &Context {
                                pending: self.pending,
                                options: self.options,
                                pins: self.pins,
                                events: self.events,
                                changed: self.changed,
                                shown: self.shown,
                            },
                        )
                        .await
                    };
                    let written = match action {
                        Action::Forward => {
                            let mut guard = sink.lock().await;
                            match guard.write_line_deferred(line).await {
                                // Flush once the lines already read are out, not per line.
                                Ok(()) if !self.reader.has_buffered_line() => guard.flush().await,
                                other => other,
                            }
                        }
                        Action::Replace(mut text) => {
                            text.push('\n');
                            sink.lock().await.write_line(text.as_bytes()).await
                        }
                        Action::End(end) => return Ok(end),
                    };
                    if written.is_err() {
                        return Ok(ServerEnd::ClientGone);
                    }
                }
            }
        }
    }

    async fn inspect_line(line: &[u8], book: &mut PinBook, cx: &Context<'_, P, E>) -> Action {
        match first_significant(line) {
            Some(b'{') => match RawObject::parse(line) {
                Some(message) => cx.inspect(&message, line, book).await,
                None => cx.unreadable(),
            },
            Some(b'[') => {
                let Some(batch) = raw_array(line) else {
                    return cx.unreadable();
                };
                let mut replaced = false;
                let mut members = Vec::with_capacity(batch.len());
                for element in batch {
                    let Some(message) = RawObject::parse_str(element.get()) else {
                        members.push(element.get().to_owned());
                        continue;
                    };
                    match cx.inspect(&message, element.get().as_bytes(), book).await {
                        Action::Forward => members.push(element.get().to_owned()),
                        Action::Replace(text) => {
                            replaced = true;
                            members.push(text);
                        }
                        Action::End(end) => return Action::End(end),
                    }
                }
                if replaced {
                    Action::Replace(format!("[{}]", members.join(",")))
                } else {
                    Action::Forward
                }
            }
            _ => Action::Forward,
        }
    }
}

struct Context<'a, P, E> {
    pending: &'a Pending,
    options: &'a ProxyOptions,
    pins: &'a P,
    events: &'a E,
    changed: &'a StdMutex<Vec<String>>,
    shown: &'a AtomicBool,
}

impl<P: PinStore, E: SessionEvents> Context<'_, P, E> {
    /// A line that looks like JSON but does not parse: forwarded, reported if it could have
    /// been a response the proxy must inspect.
    fn unreadable(&self) -> Action {
        if self.pending.awaits_inspected() {
            self.events.warning(&SessionWarning::UnreadableServerLine);
        }
        Action::Forward
    }

    async fn inspect(&self, message: &RawObject<'_>, raw: &[u8], book: &mut PinBook) -> Action {
        let envelope = Envelope::of(message);
        let (true, Some(id)) = (envelope.is_response(), envelope.id) else {
            return Action::Forward;
        };
        let Some(request) = self.pending.take(id) else {
            return Action::Forward;
        };
        match request.kind {
            RequestKind::Other => Action::Forward,
            RequestKind::Initialize if self.options.warnings.is_empty() => Action::Forward,
            RequestKind::Initialize => match inject_instructions(raw, &self.options.warnings) {
                Some(text) => {
                    self.shown.store(true, Ordering::Relaxed);
                    Action::Replace(text)
                }
                None => {
                    self.events.warning(&SessionWarning::InjectionSkipped);
                    Action::Forward
                }
            },
            RequestKind::ToolsList => self.check_tools(raw, request.raw_id, book).await,
        }
    }

    async fn check_tools(&self, raw: &[u8], raw_id: String, book: &mut PinBook) -> Action {
        let mode = self.options.pin_mode;
        if mode == PinMode::Off {
            return Action::Forward;
        }
        let hashes = match read_tools_page(raw) {
            ToolsPage::NoResult => return Action::Forward,
            ToolsPage::Unreadable => {
                self.events.warning(&SessionWarning::UnreadableToolsList);
                return Action::Forward;
            }
            ToolsPage::Tools { hashes, unnamed } => {
                if unnamed > 0 {
                    self.events.warning(&SessionWarning::UnnamedTools(unnamed));
                }
                hashes
            }
        };
        let names: Vec<String> = hashes.keys().cloned().collect();
        self.events.tools_listed(&names);
        let check = match book
            .check(
                self.pins,
                &self.options.launch_key,
                self.options.legacy_launch_key.as_deref(),
                &hashes,
            )
            .await
        {
            Ok(check) => check,
            Err(error) => {
                self.events
                    .warning(&SessionWarning::PinStore(error.to_string()));
                // Strict pinning cannot vouch for tools it could not compare: fail closed.
                return match mode {
                    PinMode::Strict => Action::End(ServerEnd::PinCheckFailed { raw_id }),
                    PinMode::Warn | PinMode::Off => Action::Forward,
                };
            }
        };
        if !check.pinned.is_empty() {
            self.events.tools_pinned(&check.pinned);
        }
        if !check.repinned.is_empty() {
            self.events.tools_repinned(&check.repinned);
        }
        if !check.changed.is_empty() {
            self.events.tools_changed(&check.changed);
            let mut changed = self.changed.lock().unwrap_or_else(PoisonError::into_inner);
            changed.extend(check.changed.iter().cloned());
        }
        match mode {
            PinMode::Strict if !check.differing.is_empty() => {
                Action::End(ServerEnd::ToolsChanged {
                    raw_id,
                    tools: check.differing,
                })
            }
            _ => Action::Forward,
        }
    }
}
