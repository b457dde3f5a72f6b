//! The stdio proxy between an MCP client and a server, generic over the transports so that
//! it runs the same over `tokio::io::duplex` in tests and over real pipes.
//!
//! Two directions run concurrently (neither can stall the other: a server that writes
//! without reading never deadlocks against a client that writes without reading). The
//! session ends when the server closes its output, when the client closes its input (the
//! server's input is closed, and it gets `grace` to answer and exit), when strict pinning
//! finds a changed tool, or when the caller's `stop` future completes. When the proxy ends a
//! session itself it tells the client why, and answers every open request with an error.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex as StdMutex, OnceLock};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::Mutex;

use crate::client_side::{ClientEnd, ClientSide};
use crate::era::{Era, EraCell};
use crate::error::Result;
use crate::events::SessionEvents;
use crate::framing::LineReader;
use crate::message::{error_response, log_notification};
use crate::pending::Pending;
use crate::pins::{PinBook, PinMode, PinStore};
use crate::server_side::{ServerEnd, ServerSide};
use crate::sink::ClientSink;

/// JSON-RPC error code answering a `tools/list` whose tools changed since approval.
pub const TOOLS_CHANGED_CODE: i64 = -32001;
/// JSON-RPC error code answering requests left open when Gatehouse ends a session.
pub const SESSION_ENDED_CODE: i64 = -32003;
/// JSON-RPC error code of a request Gatehouse refuses because of policy: a launch the
/// policy refused, or a session a new policy stopped. In the range JSON-RPC leaves to
/// implementations, and never -32601, which a 2026-07-28 client in auto mode reads as "an
/// older server" and answers by starting over with `initialize`.
pub const POLICY_REFUSED_CODE: i64 = -32001;

/// One side of a session: what it sends (`reader`) and what it is sent (`writer`).
#[derive(Debug)]
pub struct Endpoint<R, W> {
    /// For the client: its requests (the launcher's stdin). For the server: its stdout.
    pub reader: R,
    /// For the client: the launcher's stdout. For the server: its stdin.
    pub writer: W,
}

/// How the proxy behaves; see [`ProxyOptions::new`] for the defaults.
#[derive(Debug, Clone)]
pub struct ProxyOptions {
    /// The key tool pins are kept under: server + version + launch config (see
    /// [`crate::launch_key`]).
    pub launch_key: String,
    /// The key an earlier version kept this launch's pins under ([`crate::legacy_launch_key`]):
    /// its pins are carried over the first time `launch_key` has none.
    pub legacy_launch_key: Option<String>,
    /// Policy warnings to inject (a `warn` verdict run with `--trust`); empty: inject nothing.
    pub warnings: Vec<String>,
    /// What a changed tool definition does.
    pub pin_mode: PinMode,
    /// The longest line the proxy holds to inspect; longer lines are streamed unchecked.
    pub max_line: usize,
    /// How long the server may take to exit once its input is closed, and again after
    /// SIGTERM before SIGKILL; also bounds the proxy's final writes to the client.
    pub grace: Duration,
    /// How long requests that arrive after a policy stop are still answered with its
    /// reason (or until the client closes its side), so that a client's retry hears why.
    pub refuse_for: Duration,
}

impl ProxyOptions {
    /// Options for `launch_key`: no warnings, [`PinMode::Warn`], 16 MiB lines, 2 s grace,
    /// requests after a policy stop answered for 5 s.
    pub fn new(launch_key: impl Into<String>) -> Self {
        Self {
            launch_key: launch_key.into(),
            legacy_launch_key: None,
            warnings: Vec::new(),
            pin_mode: PinMode::Warn,
            max_line: 16 * 1024 * 1024,
            grace: Duration::from_secs(2),
            refuse_for: Duration::from_secs(5),
        }
    }
}

/// Why the caller stops a running session, in words the user reads in the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StopReason {
    /// Plain words, e.g. "Your organization's policy now blocks this server."
    pub message: String,
}

/// Why a session ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndReason {
    /// The client closed its side (or stopped reading).
    ClientClosed,
    /// The server closed its output (usually: it exited).
    ServerClosed,
    /// The caller's stop future completed.
    Stopped(StopReason),
    /// Strict pinning: these pinned tools changed since approval.
    ToolsChanged(Vec<String>),
    /// Strict pinning, and the pin store failed.
    PinCheckFailed,
    /// The launcher got this termination signal.
    Signal(i32),
}

