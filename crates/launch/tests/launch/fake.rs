//! Fake MCP servers (and a fake `gatehouse run`), played by this very test binary: a test
//! re-executes it with `--exact <fn> --ignored` and `FAKE_MODE` chosen below. libtest prints
//! a "running 1 test" banner on stdout first; the clients in these tests skip such lines
//! (and so exercise the proxy forwarding non-JSON server output).

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::{BufRead, Write};
use std::time::Duration;

use gatehouse_launch::{
    LaunchSpec, MemoryPins, PinMode, ProxyOptions, StopReason, filtered_env, run_session,
};
use serde_json::{Value, json};

/// A spec that starts this binary as the fake server `mode`, with `env` (its whole
/// environment besides `FAKE_MODE` and `PATH`).
pub fn server_spec(mode: &str, env: &[(&str, &str)]) -> LaunchSpec {
    let mut spec = LaunchSpec::new(
        std::env::current_exe().unwrap(),
        harness_args("fake::fake_server"),
    );
    spec.env.insert("FAKE_MODE".into(), mode.into());
    if let Some(path) = std::env::var_os("PATH") {
        spec.env.insert("PATH".into(), path);
    }
    for (name, value) in env {
        spec.env.insert((*name).into(), (*value).into());
    }
    spec
}

pub fn harness_args(test: &str) -> Vec<OsString> {
    [
        "--exact",
        test,
        "--ignored",
        "--nocapture",
        "--test-threads=1",
        "--quiet",
    ]
    .map(OsString::from)
    .to_vec()
}

fn send(value: &Value) {
    let mut out = std::io::stdout().lock();
    let mut line = serde_json::to_vec(value).unwrap();
    line.push(b'\n');
    out.write_all(&line).unwrap();
    out.flush().unwrap();
}

/// Answers `initialize` and `tools/list` (one tool whose description is `FAKE_DESCRIPTION`)
/// until its input ends.
fn mcp() {
    eprintln!("fake server: started");
    let description = std::env::var("FAKE_DESCRIPTION").unwrap_or_else(|_| "Echoes".to_owned());
    for line in std::io::stdin().lock().lines() {
        let Ok(request) = serde_json::from_str::<Value>(&line.unwrap()) else {
            continue;
        };
        let id = request["id"].clone();
        match request["method"].as_str() {
            Some("initialize") => send(&json!({"jsonrpc": "2.0", "id": id, "result": {
                "protocolVersion": "2025-06-18",
                "capabilities": {"tools": {"listChanged": true}},
                "serverInfo": {"name": "fake", "version": "1.0.0"},
            }})),
            Some("tools/list") => send(&json!({"jsonrpc": "2.0", "id": id, "result": {"tools": [
                {"name": "echo", "description": description,
                 "inputSchema": {"type": "object", "properties": {"text": {"type": "string"}}}},
            ]}})),
            Some(_) if !id.is_null() => send(&json!({"jsonrpc": "2.0", "id": id, "result": {}})),
            _ => {}
        }
    }
}

/// Writes `FAKE_FLOOD_MB` one-MiB notifications, then drains its input and exits.
fn flood() {
    let megabytes: usize = std::env::var("FAKE_FLOOD_MB").unwrap().parse().unwrap();
    let prefix =
        br#"{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":""#;
    let suffix = b"\"}}\n";
    let mut line = prefix.to_vec();
    line.resize(1024 * 1024 - suffix.len(), b'x');
    line.extend_from_slice(suffix);
    let mut out = std::io::stdout().lock();
    for _ in 0..megabytes {
        out.write_all(&line).unwrap();
    }
    out.flush().unwrap();
    drop(out);
    std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink()).unwrap();
}

/// Ignores SIGTERM, starts a grandchild `sleep` in its process group, says so, and never
/// exits by itself.
fn stubborn() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        // Listening for SIGTERM replaces its default action: the process no longer dies of it.
        let _term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).unwrap();
        let mut sleeper = std::process::Command::new("sleep")
            .arg("1000")
            .spawn()
            .unwrap();
        send(&json!({"jsonrpc": "2.0", "method": "fake/ready",
            "params": {"pid": std::process::id(), "grandchild": sleeper.id()}}));
        let _ = tokio::task::spawn_blocking(move || sleeper.wait()).await;
        loop {
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
    });
}

/// Tells its whole environment, then waits for its input to end.
fn env() {
    let vars: BTreeMap<String, String> = std::env::vars().collect();
    send(&json!({"jsonrpc": "2.0", "method": "fake/env", "params": vars}));
    std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink()).unwrap();
}

#[test]
#[ignore = "a fake MCP server, run by the other tests as a child process"]
fn fake_server() {
    match std::env::var("FAKE_MODE").as_deref() {
        Ok("mcp") => mcp(),
        Ok("flood") => flood(),
        Ok("stubborn") => stubborn(),
        Ok("env") => env(),
        _ => return,
    }
    // Exit here: libtest's closing lines would otherwise follow on stdout.
    std::process::exit(0);
}

/// `gatehouse run` in miniature: filters its own environment (declaring `DECLARED_VAR`,
/// adding `EXPLICIT_VAR` as if from the keyring), starts `FAKE_SERVER_MODE`, and proxies its
/// real stdin and stdout. Exits with the server's exit code.
#[test]
#[ignore = "a fake launcher, run by the other tests as a child process"]
fn fake_launcher() {
    let Ok(mode) = std::env::var("FAKE_SERVER_MODE") else {
        return;
    };
    let explicit = BTreeMap::from([
        (
            OsString::from("EXPLICIT_VAR"),
            OsString::from("from-keyring"),
        ),
        (OsString::from("FAKE_MODE"), OsString::from(mode)),
    ]);
    let env = filtered_env(&["DECLARED_VAR".to_owned()], &explicit, |name| {
        std::env::var_os(name)
    });
    let mut spec = LaunchSpec::new(
        std::env::current_exe().unwrap(),
        harness_args("fake::fake_server"),
    );
    spec.env = env;
    let mut options = ProxyOptions::new("fake");
    options.pin_mode = PinMode::Warn;
    options.grace = Duration::from_millis(300);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let pins = MemoryPins::default();
    let end = runtime.block_on(run_session(
        spec,
        options,
        &pins,
        &(),
        std::future::pending::<StopReason>(),
    ));
    let end = end.unwrap();
    eprintln!("fake launcher: {:?} exit {}", end.end, end.exit_code);
    // Not waiting for the runtime: its stdin thread may block until the client closes.
    std::process::exit(end.exit_code);
}
