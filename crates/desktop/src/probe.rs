//! "Check now": runs a registered server through the launcher (`gatehouse run <id>`, so the
//! policy check, confirmation and audit are exactly a client app's) and hands its pipes to
//! core's MCP conversation ([`gatehouse_core::servers::talk`]). The proxy records the
//! tools it saw, so the servers view shows them afterwards. This module owns the process:
//! starting it, ending it, and reading why it failed.
//!
//! The launcher is always ended gently first: it keeps the server in a process group of its
//! own, which only the launcher can end. Closing its stdin ends the session; SIGTERM makes it
//! end the server's group and exit; SIGKILL, the last resort, would leave that group running.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use gatehouse_core::servers::{ProbeOutcome, ProbeProblem, talk};
use gatehouse_core::{Error, Result};
use tokio::io::{AsyncReadExt, BufReader};
use tokio::process::{Child, Command};

/// The launcher may wait for a person's confirmation (`confirm::LAUNCHER_WAITS`); the
/// handshake itself takes well under a second for real servers.
const WHOLE_CHECK: Duration = Duration::from_secs(100);
/// How long the launcher gets to end its session after its stdin closed, and again after
/// SIGTERM (its own shutdown grants the server a grace period within this).
const TO_END: Duration = Duration::from_secs(5);

/// Runs `launcher run <id>` and talks MCP to it.
pub async fn probe(launcher: &Path, id: &str) -> Result<ProbeOutcome> {
    let mut command = Command::new(launcher);
    command.args(["run", id]);
    probe_with(command, WHOLE_CHECK).await
}

/// [`probe`] with the launcher's command as given (its arguments and environment set) and
/// a time limit for the whole check.
pub async fn probe_with(mut command: Command, limit: Duration) -> Result<ProbeOutcome> {
    let launcher = command
        .as_std()
        .get_program()
        .to_string_lossy()
        .into_owned();
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|error| {
            Error::Probe(ProbeProblem::NotStarted {
                launcher,
                reason: error.to_string(),
            })
        })?;
    let outcome = match tokio::time::timeout(limit, converse(&mut child)).await {
        Ok(outcome) => outcome,
        Err(_) => Err(Error::Probe(ProbeProblem::TimedOut)),
    };
    let status = end(&mut child).await;
    match outcome {
        Ok(found) => Ok(found),
        Err(error) => {
            let mut stderr = String::new();
            if let Some(mut pipe) = child.stderr.take() {
                let _ = pipe.read_to_string(&mut stderr).await;
            }
            let said = stderr
                .lines()
                .filter(|line| !line.trim().is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            match status.and_then(|s| s.code()) {
                Some(code) if code != 0 && !said.is_empty() => {
                    Err(Error::Probe(ProbeProblem::LauncherSaid(said)))
                }
                _ => Err(error),
            }
        }
    }
}

/// The conversation over the child's pipes; its stdin is put back for [`end`] to close.
async fn converse(child: &mut Child) -> Result<ProbeOutcome> {
    let ended = || Error::Probe(ProbeProblem::Ended);
    let mut stdin = child.stdin.take().ok_or_else(ended)?;
    let stdout = child.stdout.take().ok_or_else(ended)?;
    let found = talk(BufReader::new(stdout), &mut stdin).await;
    child.stdin = Some(stdin);
    found
}

/// Ends the launcher so that it ends its server: stdin closed, then SIGTERM, then (only if
/// it still will not go) SIGKILL. Returns how it exited, when that could be seen.
async fn end(child: &mut Child) -> Option<std::process::ExitStatus> {
    drop(child.stdin.take());
    if let Ok(status) = tokio::time::timeout(TO_END, child.wait()).await {
        return status.ok();
    }
    #[cfg(unix)]
    if let Some(pid) = child.id().and_then(|pid| i32::try_from(pid).ok()) {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGTERM,
        );
        if let Ok(status) = tokio::time::timeout(TO_END, child.wait()).await {
            return status.ok();
        }
    }
    tracing::warn!("the launcher of a check did not end when asked; killing it");
    let _ = child.kill().await;
    child.wait().await.ok()
}
