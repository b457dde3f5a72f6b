//! A launch the policy refuses reaches the person: the client app's first request is
//! answered with the reason (instead of "Connection closed"), and a desktop notification
//! names the server and the app that tried to start it.

use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;
use std::time::Duration;

use gatehouse_e2e::{Sandbox, desktop_available, notifications_about};

#[test]
fn a_refused_launch_tells_the_app_why_and_the_person_which_app() {
    if !desktop_available(&["dunstctl"]) {
        return;
    }
    let sandbox = Sandbox::new();
    let id = format!("refused-{}", std::process::id());
    let (code, _, err) = sandbox.run(&["servers", "add", &id, "--", "/bin/cat"]);
    assert_eq!(code, 0, "{err}");
    sandbox.write_config("policy:\n  deny_list: ['refused-*']\n");

    let mut child = sandbox
        .gatehouse(&["run", &id, "--client", "cursor"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    // As the Python SDK's auto mode does: probe the 2026-07-28 era, then fall back.
    stdin
        .write_all(b"{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"server/discover\",\"params\":{}}\n")
        .unwrap();
    let mut probe = String::new();
    stdout.read_line(&mut probe).unwrap();
    assert!(probe.contains("-32001"), "the probe hears why too: {probe}");
    stdin
        .write_all(b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{}}\n")
        .unwrap();
    let mut answer = String::new();
    stdout.read_line(&mut answer).unwrap();
    // Closing stdin ends the wait at once.
    drop(stdin);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(4), "blocked");
    let answer: serde_json::Value = serde_json::from_str(&answer)
        .unwrap_or_else(|e| panic!("the app gets a JSON-RPC answer ({e}): {answer}"));
    assert_eq!(answer["id"], 1, "{answer}");
    assert_eq!(answer["error"]["code"], -32001, "{answer}");
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("block this server"),
        "the reason, for the app to show: {answer}"
    );

    let told = notifications_about(&id, 1, Duration::from_secs(5));
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(
        told[0].contains("Cursor tried to start"),
        "the notice names the app: {told:?}"
    );
    assert!(
        !told[0].contains("Error:"),
        "a title, not a heading: {told:?}"
    );
}

#[test]
fn without_client_the_app_that_started_the_launcher_is_named() {
    if !desktop_available(&["dunstctl"]) {
        return;
    }
    let sandbox = Sandbox::new();
    let id = format!("parent-{}", std::process::id());
    let (code, _, err) = sandbox.run(&["servers", "add", &id, "--", "/bin/cat"]);
    assert_eq!(code, 0, "{err}");
    sandbox.write_config("policy:\n  deny_list: ['parent-*']\n");
    // An app called `windsurf` (a shell under that name) starts an entry that does not
    // say which app it belongs to.
    let app = sandbox.path().join("windsurf");
    std::fs::copy("/bin/sh", &app).unwrap();
    let gatehouse = gatehouse_e2e::binary("gatehouse");
    let status = std::process::Command::new(&app)
        .arg("-c")
        // Not the shell's last word, so it stays the launcher's parent instead of exec'ing.
        .arg(format!("'{}' run '{id}'; exit $?", gatehouse.display()))
        .envs(sandbox.env())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(4));
    let told = notifications_about(&id, 1, Duration::from_secs(5));
    assert!(
        told.iter()
            .any(|notice| notice.contains("Windsurf tried to start")),
        "{told:?}"
    );
}

#[test]
fn an_unknown_client_app_name_is_a_usage_error() {
    let sandbox = Sandbox::new();
    let (code, _, err) = sandbox.run(&["run", "x", "--client", "vs-code"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("vscode"), "it says the right names: {err}");
}
