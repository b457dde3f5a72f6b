//! "Check now": runs a registered server through the launcher (`gatehouse run <id>`, so the
//! policy check, confirmation and audit are exactly a client app's) and hands its pipes to
//! core's MCP conversation ([`gatehouse_core::servers::check`]). The proxy records the
//! tools it saw, so the servers view shows them afterwards. This module owns the process:
//! starting it, ending it, and reading why it failed.

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

/// Runs `launcher run <id>` and talks MCP to it.
pub async fn probe(launcher: &Path, id: &str) -> Result<ProbeOutcome> {
    let mut child = Command::new(launcher)
        .args(["run", id])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|error| {
            Error::Probe(ProbeProblem::NotStarted {
                launcher: launcher.display().to_string(),
                reason: error.to_string(),
            })
        })?;
    let outcome = match tokio::time::timeout(WHOLE_CHECK, converse(&mut child)).await {
        Ok(outcome) => outcome,
        Err(_) => Err(Error::Probe(ProbeProblem::TimedOut)),
    };
    match outcome {
        Ok(found) => {
            // Closing stdin ends the session; the launcher stops the server.
            drop(child.stdin.take());
            if tokio::time::timeout(Duration::from_secs(5), child.wait())
                .await
                .is_err()
            {
                let _ = child.kill().await;
            }
            Ok(found)
        }
        Err(error) => {
            let _ = child.start_kill();
            let status = child.wait().await.ok();
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

/// The conversation over the child's pipes; its stdin is put back for the caller to close.
async fn converse(child: &mut Child) -> Result<ProbeOutcome> {
    let ended = || Error::Probe(ProbeProblem::Ended);
    let mut stdin = child.stdin.take().ok_or_else(ended)?;
    let stdout = child.stdout.take().ok_or_else(ended)?;
    let found = talk(BufReader::new(stdout), &mut stdin).await;
    child.stdin = Some(stdin);
    found
}
