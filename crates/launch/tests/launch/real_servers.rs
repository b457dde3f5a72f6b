//! The launcher with real MCP servers from npm and PyPI, installed by `make test-servers`
//! into `tests/mcp-servers`. Without them these tests skip, unless
//! `GATEHOUSE_REQUIRE_REAL_SERVERS=1` (as in CI), where a missing server fails.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::Arc;

use gatehouse_launch::{
    LaunchSpec, MemoryPins, OsFamily, PinMode, SessionEnd, base_names, filtered_env, launch_key,
};
use serde_json::{Value, json};

use super::{Client, Recorder, options};

/// The installed server `relative` to `tests/mcp-servers`, or `None` (skip) when absent.
fn installed(relative: &str) -> Option<PathBuf> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/mcp-servers")
        .join(relative);
    if path.exists() {
        return Some(path);
    }
    let required = std::env::var("GATEHOUSE_REQUIRE_REAL_SERVERS").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "`{}` is missing: run `make test-servers`",
        path.display()
    );
    eprintln!(
        "skipped: `{}` is not installed (make test-servers)",
        path.display()
    );
    None
}

/// A spec with the environment `gatehouse run` would give: this test process's own
/// environment filtered, plus one explicit value.
fn spec(program: PathBuf, args: &[&str]) -> LaunchSpec {
    let explicit = BTreeMap::from([(OsString::from("EXPLICIT_FOR_TEST"), OsString::from("yes"))]);
    let mut spec = LaunchSpec::new(program, args.iter().map(OsString::from).collect());
    spec.env = filtered_env(&[], &explicit, |name| std::env::var_os(name));
    spec
}

const INITIALIZE: fn(u64) -> Value = |id| {
    json!({"jsonrpc": "2.0", "id": id, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "gatehouse-test", "version": "1"}}})
};

fn has_id(id: u64) -> impl Fn(&Value) -> bool {
    move |message| message["id"] == id
}

/// Handshake and `tools/list` with the server-everything, `warnings` injected.
async fn everything_session(
    program: PathBuf,
    pins: &Arc<MemoryPins>,
    warnings: &[&str],
) -> (Client, Arc<Recorder>, Value) {
    let spec = spec(program, &["stdio"]);
    let mut options = options(
        &launch_key("@modelcontextprotocol/server-everything", None, &spec),
        PinMode::Strict,
    );
    options.warnings = warnings.iter().map(|w| (*w).to_owned()).collect();
    let events = Arc::new(Recorder::default());
    let mut client = Client::start(spec, options, Arc::clone(pins), Arc::clone(&events));
    client.send(INITIALIZE(1)).await;
    let (initialized, _) = client.until(has_id(1)).await;
    client
        .send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
        .await;
    client
        .send(json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}))
        .await;
    let (listed, before) = client.until(has_id(2)).await;
    assert!(
        listed["result"]["tools"]
            .as_array()
            .is_some_and(|t| t.len() > 5),
        "{listed}"
    );
    if warnings.is_empty() {
        assert!(
            !before.iter().any(|m| m["params"]["logger"] == "gatehouse"),
            "nothing injected: {before:?}"
        );
    } else {
        let warning = before.iter().find(|m| m["params"]["logger"] == "gatehouse");
        assert_eq!(
            warning.map(|w| w["params"]["level"].clone()),
            Some(json!("warning")),
            "{before:?}"
        );
    }
    (client, events, initialized)
}