/// What a finished proxy run reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyOutcome {
    /// Why it ended.
    pub end: EndReason,
    /// Every pinned tool reported changed during the session, in the order reported.
    pub tools_changed: Vec<String>,
    /// Bytes forwarded (or injected) toward the server.
    pub to_server: u64,
    /// Bytes forwarded (or injected) toward the client.
    pub to_client: u64,
    /// Whether the server closed its output (it is probably exiting by itself).
    pub server_output_closed: bool,
    /// Whether the policy warnings (if any) reached the client: in the `instructions` of
    /// an `initialize` or `server/discover` result, or in a log message its era allows.
    pub warnings_shown: bool,
}

/// Proxies one session until it ends; see the module docs for when that is.
pub async fn proxy<CR, CW, SR, SW, P, E, S>(
    client: Endpoint<CR, CW>,
    server: Endpoint<SR, SW>,
    options: &ProxyOptions,
    pins: &P,
    events: &E,
    stop: S,
) -> Result<ProxyOutcome>
where
    CR: AsyncRead + Unpin,
    CW: AsyncWrite + Unpin,
    SR: AsyncRead + Unpin,
    SW: AsyncWrite + Unpin,
    P: PinStore,
    E: SessionEvents,
    S: Future<Output = StopReason>,
{
    let sink = Mutex::new(ClientSink::new(client.writer));
    let pending = Pending::default();
    let changed = StdMutex::new(Vec::new());
    let to_server = AtomicU64::new(0);
    let refusal = OnceLock::new();
    let era = EraCell::default();
    let shown = AtomicBool::new(false);
    let ending = {
        let client_side = ClientSide {
            reader: LineReader::new(client.reader, options.max_line),
            server_in: server.writer,
            sink: &sink,
            pending: &pending,
            warnings: &options.warnings,
            bytes: &to_server,
            refusal: &refusal,
            era: &era,
            shown: &shown,
        }
        .run();
        let server_side = ServerSide {
            reader: LineReader::new(server.reader, options.max_line),
            sink: &sink,
            pending: &pending,
            options,
            pins,
            events,
            changed: &changed,
            shown: &shown,
            book: PinBook::default(),
        }
        .run();
        // Boxed so that a policy stop can drop it (and any hold it has on the client sink)
        // while the client side goes on answering.
        let mut server_side = Box::pin(server_side);
        tokio::pin!(client_side, stop);
        tokio::select! {
            end = &mut client_side => match end? {
                ClientEnd::ClientGone => Ending::Quiet(EndReason::ClientClosed, false),
                closed => {
                    // The server's input is closed: let it answer what it was asked and exit.
                    let reason = match closed {
                        ClientEnd::ServerInputClosed => EndReason::ServerClosed,
                        _ => EndReason::ClientClosed,
                    };
                    tokio::select! {
                        end = tokio::time::timeout(options.grace, &mut server_side) => match end {
                            Ok(end) => ending_of(end?, reason),
                            Err(_elapsed) => Ending::Quiet(reason, false),
                        },
                        stop = &mut stop => Ending::Stopped(stop),
                    }
                }
            },
            end = &mut server_side => ending_of(end?, EndReason::ServerClosed),
            stop = &mut stop => {
                drop(server_side);
                let _ = refusal.set(stop.message.clone());
                let mut lines = stop_notice(era.get(), &stop.message);
                push_open_requests(&mut lines, &pending, &stop.message, POLICY_REFUSED_CODE);
                write_bounded(&sink, &lines, options.grace, Then::Flush).await;
                // Whatever the client asks next hears the reason too, for a while: the
                // client side answers it now instead of forwarding it.
                let _ = tokio::time::timeout(options.refuse_for, &mut client_side).await;
                Ending::Quiet(EndReason::Stopped(stop), false)
            }
        }
    };
    // Both directions are dropped here: the server's input is closed and the client sink is
    // free, whatever they were doing.
    let server_output_closed = matches!(ending, Ending::Quiet(_, true));
    let end = finish(&sink, &pending, ending, era.get(), options.grace).await;
    let tools_changed = changed
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    Ok(ProxyOutcome {
        end,
        tools_changed,
        to_server: to_server.load(Ordering::Relaxed),
        to_client: sink.into_inner().bytes,
        server_output_closed,
        warnings_shown: shown.load(Ordering::Relaxed),
    })
}

/// How the session ends, and what the client must still be told.
enum Ending {
    /// Nothing left to tell; whether the server closed its output.
    Quiet(EndReason, bool),
    Stopped(StopReason),
    ToolsChanged {
        raw_id: String,
        tools: Vec<String>,
    },
    PinCheckFailed {
        raw_id: String,
    },
    TooLongToCheck {
        limit: usize,
    },
}

