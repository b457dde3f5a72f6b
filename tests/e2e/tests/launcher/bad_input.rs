//! Bad input meets a clear error, the right exit code, and no hang.

use std::ffi::OsStr;
use std::io::Read;
use std::process::Stdio;
use std::time::{Duration, Instant};

use gatehouse_e2e::Sandbox;
use serde_json::json;

use crate::wire::{Session, add_fake_server};

#[test]
fn an_unknown_server_id_is_a_usage_error() {
    let sandbox = Sandbox::new();
    let (code, out, err) = sandbox.run(&["run", "nobody"]);
    assert_eq!(code, 2, "CLI.md: 2 for an unknown id");
    assert!(out.is_empty());
    assert!(err.contains("no server `nobody`"), "{err}");
}

#[test]
fn override_flags_without_force_are_a_usage_error() {
    let sandbox = Sandbox::new();
    add_fake_server(&sandbox, "fake");
    let (code, _, err) = sandbox.run(&["run", "fake", "--min-cert-level", "0"]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = sandbox.run(&["run", "fake", "--force"]);
    assert_eq!(code, 2, "--force without an override: {err}");
    let (code, _, err) = sandbox.run(&["run", "fake", "--force", "--allow-origin", "offical"]);
    assert_eq!(code, 2, "a misspelled origin: {err}");
}

#[test]
fn a_corrupt_database_is_reported_and_left_alone() {
    let sandbox = Sandbox::new();
    std::fs::create_dir_all(sandbox.data_dir()).unwrap();
    let db = sandbox.data_dir().join("gatehouse.db");
    let garbage =
        b"this is not a database, just some bytes that are long enough to be looked at".repeat(100);
    std::fs::write(&db, &garbage).unwrap();
    let (code, _, err) = sandbox.run(&["run", "anything"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("gatehouse.db"),
        "the message names the file: {err}"
    );
    assert_eq!(
        std::fs::read(&db).unwrap(),
        garbage,
        "a corrupt file is never overwritten"
    );
}

#[test]
fn an_unreadable_policy_file_means_no_usable_policy() {
    let sandbox = Sandbox::new();
    add_fake_server(&sandbox, "fake");
    // A directory where the file should be: unreadable as a file even for root.
    std::fs::create_dir_all(sandbox.mcp_config()).unwrap();
    let (code, _, err) = sandbox.run(&["run", "fake"]);
    assert_eq!(
        code, 3,
        "POLICY.md section 5: the local block is unreadable: {err}"
    );
    assert!(
        err.contains("config.yaml"),
        "the message names the file: {err}"
    );

    std::fs::remove_dir(sandbox.mcp_config()).unwrap();
    sandbox.write_config("policy:\n  cert_mode: strcit\n");
    let (code, _, err) = sandbox.run(&["check", "fake"]);
    assert_eq!(code, 3, "an invalid local block is never ignored: {err}");
}

#[test]
fn a_command_that_does_not_exist_fails_with_exit_1_and_is_audited() {
    let sandbox = Sandbox::new();
    let (code, _, err) = sandbox.run(&["servers", "add", "ghost", "--", "/nonexistent/mcp-server"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = sandbox.run(&["run", "ghost"]);
    assert_eq!(
        code, 1,
        "CLI.md: 1 when the command cannot be started: {err}"
    );
    assert!(
        err.contains("/nonexistent/mcp-server"),
        "the message names the program: {err}"
    );
    let ended: Vec<_> = sandbox
        .audit()
        .into_iter()
        .filter(|e| e["kind"] == "launch_ended")
        .collect();
    assert_eq!(ended.len(), 1, "the failed start is audited");
    assert!(ended[0]["detail"]["error"].is_string());
}

#[test]
fn a_server_that_floods_stdout_ends_when_the_client_leaves() {
    let sandbox = Sandbox::new();
    let (code, _, err) = sandbox.run(&[
        "servers",
        "add",
        "flood",
        "--",
        "yes",
        "{\"jsonrpc\":\"2.0\",\"method\":\"x\"}",
    ]);
    assert_eq!(code, 0, "{err}");
    let mut child = sandbox
        .gatehouse(&["run", "flood"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut buffer = vec![0u8; 1 << 20];
    let mut read = 0;
    while read < 50 << 20 {
        read += stdout.read(&mut buffer).unwrap();
    }
    drop(child.stdin.take());
    drop(stdout);
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "gatehouse run hung after its client left a flooding server"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(
        status.code().is_some(),
        "it exits (with the server's code), it is not killed"
    );
}

#[test]
fn garbage_from_the_client_does_not_break_the_session() {
    let sandbox = Sandbox::new();
    add_fake_server(&sandbox, "fake");
    let none: [(&str, &OsStr); 0] = [];
    let mut session = Session::start(&sandbox, &["run", "fake"], &none);
    session.send_raw("this is not json");
    let error = session.next();
    assert_eq!(
        error["error"]["code"], -32700,
        "the server answers the garbage itself: {error}"
    );
    session.send_raw("{\"jsonrpc\":\"2.0\",\"id\":");
    session.next();
    session.initialize();
    session.send(&json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}));
    let (listed, _) = session.response(2);
    assert!(
        listed["result"]["tools"].is_array(),
        "the session still works: {listed}"
    );
    assert_eq!(session.finish().0, 0);
}

#[test]
fn a_server_that_exits_ends_the_launcher_while_the_client_still_listens() {
    // Clients such as desktop apps keep the server's stdin open until its stdout ends: the
    // launcher must exit when the server does, with the server's exit code.
    let sandbox = Sandbox::new();
    let script = "echo '{\"jsonrpc\":\"2.0\",\"method\":\"notifications/bye\"}'; exit 3";
    let (code, _, err) = sandbox.run(&["servers", "add", "quitter", "--", "sh", "-c", script]);
    assert_eq!(code, 0, "{err}");
    let mut child = sandbox
        .gatehouse(&["run", "quitter"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let _stdin_kept_open = child.stdin.take();
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut out = String::new();
        let _ = stdout.read_to_string(&mut out);
        out
    });
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("gatehouse run outlived its server while the client kept stdin open");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(
        status.code(),
        Some(3),
        "the server's own exit code comes back"
    );
    let out = reader.join().unwrap();
    assert!(
        out.contains("notifications/bye"),
        "the server's output arrived: {out}"
    );
}

#[test]
fn ids_urls_and_commands_that_read_two_ways_are_refused() {
    let sandbox = Sandbox::new();
    for id in ["../../etc", "a//b", "/abs"] {
        let (code, _, err) = sandbox.run(&["servers", "add", id, "--", "/bin/true"]);
        assert_eq!(code, 2, "{id}: {err}");
        assert!(err.contains("cannot be a server id"), "{err}");
    }
    let (code, _, err) = sandbox.run(&["servers", "add", "x", "--name", "", "--", "/bin/true"]);
    assert_eq!(code, 2, "an empty label: {err}");
    let (code, _, err) = sandbox.run(&["servers", "add", "x", "--", "/bin/tr\nue"]);
    assert_eq!(code, 2, "a line break in the program: {err}");
    assert!(err.contains("control character"), "{err}");
    let (code, _, err) = sandbox.run(&["servers", "add", "x", "--", "/bin/true", "a\u{1b}[2Jb"]);
    assert_eq!(code, 2, "a terminal escape in an argument: {err}");
    assert!(err.contains("control character"), "{err}");
    let (code, _, err) = sandbox.run(&["config", "set", "hub-url", "https://u:p@hub.example"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("gatehouse login"), "{err}");
    let (code, out, _) = sandbox.run(&["servers", "list", "--json"]);
    assert_eq!((code, out.trim()), (0, "[]"), "nothing was registered");
}

#[test]
fn a_broken_local_policy_is_a_json_error_naming_the_key() {
    let sandbox = Sandbox::new();
    add_fake_server(&sandbox, "fake");
    sandbox.write_config("policy:\n  cert_mode: strcit\n");
    for args in [
        &["check", "fake", "--json"][..],
        &["policy", "show", "--json"],
        &["servers", "list", "--json"],
    ] {
        let (code, out, err) = sandbox.run(args);
        assert_eq!(code, 3, "{args:?}: {err}");
        let answer: serde_json::Value = serde_json::from_str(&out)
            .unwrap_or_else(|e| panic!("{args:?} printed no JSON ({e}): {out}"));
        assert_eq!(answer["error"]["code"], "invalid_policy", "{answer}");
        assert_eq!(answer["error"]["key"], "cert_mode", "{answer}");
        assert_eq!(answer["error"]["layer"], "local", "{answer}");
    }
    let (_, _, err) = sandbox.run(&["check", "fake"]);
    assert!(
        err.contains("`cert_mode`"),
        "the message names the key: {err}"
    );
}

#[test]
fn a_shared_config_file_with_more_documents_or_deep_nesting() {
    let sandbox = Sandbox::new();
    add_fake_server(&sandbox, "fake");
    sandbox.write_config("policy:\n  deny_list: ['@test/*']\n---\nother_tool: {x: 1}\n");
    let (code, _, err) = sandbox.run(&["check", "fake"]);
    assert_eq!(code, 4, "the first document's policy is in force: {err}");

    sandbox.write_config(&format!("policy:\n  deny_list: {}\n", "[".repeat(200_000)));
    // A quadratic parse of this file took minutes; the message proves the refusal came
    // from the bounds check, before any parser.
    let (code, _, err) = sandbox.run(&["run", "fake"]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("nested more than 64 levels"), "{err}");
}
