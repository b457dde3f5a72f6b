//! A new policy that makes an installed server worse reaches the person as one desktop
//! notification, received by a real notification daemon (dunst under
//! `scripts/with-desktop.sh`), and one `server_dropped` audit event; a new policy that
//! changes nothing for the server sends nothing (DESIGN.md, "The sync path").
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signer, SigningKey};
use gatehouse_e2e::{Sandbox, desktop_available, digest_of, fake_server_bundle};
use serde_json::{Value, json};

fn hub_key() -> SigningKey {
    SigningKey::from_bytes(&[42; 32])
}

/// A sandbox following org `acme` with the test hub key pinned.
fn sandbox() -> Sandbox {
    let sandbox = Sandbox::new();
    let key = STANDARD.encode(hub_key().verifying_key().as_bytes());
    for (setting, value) in [
        ("hub-url", "https://hub.example"),
        ("organization", "acme"),
        ("hub-key", &format!("hub-1:{key}")),
    ] {
        let (code, _, err) = sandbox.run(&["config", "set", setting, value]);
        assert_eq!(code, 0, "config set {setting}: {err}");
    }
    sandbox
}

/// A signed bundle with `serial` where `name` 1.0.0 (the fake server's bundle, which
/// [`Sandbox::install_fake_server`] installs) scores `score` under an org minimum of 70,
/// and `extra` catalog entries besides.
fn envelope(serial: u64, name: &str, score: u8, extra: &[Value]) -> Vec<u8> {
    let mut catalog = vec![
        json!({"name": name, "version": "1.0.0", "digest": digest_of(&fake_server_bundle()),
        "origin": "verified",
        "cert_level": 2, "score": score, "status": "published"}),
    ];
    catalog.extend(extra.iter().cloned());
    let payload = json!({
        "schema": 1, "org": "acme", "serial": serial, "issued_at": "2026-11-20T10:00:00Z",
        "org_policy": {"min_score": 70},
        "catalog": catalog,
    });
    let bytes = payload.to_string().into_bytes();
    json!({
        "key_id": "hub-1",
        "payload": STANDARD.encode(&bytes),
        "signature": STANDARD.encode(hub_key().sign(&bytes).to_bytes()),
    })
    .to_string()
    .into_bytes()
}

fn import(sandbox: &Sandbox, envelope: &[u8]) {
    let file = sandbox.path().join("bundle.json");
    std::fs::write(&file, envelope).unwrap();
    let (code, out, err) = sandbox.run(&["policy", "import", file.to_str().unwrap()]);
    assert_eq!(code, 0, "policy import: {out}{err}");
    assert!(
        !err.contains("could not show"),
        "the daemon should have taken the notification: {err}"
    );
}

fn verdict(sandbox: &Sandbox) -> String {
    let (code, out, err) = sandbox.run(&["servers", "list", "--json"]);
    assert_eq!(code, 0, "{err}");
    let list: Value = serde_json::from_str(&out).unwrap();
    list[0]["verdict"].as_str().unwrap().to_owned()
}

/// The notifications about `name` dunst received (waiting up to two seconds for `expected`).
fn received(name: &str, expected: usize) -> Vec<String> {
    gatehouse_e2e::notifications_about(name, expected, std::time::Duration::from_secs(2))
}

fn dropped(sandbox: &Sandbox) -> Vec<Value> {
    sandbox
        .audit()
        .into_iter()
        .filter(|event| event["kind"] == "server_dropped")
        .collect()
}

#[test]
fn a_worse_policy_notifies_once_and_an_unrelated_change_notifies_nothing() {
    if !desktop_available(&["dunstctl"]) {
        return;
    }
    // Unique per run: dunst's history outlives one test.
    let name = format!("@notify-e2e/db-{}", std::process::id());
    let sandbox = sandbox();

    import(&sandbox, &envelope(1, &name, 84, &[]));
    sandbox.install_fake_server(&name, "1.0.0");
    assert_eq!(verdict(&sandbox), "allow", "84 meets the minimum of 70");
    assert!(received(&name, 1).is_empty(), "nothing to compare with yet");
    assert!(dropped(&sandbox).is_empty());

    import(&sandbox, &envelope(2, &name, 61, &[]));
    assert_eq!(verdict(&sandbox), "block");
    let titles = received(&name, 1);
    assert_eq!(
        titles,
        vec![format!("{name} is now blocked")],
        "exactly one"
    );
    let events = dropped(&sandbox);
    assert_eq!(events.len(), 1, "{events:?}");
    let event = &events[0];
    assert_eq!(event["server"], name.as_str());
    assert_eq!(event["verdict"], "block");
    assert_eq!(event["detail"]["old_score"], 84);
    assert_eq!(event["detail"]["new_score"], 61);
    assert_eq!(event["detail"]["old_verdict"], "allow");

    let unrelated = json!({"name": "@other/tool", "version": "2.0.0", "origin": "community",
        "cert_level": 0, "score": 10, "status": "published"});
    import(&sandbox, &envelope(3, &name, 61, &[unrelated]));
    assert_eq!(received(&name, 2).len(), 1, "no new notification");
    assert_eq!(dropped(&sandbox).len(), 1, "no new event");
}
