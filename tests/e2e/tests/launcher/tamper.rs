//! The attacks of issue 16 on the launch path, each tried as a person or a script with the
//! user's own rights would: Gatehouse's variables in a client entry or in the launcher's
//! environment, another program called `gatehouse`, a second data directory, an edited
//! freshness column, a hand-added server where managed settings forbid it, and the hub
//! token asked for by a server. Each fails with a plain reason.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use gatehouse_e2e::{Sandbox, binary};
use serde_json::{Value, json};

use crate::snapshot::{envelope, hub_key, hub_sandbox, import};
use crate::wire::add_fake_server;

/// A finished process: (exit code, stdout, stderr).
type Ran = (i32, String, String);

fn output(mut command: Command) -> Ran {
    let output = command.stdin(Stdio::null()).output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn home(sandbox: &Sandbox) -> PathBuf {
    sandbox.path().join("home")
}

/// `gatehouse <args>` in `sandbox` with the client apps' files under its home and the
/// managed settings file `managed`.
fn with_managed(sandbox: &Sandbox, managed: &Path, args: &[&str]) -> (i32, String, String) {
    let mut command = sandbox.gatehouse(args);
    command
        .env("XDG_CONFIG_HOME", home(sandbox).join(".config"))
        .env("GATEHOUSE_MANAGED_SETTINGS", managed);
    output(command)
}

#[test]
fn an_entry_that_sets_gatehouse_variables_or_runs_another_gatehouse_is_not_routed() {
    let sandbox = Sandbox::new();
    let managed = sandbox.path().join("managed.yaml");
    std::fs::write(&managed, "forbid_unmanaged: true\n").unwrap();
    let empty = sandbox.path().join("empty.yaml");
    std::fs::write(&empty, "").unwrap();
    // Another program with the launcher's name: anything can be called gatehouse.
    let impostor = sandbox.path().join("bin/gatehouse");
    std::fs::create_dir_all(impostor.parent().unwrap()).unwrap();
    std::fs::write(&impostor, "#!/bin/sh\nexec /bin/true\n").unwrap();
    let launcher = binary("gatehouse");
    let config = home(&sandbox).join(".config/Claude/claude_desktop_config.json");
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    let text = json!({"mcpServers": {
        "honest": {"command": launcher, "args": ["run", "fake"]},
        "lifted": {"command": launcher, "args": ["run", "fake"],
                   "env": {"GATEHOUSE_MANAGED_SETTINGS": empty}},
        "moved": {"command": launcher, "args": ["run", "fake"],
                  "env": {"GATEHOUSE_DATA_DIR": sandbox.path().join("elsewhere")}},
        "impostor": {"command": impostor, "args": ["run", "fake"]},
        "remote": {"type": "http", "url": "https://user:secret@mcp.example.com/mcp?key=abc"},
    }});
    std::fs::write(&config, text.to_string()).unwrap();

    let (code, out, err) = with_managed(&sandbox, &managed, &["clients", "list", "--json"]);
    assert_eq!(code, 0, "{err}");
    let files: Value = serde_json::from_str(&out).unwrap();
    let entries = files[0]["entries"].as_array().unwrap();
    let entry = |name: &str| entries.iter().find(|e| e["name"] == name).unwrap();
    assert_eq!(entry("honest")["routed"], true, "{files}");
    assert_eq!(entry("honest")["violations"], json!([]), "{files}");
    for name in ["lifted", "moved", "impostor"] {
        let entry = entry(name);
        assert_eq!(entry["routed"], false, "{name} is not routed: {entry}");
        assert_eq!(entry["violations"][0]["code"], "disguised", "{entry}");
    }
    assert!(
        entry("lifted")["status"]
            .as_str()
            .unwrap()
            .contains("Gatehouse's own variables"),
        "the reason is in plain words: {}",
        entry("lifted")
    );
    assert!(
        entry("impostor")["status"]
            .as_str()
            .unwrap()
            .contains("not the Gatehouse installed on this computer"),
        "{}",
        entry("impostor")
    );
    let remote = entry("remote");
    assert_eq!(
        remote["violations"][0]["code"], "unmanaged",
        "forbid_unmanaged makes a remote entry a violation too: {remote}"
    );

    // The admin hears of each server outside Gatehouse once, without its secrets.
    let found = || -> Vec<Value> {
        sandbox
            .audit()
            .into_iter()
            .filter(|event| event["kind"] == "unrouted_server_found")
            .collect()
    };
    let first = found();
    let mut names: Vec<_> = first
        .iter()
        .map(|event| event["detail"]["entry"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["impostor", "lifted", "moved", "remote"],
        "{first:#?}"
    );
    let text = serde_json::to_string(&first).unwrap();
    assert!(
        !text.contains("secret") && !text.contains("key=abc"),
        "{text}"
    );
    assert_eq!(with_managed(&sandbox, &managed, &["clients", "list"]).0, 0);
    assert_eq!(found().len(), 4, "a second look reports nothing new");
}

/// A hub-following store in the sandbox's *default* data directory (under its home, with
/// no `GATEHOUSE_DATA_DIR`), whose policy wants level 2, with the fake server added as
/// `fake`.
fn default_store(sandbox: &Sandbox) -> impl Fn(&[&str], &[(&str, &Path)]) -> Ran {
    let home = home(sandbox);
    let run = move |args: &[&str], env: &[(&str, &Path)]| {
        let mut command = Command::new(binary("gatehouse"));
        command
            .args(args)
            .env("HOME", &home)
            .env_remove("XDG_DATA_HOME")
            .env_remove("GATEHOUSE_DATA_DIR")
            .env_remove("GATEHOUSE_MCP_CONFIG")
            .env_remove("GATEHOUSE_MANAGED_SETTINGS");
        for (name, value) in env {
            command.env(name, value);
        }
        output(command)
    };
    let key = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        hub_key().verifying_key().as_bytes(),
    );
    for (name, value) in [
        ("hub-url", "https://hub.example"),
        ("organization", "acme"),
        ("hub-key", &format!("hub-1:{key}")),
    ] {
        let (code, _, err) = run(&["config", "set", name, value], &[]);
        assert_eq!(code, 0, "config set {name}: {err}");
    }
    let bundle = sandbox.path().join("default-bundle.json");
    std::fs::write(&bundle, envelope(1, 1, json!({}), &hub_key())).unwrap();
    let (code, _, err) = run(&["policy", "import", bundle.to_str().unwrap()], &[]);
    assert_eq!(code, 0, "{err}");
    let script = gatehouse_e2e::workspace_root().join("tests/e2e/fixtures/fake-server.mjs");
    let (code, _, err) = run(
        &[
            "servers",
            "add",
            "fake",
            "--",
            "node",
            script.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    run
}

#[test]
fn run_ignores_a_data_dir_that_would_escape_the_hub_policy() {
    let sandbox = Sandbox::new();
    let real = default_store(&sandbox);
    // The second folder: the same server, no hub, nothing blocks it there.
    add_fake_server(&sandbox, "fake");
    let escape = sandbox.data_dir();
    let (code, _, err) = real(&["check", "fake"], &[("GATEHOUSE_DATA_DIR", &escape)]);
    assert_eq!(code, 0, "the second folder alone would allow it: {err}");

    let (code, _, err) = real(&["run", "fake"], &[("GATEHOUSE_DATA_DIR", &escape)]);
    assert_eq!(
        code, 4,
        "run decides from the default data directory, which follows the hub: {err}"
    );
    let (code, out, err) = real(&["audit", "export"], &[]);
    assert_eq!(code, 0, "{err}");
    let blocked = out
        .lines()
        .filter(|line| line.contains("\"launch_blocked\"") && line.contains("\"fake\""))
        .count();
    assert_eq!(blocked, 1, "the refusal is in the real audit log: {out}");
    let escaped = sandbox
        .audit()
        .into_iter()
        .filter(|event| event["kind"].as_str().unwrap().starts_with("launch_"))
        .count();
    assert_eq!(escaped, 0, "and nothing went to the second folder");
}

#[test]
fn an_edited_freshness_column_does_not_lift_a_stale_block() {
    let sandbox = hub_sandbox();
    // Issued 2026-11-20, fresh for a day, and no signed statement since: stale, blocked.
    let stale = envelope(
        1,
        2,
        json!({"max_offline_age": "1d", "stale_mode": "block"}),
        &hub_key(),
    );
    assert_eq!(import(&sandbox, &stale).0, 0);
    let (code, out, err) = sandbox.run(&["check", "fake", "--json"]);
    assert_eq!(code, 4, "{out}{err}");
    assert!(out.contains("policy_stale"), "{out}");

    let edited = sandbox.sql(
        "UPDATE snapshots SET verified_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), \
         fetched_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')",
    );
    assert_eq!(edited, 1);
    sandbox.sql(
        "INSERT OR REPLACE INTO settings (key, value) VALUES ('freshness_statement', \
         '{\"device\":\"x\",\"serial\":1,\"time\":\"2099-01-01T00:00:00Z\"}')",
    );
    let (code, out, err) = sandbox.run(&["check", "fake", "--json"]);
    assert_eq!(
        code, 4,
        "staleness counts from signed times only: {out}{err}"
    );
    assert!(out.contains("policy_stale"), "{out}");
}

#[test]
fn forbid_unmanaged_refuses_a_hand_added_server() {
    let sandbox = Sandbox::new();
    add_fake_server(&sandbox, "fake");
    let managed = sandbox.path().join("managed.yaml");
    std::fs::write(&managed, "forbid_unmanaged: true\n").unwrap();
    let (code, _, err) = with_managed(&sandbox, &managed, &["run", "fake"]);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("added by hand"), "the reason says why: {err}");
    let blocked: Vec<_> = sandbox
        .audit()
        .into_iter()
        .filter(|event| event["kind"] == "launch_blocked")
        .collect();
    assert_eq!(blocked.len(), 1, "{blocked:#?}");
    assert_eq!(blocked[0]["codes"], json!(["not_managed"]), "{blocked:#?}");
    let (code, out, _) = with_managed(&sandbox, &managed, &["check", "fake", "--json"]);
    assert_eq!(code, 4);
    let answer: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(answer["not_managed"], true, "{answer}");
    // Without the setting the same server runs its policy's way.
    let (code, _, err) = sandbox.run(&["check", "fake"]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn no_gatehouse_variable_reaches_a_server() {
    let sandbox = Sandbox::new();
    let (code, _, err) = sandbox.run(&[
        "servers",
        "add",
        "greedy",
        "--env",
        "GATEHOUSE_HUB_TOKEN",
        "--",
        "/bin/true",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("Gatehouse's own variables"), "{err}");

    let dump = sandbox.path().join("env.txt");
    let (code, _, err) = sandbox.run(&[
        "servers",
        "add",
        "dump",
        "--env",
        "DUMP_TO",
        "--",
        "/bin/sh",
        "-c",
        "env > \"$DUMP_TO\"",
    ]);
    assert_eq!(code, 0, "{err}");
    let mut command = sandbox.gatehouse(&["run", "dump"]);
    command
        .env("DUMP_TO", &dump)
        .env("GATEHOUSE_HUB_TOKEN", "the-real-hub-token")
        .env("GATEHOUSE_HUB_TIMEOUT_MS", "900");
    let (code, _, err) = output(command);
    assert_eq!(code, 0, "{err}");
    let seen = std::fs::read_to_string(&dump).unwrap();
    assert!(
        seen.contains("DUMP_TO="),
        "the declared variable passes: {seen}"
    );
    assert!(
        !seen.contains("GATEHOUSE_") && !seen.contains("the-real-hub-token"),
        "{seen}"
    );
}
