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

mod audit;
mod crash;
mod faults;
mod keyring;
mod sync;

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use gatehouse_e2e::{Sandbox, binary, workspace_root};
use serde_json::Value;

pub const ORG: &str = "acme-corp";
pub const TOKEN: &str = "midsize-demo-token";
/// A catalog name of the midsize example that `check` can evaluate.
pub const SERVER: &str = "@acme-corp/database-connector";

/// A running `gatehouse-refhub` over a temporary copy of the midsize example.
#[derive(Debug)]
pub struct RefHub {
    dir: tempfile::TempDir,
    child: Child,
    pub url: String,
    pub key: String,
}

impl Drop for RefHub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl RefHub {
    pub fn start() -> RefHub {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(
            &workspace_root().join("examples/hub/midsize"),
            &dir.path().join("org"),
        );
        let (child, url, key) = launch(dir.path());
        RefHub {
            dir,
            child,
            url,
            key,
        }
    }

    pub fn org_dir(&self) -> PathBuf {
        self.dir.path().join("org")
    }

    /// Stops the hub (the device is now offline).
    pub fn stop(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// Starts it again on the same directory, key and state; the port is a new one.
    pub fn restart(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let (child, url, key) = launch(self.dir.path());
        assert_eq!(key, self.key, "the restarted hub signs with the same key");
        self.child = child;
        self.url = url;
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

    /// Points the sandbox at this hub's current URL (after a restart).
    pub fn repoint(&self, sandbox: &Sandbox) {
        let (code, _, err) = sandbox.run(&["config", "set", "hub-url", &self.url]);
        assert_eq!(code, 0, "{err}");
    }
}

fn launch(root: &Path) -> (Child, String, String) {
    let mut child = Command::new(binary("gatehouse-refhub"))
        .args(["--dir", root.join("org").to_str().unwrap()])
        .args(["--listen", "127.0.0.1:0", "--faults"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("gatehouse-refhub runs (cargo build --workspace --bins)");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut url = None;
    let mut key = None;
    for line in lines.by_ref().take(6) {
        let line = line.unwrap();
        if let Some(rest) = line.strip_prefix("listening on ") {
            url = Some(rest.to_owned());
        } else if let Some(rest) = line.strip_prefix("hub-key: ") {
            key = Some(rest.to_owned());
        }
        if url.is_some() && key.is_some() {
            break;
        }
    }
    // Keep reading stdout so the hub never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    (child, url.unwrap(), key.unwrap())
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A minimal HTTP/1.1 request to the hub's test-control routes: (status, body).
pub fn http(base: &str, method: &str, path: &str, body: Option<&str>) -> (u16, String) {
    let address = base.strip_prefix("http://").unwrap();
    let mut stream = TcpStream::connect(address).unwrap();
    let body = body.unwrap_or("");
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap();
    let (head, rest) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    // The control routes answer small JSON, chunked or not; take the JSON part.
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        rest.lines()
            .filter(|line| line.starts_with('{') || line.starts_with('['))
            .collect::<String>()
    } else {
        rest.to_owned()
    };
    (status, body)
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
