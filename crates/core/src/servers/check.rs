//! The MCP conversation of "Check now": the handshake, every page of `tools/list`, and the
//! names of the tools found. It runs over any pair of streams; the desktop crate gives it
//! the pipes of a `gatehouse run <id>` it started, so the policy check, confirmation and
//! audit are exactly a client app's.

use serde::Serialize;
use serde_json::{Value, json};
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWrite, AsyncWriteExt};

use crate::error::{Error, ProbeProblem, Result};

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

/// Talks MCP with a server reached through `input` (its output) and `output` (its input):
/// the handshake, then `tools/list` page by page. The server stays running; the caller
/// ends the session by closing `output`.
pub async fn talk<R, W>(input: R, output: &mut W) -> Result<ProbeOutcome>
where
    R: AsyncBufRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let stdin = output;
    let mut lines = input.lines();
    send(
        stdin,
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
        stdin,
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
            stdin,
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
    Ok(ProbeOutcome { server_name, tools })
}

/// The launcher closed its pipes before the exchange finished (it refused, or the server
/// died); its stderr, read afterwards, usually says why.
fn ended() -> Error {
    Error::Probe(ProbeProblem::Ended)
}

async fn send<W: AsyncWrite + Unpin>(stdin: &mut W, message: &Value) -> Result<()> {
    let mut line = message.to_string().into_bytes();
    line.push(b'\n');
    stdin.write_all(&line).await.map_err(|_| ended())
}

/// Reads lines until the response to `id`, skipping notifications and server requests.
async fn answer<R: AsyncBufRead + Unpin>(
    lines: &mut tokio::io::Lines<R>,
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
            return Err(Error::Probe(ProbeProblem::ServerError(text.to_owned())));
        }
        return Ok(message.get("result").cloned().unwrap_or(Value::Null));
    }
}
