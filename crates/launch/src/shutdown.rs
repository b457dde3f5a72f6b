//! Ending the server: wait a moment for it to exit on its own, then SIGTERM to its whole
//! process group, SIGKILL after the grace period, and always reap it.
//!
//! The group is signalled while its leader is not yet reaped (on Linux the exit is observed
//! with `waitid(WNOWAIT)`): a zombie leader keeps its pid, and so the group id, from being
//! reused, so the final sweep of the group cannot hit an unrelated process.

use std::process::ExitStatus;
use std::time::Duration;

use tokio::process::Child;
use tokio::time::Instant;

use crate::error::{Error, Result};

/// How the server ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Termination {
    /// It exited on its own.
    Exited,
    /// It exited after SIGTERM.
    Terminated,
    /// It had to be killed.
    Killed,
}

/// The started server, killed (with its group) if dropped before [`ChildGuard::shutdown`]
/// has reaped it: no path out of a session leaves it running.
#[derive(Debug)]
pub(crate) struct ChildGuard {
    child: Child,
    /// Its pid, which is also its process group id.
    pid: Option<u32>,
    reaped: bool,
}

impl ChildGuard {
    pub(crate) fn new(child: Child) -> Self {
        let pid = child.id();
        Self {
            child,
            pid,
            reaped: false,
        }
    }

    /// Ends the server: `wait_first` for it to exit by itself, then SIGTERM to the group and
    /// `grace` more, then SIGKILL. Returns its status and how it ended.
    pub(crate) async fn shutdown(
        &mut self,
        wait_first: Duration,
        grace: Duration,
    ) -> Result<(ExitStatus, Termination)> {
        let mut how = Termination::Exited;
        if !self.exited_within(wait_first).await? {
            how = Termination::Terminated;
            self.signal_group(Signal::Term);
            if !self.exited_within(grace).await? {
                how = Termination::Killed;
                self.signal_group(Signal::Kill);
            }
        }
        // Whatever the leader did, what it started in its group goes with it.
        self.signal_group(Signal::Kill);
        let status = self.child.wait().await.map_err(Error::Wait)?;
        self.reaped = true;
        Ok((status, how))
    }

    /// Whether the leader exited within `limit` (waits without reaping where it can).
    async fn exited_within(&mut self, limit: Duration) -> Result<bool> {
        let deadline = Instant::now() + limit;
        let mut pause = Duration::from_millis(1);
        loop {
            if self.has_exited()? {
                return Ok(true);
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(false);
            }
            tokio::time::sleep(pause.min(deadline - now)).await;
            pause = (pause * 2).min(Duration::from_millis(20));
        }
    }

    #[cfg(target_os = "linux")]
    fn has_exited(&mut self) -> Result<bool> {
        use nix::sys::wait::{Id, WaitPidFlag, WaitStatus, waitid};
        let Some(pid) = self.pid.and_then(|pid| i32::try_from(pid).ok()) else {
            return Ok(true);
        };
        let flags = WaitPidFlag::WEXITED | WaitPidFlag::WNOWAIT | WaitPidFlag::WNOHANG;
        match waitid(Id::Pid(nix::unistd::Pid::from_raw(pid)), flags) {
            Ok(WaitStatus::StillAlive) => Ok(false),
            Ok(_) => Ok(true),
            // Already reaped (ECHILD): exited.
            Err(nix::errno::Errno::ECHILD) => Ok(true),
            Err(errno) => Err(Error::Wait(errno.into())),
        }
    }

    #[cfg(not(target_os = "linux"))]
    fn has_exited(&mut self) -> Result<bool> {
        // No WNOWAIT here: this reaps, leaving a short window before the final sweep.
        Ok(self.child.try_wait().map_err(Error::Wait)?.is_some())
    }

    #[cfg(unix)]
    fn signal_group(&mut self, signal: Signal) {
        use nix::sys::signal::{Signal as Nix, killpg};
        let Some(pid) = self.pid.and_then(|pid| i32::try_from(pid).ok()) else {
            return;
        };
        let signal = match signal {
            Signal::Term => Nix::SIGTERM,
            Signal::Kill => Nix::SIGKILL,
        };
        // ESRCH (the group is empty) is the expected answer once everything exited.
        let _ = killpg(nix::unistd::Pid::from_raw(pid), signal);
    }

    #[cfg(not(unix))]
    fn signal_group(&mut self, _signal: Signal) {
        // No process groups or SIGTERM here: the process itself is killed.
        let _ = self.child.start_kill();
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        if !self.reaped {
            self.signal_group(Signal::Kill);
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Signal {
    Term,
    Kill,
}

/// The exit code a shell would report: the code, or 128 + the signal that killed it.
pub(crate) fn exit_code(status: ExitStatus) -> i32 {
    #[cfg(unix)]
    if let Some(signal) = std::os::unix::process::ExitStatusExt::signal(&status) {
        return 128 + signal;
    }
    status.code().unwrap_or(1)
}