fn ending_of(end: ServerEnd, eof_reason: EndReason) -> Ending {
    match end {
        ServerEnd::Eof => Ending::Quiet(eof_reason, true),
        ServerEnd::ClientGone => Ending::Quiet(EndReason::ClientClosed, false),
        ServerEnd::ToolsChanged { raw_id, tools } => Ending::ToolsChanged { raw_id, tools },
        ServerEnd::PinCheckFailed { raw_id } => Ending::PinCheckFailed { raw_id },
        ServerEnd::TooLongToCheck { limit } => Ending::TooLongToCheck { limit },
    }
}

/// Writes the last words of a session the proxy ends itself, bounded by `grace` so that a
/// client that stopped reading cannot keep the session (and the server) alive.
async fn finish<W: AsyncWrite + Unpin>(
    sink: &Mutex<ClientSink<W>>,
    pending: &Pending,
    ending: Ending,
    era: Era,
    grace: Duration,
) -> EndReason {
    let mut lines = Vec::new();
    let end = match ending {
        Ending::Quiet(end, _) => end,
        Ending::Stopped(reason) => {
            lines.extend(stop_notice(era, &reason.message));
            push_open_requests(&mut lines, pending, &reason.message, POLICY_REFUSED_CODE);
            EndReason::Stopped(reason)
        }
        Ending::ToolsChanged { raw_id, tools } => {
            let text = format!(
                "The tool definitions of this MCP server changed since they were approved \
                 ({}), so Gatehouse ended the session. Ask your admin to review the change, \
                 or re-approve the server in Gatehouse.",
                tools.join(", ")
            );
            lines.push(error_response(&raw_id, TOOLS_CHANGED_CODE, &text));
            lines.extend(stop_notice(era, &text));
            push_open_requests(&mut lines, pending, &text, SESSION_ENDED_CODE);
            EndReason::ToolsChanged(tools)
        }
        Ending::PinCheckFailed { raw_id } => {
            let text = "Gatehouse could not compare this MCP server's tools with the approved \
                        ones, so it ended the session. Try again; if it keeps happening, ask \
                        your admin.";
            lines.push(error_response(&raw_id, TOOLS_CHANGED_CODE, text));
            push_open_requests(&mut lines, pending, text, SESSION_ENDED_CODE);
            EndReason::PinCheckFailed
        }
        Ending::TooLongToCheck { limit } => {
            let text = format!(
                "This MCP server sent a list of tools larger than Gatehouse can check (over \
                 {limit} bytes in one message), so Gatehouse ended the session rather than \
                 pass on tools nobody approved. Ask your admin."
            );
            lines.extend(stop_notice(era, &text));
            push_open_requests(&mut lines, pending, &text, SESSION_ENDED_CODE);
            EndReason::PinCheckFailed
        }
    };
    // The client may be gone or stuck: its last words are best effort.
    write_bounded(sink, &lines, grace, Then::Close).await;
    end
}

/// The log message that tells the client why the session ends, where its era allows one
/// unasked: not in the stateless era, where the open requests' errors carry the reason.
fn stop_notice(era: Era, text: &str) -> Vec<Vec<u8>> {
    match era {
        Era::Stateless => Vec::new(),
        Era::Handshake | Era::Unknown => vec![log_notification("error", text)],
    }
}

fn push_open_requests(lines: &mut Vec<Vec<u8>>, pending: &Pending, text: &str, code: i64) {
    for request in pending.drain() {
        lines.push(error_response(&request.raw_id, code, text));
    }
}

/// What becomes of the client's side once [`write_bounded`] wrote its lines.
enum Then {
    /// Flushed: the client side goes on answering.
    Flush,
    /// Closed: the session's last words.
    Close,
}

/// Writes `lines` to the client, bounded by `grace`: a client that stopped reading cannot
/// hold the session.
async fn write_bounded<W: AsyncWrite + Unpin>(
    sink: &Mutex<ClientSink<W>>,
    lines: &[Vec<u8>],
    grace: Duration,
    then: Then,
) {
    let write = async {
        let mut sink = sink.lock().await;
        sink.end_partial_line().await?;
        for line in lines {
            sink.write_line(line).await?;
        }
        match then {
            Then::Flush => sink.flush().await,
            Then::Close => sink.close().await,
        }
    };
    let _ = tokio::time::timeout(grace, write).await;
}
