//! `gatehouse sync`, `status`, `login` and `logout` end to end: the real `gatehouse` binary
//! against the real reference hub binary on an ephemeral loopback port, each test with its
//! own [`Sandbox`] and its own copy of `examples/hub/midsize`. Needs
//! `cargo build --workspace --bins` first.
//!
//! [`Sandbox`]: gatehouse_e2e::Sandbox

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

mod admin;
mod audit;
mod crash;
mod enroll;
mod faults;
mod keyring;
mod preview;
mod sync;
mod tamper;

use std::path::PathBuf;
use std::process::Stdio;

pub use gatehouse_e2e::http;
use gatehouse_e2e::{RunningHub, Sandbox, copy_dir, workspace_root};
use serde_json::Value;

pub const ORG: &str = "acme-corp";
pub const TOKEN: &str = "midsize-demo-token";
/// A catalog name of the midsize example that `check` can evaluate.
pub const SERVER: &str = "@acme-corp/database-connector";

/// A running `gatehouse-refhub` over a temporary copy of the midsize example.
#[derive(Debug)]
pub struct RefHub {
    // Declared first so the hub stops before its directory is removed.
    hub: RunningHub,
    dir: tempfile::TempDir,
    pub url: String,
    pub key: String,
    /// The enrollment link the hub prints.
    pub enroll: String,
}

impl RefHub {
    pub fn start() -> RefHub {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(
            &workspace_root().join("examples/hub/midsize"),
            &dir.path().join("org"),
        );
        let hub = RunningHub::start_with(&dir.path().join("org"), true);
        RefHub {
            url: hub.url.clone(),
            key: hub.key.clone(),
            enroll: hub.enroll.clone(),
            hub,
            dir,
        }
    }

    pub fn org_dir(&self) -> PathBuf {
        self.dir.path().join("org")
    }

    /// Stops the hub (the device is now offline).
    pub fn stop(&mut self) {
        self.hub.stop();
    }

    /// Starts it again on the same directory, key, state and address: to the device it is
    /// the same hub coming back (a new address would be a settings change, which needs the
    /// old hub's acknowledgement).
    pub fn restart(&mut self) {
        self.hub.stop();
        let listen = self.url.trim_start_matches("http://").to_owned();
        self.hub = RunningHub::start_on(&self.org_dir(), true, &listen);
        assert_eq!(
            self.hub.key, self.key,
            "the restarted hub signs with the same key"
        );
        assert_eq!(self.hub.url, self.url, "the restarted hub is where it was");
    }

    /// Queues a fault (`POST /__faults`).
    pub fn fault(&self, body: &str) {
        let (status, answer) = http(&self.url, "POST", "/__faults", Some(body));
        assert_eq!(status, 200, "the fault `{body}` is queued: {answer}");
    }

    /// Every audit event the hub received (`GET /__audit`).
    pub fn received(&self) -> Vec<Value> {
        let (status, body) = http(&self.url, "GET", "/__audit", None);
        assert_eq!(status, 200, "{body}");
        let value: Value = serde_json::from_str(&body).unwrap();
        value["events"].as_array().unwrap().clone()
    }

    /// A sandbox following this hub, with its key pinned.
    pub fn sandbox(&self) -> Sandbox {
        let sandbox = Sandbox::new();
        for (name, value) in [
            ("hub-url", self.url.as_str()),
            ("organization", ORG),
            ("hub-key", self.key.as_str()),
        ] {
            let (code, _, err) = sandbox.run(&["config", "set", name, value]);
            assert_eq!(code, 0, "config set {name}: {err}");
        }
        sandbox
    }
}

/// `gatehouse <args>` in `sandbox` with the hub token (and a short timeout) in the
/// environment: (exit code, stdout, stderr).
pub fn with_token(sandbox: &Sandbox, token: &str, args: &[&str]) -> (i32, String, String) {
    let output = sandbox
        .gatehouse(args)
        .env("GATEHOUSE_HUB_TOKEN", token)
        .env("GATEHOUSE_HUB_TIMEOUT_MS", "1500")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

pub fn sync(sandbox: &Sandbox) -> (i32, String, String) {
    with_token(sandbox, TOKEN, &["sync"])
}

pub fn status(sandbox: &Sandbox) -> Value {
    let (code, out, err) = sandbox.run(&["status", "--json"]);
    assert_eq!(code, 0, "status always exits 0: {err}");
    serde_json::from_str(&out).unwrap()
}

/// The exit code of `gatehouse check SERVER`: what the cached policy decides.
pub fn check(sandbox: &Sandbox) -> i32 {
    sandbox.run(&["check", SERVER]).0
}
