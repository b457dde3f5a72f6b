//! "Check now" through the real launcher: a check that fails (here, a server that never
//! answers the handshake) must leave nothing running. The launcher keeps the server in a
//! process group of its own, so the check has to let the launcher end it rather than kill
//! the launcher outright.

use std::path::Path;
use std::time::{Duration, Instant};

use gatehouse_core::Error;
use gatehouse_core::servers::ProbeProblem;
use gatehouse_e2e::Sandbox;

/// Whether process `pid` still runs (a zombie waiting to be reaped does not count).
fn running(pid: &str) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}

async fn wait_for_file(path: &Path) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(text) = std::fs::read_to_string(path)
            && !text.trim().is_empty()
        {
            return text.trim().to_owned();
        }
        assert!(Instant::now() < deadline, "the server never started");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_check_that_times_out_leaves_no_server_running() {
    let sandbox = Sandbox::new();
    let pid_file = sandbox.path().join("server.pid");
    // Starts, says who it is, and never answers: what a hung server looks like.
    let script = format!(
        "import os, time\nopen({:?}, 'w').write(str(os.getpid()))\ntime.sleep(600)\n",
        pid_file.display().to_string()
    );
    let (code, _, err) = sandbox.run(&["servers", "add", "hangs", "--", "python3", "-c", &script]);
    assert_eq!(code, 0, "{err}");

    let mut command = tokio::process::Command::new(gatehouse_e2e::binary("gatehouse"));
    command.args(["run", "hangs"]).envs(sandbox.env());
    let checked = tokio::spawn(gatehouse_desktop::probe::probe_with(
        command,
        Duration::from_secs(3),
    ));
    let pid = wait_for_file(&pid_file).await;
    assert!(running(&pid), "the server runs while the check waits");
    let error = checked.await.unwrap().unwrap_err();
    assert!(
        matches!(error, Error::Probe(ProbeProblem::TimedOut)),
        "the check says it timed out: {error}"
    );
    // The launcher ends its server's group on its way out; give the kernel a moment to reap.
    let deadline = Instant::now() + Duration::from_secs(15);
    while running(&pid) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        !running(&pid),
        "a failed check must not leave the server it started running (pid {pid})"
    );
}
