//! The hub snapshot on the launch path: only a signed bundle with a pinned key counts, it
//! is re-checked on every load, rollbacks and other orgs are refused, and a running server
//! that a new snapshot blocks is stopped within seconds.

use std::ffi::OsStr;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signer, SigningKey};
use gatehouse_e2e::Sandbox;
use serde_json::{Value, json};

use crate::wire::{Session, add_fake_server};

pub(crate) fn hub_key() -> SigningKey {
    SigningKey::from_bytes(&[42; 32])
}

/// A sandbox following org `acme` with the test hub key pinned, and the fake server added by
/// hand as `fake` (labelled `@test/fake`: a label borrows no facts).
pub(crate) fn hub_sandbox() -> Sandbox {
    let sandbox = Sandbox::new();
    let key = STANDARD.encode(hub_key().verifying_key().as_bytes());
    for (name, value) in [
        ("hub-url", "https://hub.example"),
        ("organization", "acme"),
        ("hub-key", &format!("hub-1:{key}")),
    ] {
        let (code, _, err) = sandbox.run(&["config", "set", name, value]);
        assert_eq!(code, 0, "config set {name}: {err}");
    }
    add_fake_server(&sandbox, "fake");
    sandbox
}

/// A signed envelope of a bundle with `serial`, `extra` merged into the payload; the fake
/// server's bundle (`@test/fake` 1.0.0) is certified in the catalog at `cert_level`.
pub(crate) fn envelope(serial: u64, cert_level: u8, extra: Value, key: &SigningKey) -> Vec<u8> {
    let mut payload = json!({
        "schema": 1, "org": "acme", "serial": serial, "issued_at": "2026-11-20T10:00:00Z",
        "org_policy": {"min_cert_level": 2},
        "catalog": [{"name": "@test/fake", "version": "1.0.0",
                     "digest": gatehouse_e2e::digest_of(&gatehouse_e2e::fake_server_bundle()),
                     "origin": "verified", "cert_level": cert_level, "score": 90,
                     "status": "published"}],
    });
    if let (Value::Object(base), Value::Object(extra)) = (&mut payload, extra) {
        base.extend(extra);
    }
    let bytes = payload.to_string().into_bytes();
    json!({
        "key_id": "hub-1",
        "payload": STANDARD.encode(&bytes),
        "signature": STANDARD.encode(key.sign(&bytes).to_bytes()),
    })
    .to_string()
    .into_bytes()
}

pub(crate) fn import(sandbox: &Sandbox, envelope: &[u8]) -> (i32, String) {
    let file = sandbox.path().join("bundle.json");
    std::fs::write(&file, envelope).unwrap();
    let (code, out, err) = sandbox.run(&["policy", "import", file.to_str().unwrap()]);
    (code, format!("{out}{err}"))
}

/// The installed fake server's id.
const INSTALLED: &str = "@test/fake";

/// Installs the fake server's certified bundle as `@test/fake` 1.0.0.
fn install_fake(sandbox: &Sandbox) {
    sandbox.install_fake_server("@test/fake", "1.0.0");
}

fn fake_verdict(sandbox: &Sandbox) -> (String, Value) {
    verdict_of(sandbox, INSTALLED)
}

fn verdict_of(sandbox: &Sandbox, id: &str) -> (String, Value) {
    let (code, out, err) = sandbox.run(&["servers", "list", "--json"]);
    assert_eq!(code, 0, "{err}");
    let list: Value = serde_json::from_str(&out).unwrap();
    let fake = list
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id)
        .unwrap()
        .clone();
    (fake["verdict"].as_str().unwrap().to_owned(), fake)
}

#[test]
fn with_a_hub_configured_nothing_runs_before_a_valid_snapshot() {
    let sandbox = hub_sandbox();
    let (code, _, err) = sandbox.run(&["run", "fake"]);
    assert_eq!(
        code, 3,
        "POLICY.md section 5: a hub is configured, no snapshot: {err}"
    );
    assert!(
        err.contains("gatehouse sync"),
        "the message says what to do: {err}"
    );
}

