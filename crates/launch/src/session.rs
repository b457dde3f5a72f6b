//! One whole server session: spawn, proxy, end, reap. This is what `gatehouse run` calls
//! once the policy said the server may run.

use std::future::Future;
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::oneshot;

use crate::error::{Error, Result};
use crate::events::SessionEvents;
use crate::pins::PinStore;
use crate::proxy::{EndReason, Endpoint, ProxyOptions, ProxyOutcome, StopReason, proxy};
use crate::shutdown::{ChildGuard, Termination, exit_code};
use crate::spawn::{LaunchSpec, spawn};

/// How long the launcher waits for the server's stderr to be copied out after it ended;
/// a grandchild that escaped the group may hold it open forever.
const STDERR_DRAIN: Duration = Duration::from_millis(500);

/// What a finished session reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionEnd {
    /// The server's exit code, or 128 + the signal that ended it.
    pub exit_code: i32,
    /// From spawn to reaped.
    pub duration: Duration,
    /// Why the session ended.
    pub end: EndReason,
    /// Whether the server exited by itself or had to be terminated or killed.
    pub termination: Termination,
    /// Pinned tools reported changed during the session.
    pub tools_changed: Vec<String>,
    /// Bytes sent toward the server and toward the client.
    pub to_server: u64,
    /// See `to_server`.
    pub to_client: u64,
    /// Whether the policy warnings reached the client (see [`ProxyOutcome::warnings_shown`]).
    pub warnings_shown: bool,
}

/// Runs `spec` as a server for the client on this process's stdin and stdout; see
/// [`run_session_with`].
///
/// Pipes and sockets are driven by the reactor; a terminal or file on stdin is read on a
/// blocking thread that cannot be cancelled, so the caller should not wait for the runtime
/// to shut down (`Runtime::shutdown_background`) and should exit soon after this returns.
pub async fn run_session<P, E, S>(
    spec: LaunchSpec,
    options: ProxyOptions,
    pins: &P,
    events: &E,
    stop: S,
) -> Result<SessionEnd>
where
    P: PinStore,
    E: SessionEvents,
    S: Future<Output = StopReason>,
{
    let (reader, writer) = crate::stdio::client_stdio();
    let client = Endpoint { reader, writer };
    run_session_with(spec, client, options, pins, events, stop).await
}

/// Spawns `spec`, proxies between `client` and it until the session ends (see
/// [`crate::proxy`]), then ends the server and its process group and reaps it, on every
/// path, errors included. SIGTERM, SIGINT and SIGHUP sent to the launcher end the session
/// too (the server, in its own group, would not get them).
///
/// Needs a tokio runtime with I/O and time enabled (either flavour).
pub async fn run_session_with<CR, CW, P, E, S>(
    spec: LaunchSpec,
    client: Endpoint<CR, CW>,
    options: ProxyOptions,
    pins: &P,
    events: &E,
    stop: S,
) -> Result<SessionEnd>
where
    CR: AsyncRead + Unpin,
    CW: AsyncWrite + Unpin,
    P: PinStore,
    E: SessionEvents,
    S: Future<Output = StopReason>,
{
    // Listening before the spawn, so that a signal can never find a child no one ends.
    let mut signals = Signals::listen()?;
    let started = Instant::now();
    let spawned = spawn(&spec)?;
    let mut child = ChildGuard::new(spawned.child);
    let server = Endpoint {
        reader: spawned.stdout,
        writer: spawned.stdin,
    };
    // A policy stop ends the server at once, while the proxy still answers the client's
    // requests with the reason for a while.
    let (stopped, stopped_rx) = oneshot::channel();
    let stop = async move {
        let reason = stop.await;
        let _ = stopped.send(());
        reason
    };
    let session = async {
        tokio::select! {
            outcome = proxy(client, server, &options, pins, events, stop) => outcome,
            signal = signals.next() => Ok(ProxyOutcome {
                end: EndReason::Signal(signal),
                tools_changed: Vec::new(),
                to_server: 0,
                to_client: 0,
                server_output_closed: false,
                warnings_shown: false,
            }),
        }
    };
    let end_on_stop = async {
        // Fails when the stop future is dropped unfired, at the end of the session.
        match stopped_rx.await {
            Ok(()) => Some(child.shutdown(Duration::ZERO, options.grace).await),
            Err(_) => None,
        }
    };
    let (outcome, ended_on_stop) = tokio::join!(session, end_on_stop);
    // A server that closed its output is on its way out: let it finish. Otherwise it was
    // already given its time (or the session is being cut): terminate now.
    let wait_first = match &outcome {
        Ok(outcome) if outcome.server_output_closed => options.grace,
        _ => Duration::ZERO,
    };
    let ended = match ended_on_stop {
        Some(ended) => ended,
        None => child.shutdown(wait_first, options.grace).await,
    };
    if let Some(done) = spawned.stderr_done {
        let _ = tokio::time::timeout(STDERR_DRAIN, done).await;
    }
    let outcome = outcome?;
    let (status, termination) = ended?;
    Ok(SessionEnd {
        exit_code: exit_code(status),
        duration: started.elapsed(),
        end: outcome.end,
        termination,
        tools_changed: outcome.tools_changed,
        to_server: outcome.to_server,
        to_client: outcome.to_client,
        warnings_shown: outcome.warnings_shown,
    })
}

/// The termination signals of the launcher itself.
struct Signals {
    #[cfg(unix)]
    streams: [tokio::signal::unix::Signal; 3],
}

impl Signals {
    #[cfg(unix)]
    fn listen() -> Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        let listen = |kind| signal(kind).map_err(Error::Signals);
        Ok(Self {
            streams: [
                listen(SignalKind::terminate())?,
                listen(SignalKind::interrupt())?,
                listen(SignalKind::hangup())?,
            ],
        })
    }

    /// The number of the first signal received.
    #[cfg(unix)]
    async fn next(&mut self) -> i32 {
        let [term, int, hup] = &mut self.streams;
        tokio::select! {
            _ = term.recv() => 15,
            _ = int.recv() => 2,
            _ = hup.recv() => 1,
        }
    }

    #[cfg(not(unix))]
    fn listen() -> Result<Self> {
        Ok(Self {})
    }

    #[cfg(not(unix))]
    async fn next(&mut self) -> i32 {
        match tokio::signal::ctrl_c().await {
            Ok(()) => 2,
            Err(_) => std::future::pending().await,
        }
    }
}
