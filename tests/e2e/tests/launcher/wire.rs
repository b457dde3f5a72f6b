//! Talking newline-delimited JSON-RPC to a `gatehouse run` process by hand, for the tests
//! that need to see exactly what crosses the pipe.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use gatehouse_e2e::Sandbox;
use serde_json::{Value, json};

pub struct Session {
    pub child: Child,
    stdin: Option<ChildStdin>,
    lines: mpsc::Receiver<String>,
}

impl Session {
    pub fn start(sandbox: &Sandbox, args: &[&str], env: &[(&str, &std::ffi::OsStr)]) -> Session {
        let mut child = sandbox
            .gatehouse(args)
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout: ChildStdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stdin = child.stdin.take();
        Session {
            child,
            stdin,
            lines,
        }
    }

    pub fn send(&mut self, message: &Value) {
        self.send_raw(&message.to_string());
    }

    pub fn send_raw(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin is open");
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
    }

    /// The next line from the server side, as JSON; fails after 20 s.
    pub fn next(&self) -> Value {
        let line = self
            .lines
            .recv_timeout(Duration::from_secs(20))
            .expect("a message within 20 s");
        serde_json::from_str(&line).unwrap_or_else(|_| panic!("not JSON: {line}"))
    }

    /// Reads until the response with `id`, returning it and what came before.
    pub fn response(&self, id: i64) -> (Value, Vec<Value>) {
        let mut before = Vec::new();
        loop {
            let message = self.next();
            if message["id"] == json!(id) && message.get("method").is_none() {
                return (message, before);
            }
            before.push(message);
        }
    }

    /// Whether anything arrives within `wait`.
    pub fn quiet_for(&self, wait: Duration) -> Option<Value> {
        self.lines
            .recv_timeout(wait)
            .ok()
            .map(|line| serde_json::from_str(&line).unwrap_or(Value::String(line)))
    }

    pub fn initialize(&mut self) -> Value {
        self.send(&json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "e2e", "version": "1"}}}));
        let (response, _) = self.response(1);
        self.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
        response
    }

    /// Closes stdin and waits (at most 20 s) for the exit code; stderr is returned too.
    pub fn finish(mut self) -> (i32, String) {
        drop(self.stdin.take());
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                let mut err = String::new();
                if let Some(mut stderr) = self.child.stderr.take() {
                    std::io::Read::read_to_string(&mut stderr, &mut err).unwrap();
                }
                return (status.code().unwrap_or(-1), err);
            }
            if std::time::Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("gatehouse run did not exit within 20 s of its client closing");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Registers the fake server of `fixtures/fake-server.mjs` as `id` (policy name `@test/<id>`
/// version 1.0.0). It reads its tool description from the file named by the caller's
/// `FAKE_TOOL_DESCRIPTION_FILE`, which it declares, so the variable passes the filter.
pub fn add_fake_server(sandbox: &Sandbox, id: &str) {
    let script = gatehouse_e2e::workspace_root().join("tests/e2e/fixtures/fake-server.mjs");
    let (code, _, err) = sandbox.run(&[
        "servers",
        "add",
        id,
        "--name",
        &format!("@test/{id}"),
        "--env",
        "FAKE_TOOL_DESCRIPTION_FILE",
        "--",
        "node",
        script.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "servers add failed: {err}");
}