#[test]
fn the_signed_catalog_decides_and_only_the_signed_catalog() {
    let sandbox = hub_sandbox();
    let (code, out) = import(&sandbox, &envelope(1, 2, json!({}), &hub_key()));
    assert_eq!(code, 0, "{out}");
    install_fake(&sandbox);
    let (verdict, fake) = fake_verdict(&sandbox);
    assert_eq!(verdict, "allow", "serial 1 certifies level 2: {fake}");
    assert_eq!(fake["standing"], "verified", "{fake}");
    let (code, _, err) = sandbox.run(&["check", INSTALLED]);
    assert_eq!(code, 0, "{err}");

    let (code, out) = import(&sandbox, &envelope(2, 1, json!({}), &hub_key()));
    assert_eq!(code, 0, "{out}");
    let (verdict, fake) = fake_verdict(&sandbox);
    assert_eq!(
        verdict, "block",
        "the org requires level 2; the catalog now says 1: {fake}"
    );
    assert_eq!(fake["cert_level"], 1, "facts come from the signed catalog");
    assert_eq!(fake["origin"], "verified");

    // The same code added by hand under the certified name borrows nothing.
    let (verdict, named) = verdict_of(&sandbox, "fake");
    assert_eq!(verdict, "block", "{named}");
    assert_eq!(
        named["cert_level"],
        Value::Null,
        "a label lends no facts: {named}"
    );
    assert_eq!(named["standing"], "unbound", "{named}");
}

#[test]
fn forged_rolled_back_and_foreign_bundles_are_refused_and_the_policy_stays() {
    let sandbox = hub_sandbox();
    assert_eq!(
        import(&sandbox, &envelope(5, 2, json!({}), &hub_key())).0,
        0
    );
    install_fake(&sandbox);

    let forged = envelope(6, 3, json!({}), &SigningKey::from_bytes(&[7; 32]));
    let (code, out) = import(&sandbox, &forged);
    assert_eq!(code, 1, "another key's signature: {out}");
    assert!(out.contains("signature"), "{out}");
    let (code, out) = import(&sandbox, &envelope(4, 2, json!({}), &hub_key()));
    assert_eq!(code, 1, "a lower serial is a rollback: {out}");
    let (code, out) = import(&sandbox, &envelope(5, 3, json!({}), &hub_key()));
    assert_eq!(code, 1, "the same serial with other content: {out}");
    let (code, out) = import(
        &sandbox,
        &envelope(6, 2, json!({"org": "other"}), &hub_key()),
    );
    assert_eq!(code, 1, "another organization's bundle: {out}");
    let (code, out) = import(
        &sandbox,
        &envelope(
            6,
            2,
            json!({"org_policy": {"min_cert_level": 9}}),
            &hub_key(),
        ),
    );
    assert_eq!(code, 1, "an invalid policy object: {out}");

    let rejected = sandbox
        .audit()
        .into_iter()
        .filter(|e| e["kind"] == "policy_rejected")
        .count();
    assert_eq!(rejected, 5, "every refusal is audited");
    assert_eq!(
        fake_verdict(&sandbox).0,
        "allow",
        "serial 5 is still in force"
    );
}

fn tamper_newest_snapshot(sandbox: &Sandbox) {
    let db = sandbox.data_dir().join("gatehouse.db");
    let script = "import sqlite3, sys\n\
        c = sqlite3.connect(sys.argv[1])\n\
        row = c.execute('SELECT id, payload FROM snapshots ORDER BY id DESC LIMIT 1').fetchone()\n\
        c.execute('UPDATE snapshots SET payload = ? WHERE id = ?', (bytes(row[1]).replace(b'\"min_cert_level\":2', b'\"min_cert_level\":0'), row[0]))\n\
        c.commit()\n";
    let status = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(&db)
        .status()
        .unwrap();
    assert!(status.success(), "the tampering script ran");
}

#[test]
fn an_edited_snapshot_row_is_never_enforced() {
    let sandbox = hub_sandbox();
    assert_eq!(
        import(&sandbox, &envelope(1, 1, json!({}), &hub_key())).0,
        0
    );
    tamper_newest_snapshot(&sandbox);
    let (code, _, err) = sandbox.run(&["run", "fake"]);
    assert_eq!(
        code, 3,
        "the only snapshot fails its check: no usable policy: {err}"
    );

    let sandbox = hub_sandbox();
    assert_eq!(
        import(&sandbox, &envelope(1, 2, json!({}), &hub_key())).0,
        0
    );
    install_fake(&sandbox);
    assert_eq!(
        import(&sandbox, &envelope(2, 1, json!({}), &hub_key())).0,
        0
    );
    tamper_newest_snapshot(&sandbox);
    // The older row is valid and looser (level 2 certified), but falling back to it would
    // let anyone who can edit the database choose the policy (DESIGN.md "Tamper evidence").
    let (code, _, err) = sandbox.run(&["run", INSTALLED]);
    assert_eq!(
        code, 3,
        "the newest row fails its check: no usable policy, never the older one: {err}"
    );
    assert!(err.contains("failed its check"), "{err}");
    let (code, out, err) = sandbox.run(&["status", "--json"]);
    assert_eq!(code, 0, "{err}");
    let status: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        status["serial"],
        Value::Null,
        "no serial is in force: {status}"
    );
    assert!(
        status["warnings"].to_string().contains("serial 2"),
        "status names the row that failed: {status}"
    );
}

