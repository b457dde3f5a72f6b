//! Real servers from npm (`@modelcontextprotocol/server-everything`) and PyPI
//! (`mcp-server-time`) through `gatehouse run`, driven by the official Rust MCP client.

use std::path::Path;

use gatehouse_e2e::{Sandbox, real_server};
use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use rmcp::transport::TokioChildProcess;

/// Connects an rmcp client to `gatehouse run <id>` in `sandbox`, with `extra` variables in
/// the launcher's environment (the client app's environment, in real life).
async fn connect(
    sandbox: &Sandbox,
    id: &str,
    extra: &[(&str, &str)],
) -> rmcp::service::RunningService<rmcp::RoleClient, ()> {
    let mut command = tokio::process::Command::new(gatehouse_e2e::binary("gatehouse"));
    command
        .args(["run", id])
        .envs(sandbox.env())
        .envs(extra.iter().copied());
    let transport = TokioChildProcess::new(command).unwrap();
    ().serve(transport)
        .await
        .expect("the MCP handshake through gatehouse run succeeds")
}

fn text_of(result: &rmcp::model::CallToolResult) -> String {
    serde_json::to_value(&result.content).unwrap().to_string()
}

fn add(sandbox: &Sandbox, id: &str, command: &Path, args: &[&str], env: &[&str]) {
    let mut argv = vec!["servers", "add", id];
    for name in env {
        argv.extend(["--env", name]);
    }
    argv.push("--");
    let command = command.to_str().unwrap();
    argv.push(command);
    argv.extend(args);
    let (code, _, err) = sandbox.run(&argv);
    assert_eq!(code, 0, "servers add {id} failed: {err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn everything_server_handshakes_lists_and_calls_through_gatehouse() {
    let Some(everything) = real_server("node_modules/.bin/mcp-server-everything") else {
        return;
    };
    let sandbox = Sandbox::new();
    add(&sandbox, "everything", &everything, &["stdio"], &[]);

    let client = connect(&sandbox, "everything", &[]).await;
    let tools = client.list_all_tools().await.unwrap();
    assert!(
        tools.iter().any(|tool| tool.name == "echo"),
        "server-everything lists its echo tool: {tools:?}"
    );
    let mut arguments = serde_json::Map::new();
    arguments.insert("message".into(), "through the gate".into());
    let result = client
        .call_tool(CallToolRequestParams::new("echo").with_arguments(arguments))
        .await
        .unwrap();
    assert!(
        text_of(&result).contains("through the gate"),
        "the tool call crossed the proxy both ways"
    );
    client.cancel().await.unwrap();

    let kinds = wait_for_end(&sandbox, "everything").await;
    assert!(
        kinds.contains(&"launch_allowed".to_owned()),
        "the decision is audited: {kinds:?}"
    );
    // The servers view shows the tools of the last run, as the proxy saw them.
    let (_, out, _) = sandbox.run(&["servers", "list", "--json"]);
    let list: serde_json::Value = serde_json::from_str(&out).unwrap();
    let shown = list[0]["tools"].as_array().cloned().unwrap_or_default();
    assert!(
        shown.iter().any(|name| name == "echo") && list[0]["tools_seen_at"].is_string(),
        "the tools listed through the proxy are remembered for the servers view: {list}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn time_server_from_pypi_answers_through_gatehouse() {
    let Some(time_server) = real_server(".venv/bin/mcp-server-time") else {
        return;
    };
    let sandbox = Sandbox::new();
    add(
        &sandbox,
        "time",
        &time_server,
        &["--local-timezone", "UTC"],
        &[],
    );

    let client = connect(&sandbox, "time", &[]).await;
    let tools = client.list_all_tools().await.unwrap();
    assert!(
        tools.iter().any(|tool| tool.name == "get_current_time"),
        "{tools:?}"
    );
    let mut arguments = serde_json::Map::new();
    arguments.insert("timezone".into(), "UTC".into());
    let result = client
        .call_tool(CallToolRequestParams::new("get_current_time").with_arguments(arguments))
        .await
        .unwrap();
    assert!(
        text_of(&result).contains("UTC"),
        "the time server answered: {}",
        text_of(&result)
    );
    client.cancel().await.unwrap();
    wait_for_end(&sandbox, "time").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_in_the_callers_environment_does_not_reach_the_server() {
    let Some(everything) = real_server("node_modules/.bin/mcp-server-everything") else {
        return;
    };
    let sandbox = Sandbox::new();
    add(
        &sandbox,
        "everything",
        &everything,
        &["stdio"],
        &["DECLARED_SETTING"],
    );

    let client = connect(
        &sandbox,
        "everything",
        &[
            ("UNDECLARED_SECRET", "s3cret-value-123"),
            ("DECLARED_SETTING", "declared-value-456"),
        ],
    )
    .await;
    let result = client
        .call_tool(CallToolRequestParams::new("get-env"))
        .await
        .unwrap();
    let env = text_of(&result);
    assert!(
        env.contains("declared-value-456"),
        "a declared variable reaches the server"
    );
    assert!(
        !env.contains("s3cret-value-123"),
        "an undeclared variable must never reach the server"
    );
    assert!(
        !env.contains("GATEHOUSE_DATA_DIR"),
        "the launcher's own settings are not the server's business"
    );
    client.cancel().await.unwrap();
    wait_for_end(&sandbox, "everything").await;
}

#[test]
fn servers_blocked_by_local_policy_exit_4_and_never_start() {
    let Some(everything) = real_server("node_modules/.bin/mcp-server-everything") else {
        return;
    };
    let Some(time_server) = real_server(".venv/bin/mcp-server-time") else {
        return;
    };
    let sandbox = Sandbox::new();
    add(&sandbox, "everything", &everything, &["stdio"], &[]);
    add(&sandbox, "time", &time_server, &[], &[]);
    // Neither is in a catalog, so both are uncertified: a minimum level blocks them.
    sandbox.write_config("policy:\n  min_cert_level: 1\n");

    for id in ["everything", "time"] {
        let (code, out, err) = sandbox.run(&["run", id]);
        assert_eq!(code, 4, "{id} is blocked: {err}");
        assert!(out.is_empty(), "nothing reaches the client: {out}");
        assert!(
            err.contains("Error: policy violation"),
            "the POLICY.md section 6 message: {err}"
        );
        assert!(
            err.contains("Required cert level: 1 (Static Verified)"),
            "{err}"
        );
        let log = sandbox.data_dir().join(format!("logs/{id}.log"));
        assert!(
            !log.exists(),
            "the server's log exists only once it was spawned: {}",
            log.display()
        );
    }
    let blocked = sandbox
        .audit()
        .into_iter()
        .filter(|e| e["kind"] == "launch_blocked")
        .count();
    assert_eq!(blocked, 2, "each blocked launch is audited once");
}

/// Waits (at most 10 s) for the launcher to record `launch_ended` for `id`, and returns the
/// kinds of every event about it.
pub async fn wait_for_end(sandbox: &Sandbox, id: &str) -> Vec<String> {
    for _ in 0..100 {
        let kinds: Vec<String> = sandbox
            .audit()
            .into_iter()
            .filter(|event| event["detail"]["id"] == id)
            .map(|event| event["kind"].as_str().unwrap().to_owned())
            .collect();
        if kinds.iter().any(|kind| kind == "launch_ended") {
            return kinds;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no launch_ended recorded for {id} within 10 s of the client leaving");
}
