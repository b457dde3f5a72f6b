//! "Check now": runs a registered server through the launcher (`gatehouse run <id>`, so the
//! policy check, confirmation and audit are exactly a client app's), does the MCP
//! handshake, lists its tools and closes. The proxy records the tools it saw, so the
//! servers view shows them afterwards.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use serde::Serialize;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};

use crate::error::{Error, Result};

/// The launcher may wait for a person's confirmation (`confirm::LAUNCHER_WAITS`); the
/// handshake itself takes well under a second for real servers.
const WHOLE_CHECK: Duration = Duration::from_secs(100);
/// How many `tools/list` pages are followed.
const MAX_PAGES: usize = 20;

/// What a check found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ProbeOutcome {
    /// `serverInfo.name` from the handshake.
    pub server_name: Option<String>,
    pub tools: Vec<String>,
}

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
            Error::Probe(format!(
                "the launcher `{}` could not be started: {error}",
                launcher.display()
            ))
        })?;
    let talk = talk(&mut child);
    let outcome = match tokio::time::timeout(WHOLE_CHECK, talk).await {
        Ok(outcome) => outcome,
        Err(_) => Err(Error::Probe(
            "the server did not answer the MCP handshake in time".to_owned(),
        )),
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
                Some(code) if code != 0 && !said.is_empty() => Err(Error::Probe(said)),
                _ => Err(error),
            }
        }
    }
}

async fn talk(child: &mut Child) -> Result<ProbeOutcome> {
    let mut stdin = child.stdin.take().ok_or_else(ended)?;
    let stdout = child.stdout.take().ok_or_else(ended)?;
    let mut lines = BufReader::new(stdout).lines();
    send(
        &mut stdin,
        &json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "gatehouse-check", "version": env!("CARGO_PKG_VERSION")}
        }}),
    )
    .await?;
    let init = answer(&mut lines, 1).await?;
    let server_name = init
        .pointer("/serverInfo/name")
        .and_then(Value::as_str)
        .map(str::to_owned);
    send(
        &mut stdin,
        &json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
    )
    .await?;
    let mut tools = Vec::new();
    let mut cursor: Option<String> = None;
    for page in 0..MAX_PAGES {
        let id = 2 + page as u64;
        let params = match &cursor {
            Some(cursor) => json!({"cursor": cursor}),
            None => json!({}),
        };
        send(
            &mut stdin,
            &json!({"jsonrpc": "2.0", "id": id, "method": "tools/list", "params": params}),
        )
        .await?;
        let result = answer(&mut lines, id).await?;
        tools.extend(
            result
                .get("tools")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|tool| tool.get("name").and_then(Value::as_str))
                .map(str::to_owned),
        );
        cursor = result
            .get("nextCursor")
            .and_then(Value::as_str)
            .map(str::to_owned);
        if cursor.is_none() {
            break;
        }
    }
    child.stdin = Some(stdin);
    Ok(ProbeOutcome { server_name, tools })
}

/// The launcher closed its pipes before the exchange finished (it refused, or the server
/// died); its stderr, read afterwards, usually says why.
fn ended() -> Error {
    Error::Probe("the launcher ended before the server answered".to_owned())
}

async fn send(stdin: &mut ChildStdin, message: &Value) -> Result<()> {
    let mut line = message.to_string().into_bytes();
    line.push(b'\n');
    stdin.write_all(&line).await.map_err(|_| ended())
}

/// Reads lines until the response to `id`, skipping notifications and server requests.
async fn answer(
    lines: &mut tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
    id: u64,
) -> Result<Value> {
    loop {
        let line = lines.next_line().await.ok().flatten().ok_or_else(ended)?;
        let Ok(message) = serde_json::from_str::<Value>(&line) else {
            continue;
        };
        if message.get("id").and_then(Value::as_u64) != Some(id) || message.get("method").is_some()
        {
            continue;
        }
        if let Some(error) = message.get("error") {
            let text = error
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("an error");
            return Err(Error::Probe(format!("the server answered with {text}")));
        }
        return Ok(message.get("result").cloned().unwrap_or(Value::Null));
    }
}