#[test]
fn a_running_server_that_a_new_snapshot_blocks_is_stopped() {
    let sandbox = hub_sandbox();
    assert_eq!(
        import(&sandbox, &envelope(1, 2, json!({}), &hub_key())).0,
        0
    );
    install_fake(&sandbox);
    let none: [(&str, &OsStr); 0] = [];
    let mut session = Session::start(&sandbox, &["run", INSTALLED], &none);
    session.initialize();

    let blocking = envelope(
        2,
        2,
        json!({"org_policy": {"deny_list": ["@test/fake"]}}),
        &hub_key(),
    );
    assert_eq!(import(&sandbox, &blocking).0, 0);
    let notice = session
        .quiet_for(Duration::from_secs(10))
        .expect("the client is told within seconds");
    assert_eq!(notice["method"], "notifications/message", "{notice}");
    assert_eq!(notice["params"]["level"], "error");
    assert!(
        notice["params"]["data"]
            .to_string()
            .contains("no longer allows"),
        "{notice}"
    );
    let (_, stderr) = session.finish();
    let blocked = sandbox
        .audit()
        .into_iter()
        .filter(|e| e["kind"] == "launch_blocked")
        .count();
    assert_eq!(blocked, 1, "the stop is audited: {stderr}");
}

#[test]
fn managed_settings_lock_their_keys_and_add_their_mandatory_rules() {
    let sandbox = Sandbox::new();
    add_fake_server(&sandbox, "fake");
    let managed = sandbox.path().join("managed.yaml");
    std::fs::write(
        &managed,
        "organization: acme\nmandatory:\n  deny_list: ['@test/*']\n",
    )
    .unwrap();
    let run = |args: &[&str]| {
        let output = sandbox
            .gatehouse(args)
            .env("GATEHOUSE_MANAGED_SETTINGS", &managed)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let (code, err) = run(&["config", "set", "organization", "other"]);
    assert_eq!(
        code, 5,
        "CLI.md: a key fixed by managed settings is locked: {err}"
    );
    assert!(err.contains("managed settings"), "{err}");
    let (code, err) = run(&["config", "set", "area", "prod"]);
    assert_eq!(code, 0, "keys it does not fix stay the user's: {err}");
    let (code, err) = run(&["check", "fake"]);
    assert_eq!(
        code, 4,
        "the managed mandatory deny list blocks, with no hub at all: {err}"
    );

    std::fs::write(&managed, "organisation: acme\n").unwrap();
    let (code, err) = run(&["check", "fake"]);
    assert_eq!(
        code, 3,
        "a managed file with an unknown key is an error, never ignored: {err}"
    );
}

#[test]
fn policy_show_names_each_rule_its_layer_and_the_snapshot() {
    let sandbox = hub_sandbox();
    let (code, _, err) = sandbox.run(&["policy", "show", "--json"]);
    assert_eq!(code, 3, "no snapshot yet means no usable policy: {err}");
    std::fs::create_dir_all(sandbox.mcp_config().parent().unwrap()).unwrap();
    std::fs::write(
        sandbox.mcp_config(),
        "policy:\n  min_cert_level: 1\n  min_score: 50\n",
    )
    .unwrap();
    let bundle = envelope(
        3,
        2,
        json!({"max_offline_age": "7d", "stale_mode": "block"}),
        &hub_key(),
    );
    assert_eq!(import(&sandbox, &bundle).0, 0);
    let (code, out, err) = sandbox.run(&["policy", "show", "--json"]);
    assert_eq!(code, 0, "{err}");
    let view: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(view["snapshot"]["serial"], 3);
    assert_eq!(view["snapshot"]["key_id"], "hub-1");
    assert!(
        view["snapshot"]["key_fingerprint"]
            .as_str()
            .is_some_and(|f| f.len() > 32),
        "the view shows which pinned key verified the snapshot: {view}"
    );
    let rule = |key: &str| {
        view["rules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["key"] == key)
            .cloned()
            .unwrap_or(Value::Null)
    };
    assert_eq!(rule("min_cert_level")["layer"], "org", "{view}");
    assert_eq!(rule("min_score")["layer"], "local", "{view}");
    assert_eq!(
        rule("max_offline_age")["value"],
        "up to 7 days, then nothing runs"
    );
    let clamp = &view["diagnostics"][0];
    assert_eq!(
        (clamp["layer"].as_str(), clamp["key"].as_str()),
        (Some("local"), Some("min_cert_level")),
        "the local level 1 is looser than the org's 2: {view}"
    );
    assert_eq!(view["effective"]["min_cert_level"]["value"], 2);
    let (code, text, _) = sandbox.run(&["policy", "show"]);
    assert_eq!(code, 0);
    assert!(
        text.contains("serial 3") && text.contains("Lowest certification level"),
        "{text}"
    );
}