#[tokio::test]
async fn server_everything_runs_through_the_launcher_with_injection_pinning_and_a_clean_env() {
    let Some(program) = installed("node_modules/.bin/mcp-server-everything") else {
        return;
    };
    let pins = Arc::new(MemoryPins::default());
    let (mut client, events, initialized) = everything_session(
        program.clone(),
        &pins,
        &["score 40 is below the minimum of 60"],
    )
    .await;
    let instructions = initialized["result"]["instructions"].as_str().unwrap();
    assert!(instructions.starts_with("Gatehouse: "), "{instructions}");
    assert!(
        instructions.contains("- score 40 is below the minimum of 60\n\n# Everything Server"),
        "the server's own instructions follow"
    );
    assert_eq!(
        initialized["result"]["serverInfo"]["name"],
        "mcp-servers/everything"
    );

    client
        .send(json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "get-env", "arguments": {}}}))
        .await;
    let (answer, _) = client.until(has_id(3)).await;
    let text = answer["result"]["content"][0]["text"].as_str().unwrap();
    let env: BTreeMap<String, Value> = serde_json::from_str(text).unwrap();
    assert_eq!(env.get("EXPLICIT_FOR_TEST"), Some(&json!("yes")));
    let base = base_names(OsFamily::Unix);
    let leaked: Vec<&String> = env
        .keys()
        .filter(|k| !base.contains(&k.as_str()) && *k != "EXPLICIT_FOR_TEST")
        .collect();
    assert!(
        leaked.is_empty(),
        "the launcher's environment leaked into the server: {leaked:?}"
    );
    let end: SessionEnd = client.close().await;
    assert_eq!(end.exit_code, 0, "{end:?}");
    let pinned = events.0.lock().unwrap().clone();
    assert!(
        pinned.len() == 1 && pinned[0].starts_with("pinned echo,"),
        "{pinned:?}"
    );

    // A second launch lists byte-identical tools: raw-byte pins hold for a real server
    // (it also re-lists after its `list_changed`, which is checked the same way).
    let (mut client, events, _) = everything_session(program, &pins, &[]).await;
    client
        .send(json!({"jsonrpc": "2.0", "id": 4, "method": "tools/list"}))
        .await;
    let (relisted, _) = client.until(has_id(4)).await;
    assert!(
        relisted["result"]["tools"].is_array(),
        "strict pinning let the unchanged list through: {relisted}"
    );
    let end = client.close().await;
    assert!(
        end.tools_changed.is_empty() && events.0.lock().unwrap().is_empty(),
        "{end:?}"
    );
}

/// Lists the tools of `mcp-server-time` started with `args`, pinned under `key`.
async fn time_tools(
    program: PathBuf,
    args: &[&str],
    key: Option<&str>,
    pins: &Arc<MemoryPins>,
) -> SessionEnd {
    let spec = spec(program, args);
    let key = key.map_or_else(
        || launch_key("mcp-server-time", Some("2026.10.19"), &spec),
        str::to_owned,
    );
    let mut client = Client::start(
        spec,
        options(&key, PinMode::Warn),
        Arc::clone(pins),
        Arc::default(),
    );
    client.send(INITIALIZE(1)).await;
    client.until(has_id(1)).await;
    client
        .send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
        .await;
    client
        .send(json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}))
        .await;
    client.until(has_id(2)).await;
    client.close().await
}

#[tokio::test]
async fn mcp_server_time_pins_are_per_launch_config() {
    let Some(program) = installed(".venv/bin/mcp-server-time") else {
        return;
    };
    let pins = Arc::new(MemoryPins::default());
    let utc = ["--local-timezone", "UTC"];
    let paris = ["--local-timezone", "Europe/Paris"];
    let end = time_tools(program.clone(), &utc, None, &pins).await;
    assert!(end.tools_changed.is_empty(), "{end:?}");
    let end = time_tools(program.clone(), &paris, None, &pins).await;
    assert!(
        end.tools_changed.is_empty(),
        "another launch config has pins of its own: {end:?}"
    );
    // Keyed by server and version alone, the time-zone argument in a schema would look
    // like a changed tool: the reason keys include the launch config.
    time_tools(program.clone(), &utc, Some("time-only"), &pins).await;
    let end = time_tools(program, &paris, Some("time-only"), &pins).await;
    assert!(
        !end.tools_changed.is_empty(),
        "the schema names the time zone: {end:?}"
    );
}
