//! The attacks of issue 16 on the sync path, against the real reference hub: an ETag copied
//! onto an older snapshot, settings changed while the hub's policy is in force, and two
//! syncs storing the same bundle at once.

use crate::{RefHub, TOKEN, status, sync, with_token};

#[test]
fn an_etag_copied_onto_an_older_snapshot_gets_the_full_policy() {
    let hub = RefHub::start();
    let sandbox = hub.sandbox();
    assert_eq!(sync(&sandbox).0, 0);
    std::fs::write(
        hub.org_dir().join("policy/org.yaml"),
        "min_cert_level: 1\nmin_score: 40\nallowed_origins: [official, verified]\n",
    )
    .unwrap();
    let (code, out, err) = sync(&sandbox);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("policy stored (serial 2)"), "{out}");

    // Back to serial 1 with serial 2's ETag, so a 304 would seem to confirm it.
    assert_eq!(
        sandbox.sql(
            "UPDATE snapshots SET etag = (SELECT etag FROM snapshots WHERE serial = 2) \
             WHERE serial = 1"
        ),
        1
    );
    assert_eq!(sandbox.sql("DELETE FROM snapshots WHERE serial = 2"), 1);
    let (code, out, err) = sync(&sandbox);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("policy stored (serial 2)"),
        "the ETag belongs to the bundle it came with, so the hub sent the policy again: {out}"
    );
    assert_eq!(status(&sandbox)["serial"], 2);
}

#[test]
fn settings_change_only_once_the_hub_in_force_has_recorded_it() {
    let mut hub = RefHub::start();
    let sandbox = hub.sandbox();
    assert_eq!(sync(&sandbox).0, 0);

    let (code, _, err) = with_token(&sandbox, TOKEN, &["config", "set", "area", "ops"]);
    assert_eq!(code, 0, "{err}");
    let told: Vec<_> = hub
        .received()
        .into_iter()
        .filter(|event| event["kind"] == "settings_changed" && event["detail"]["key"] == "area")
        .collect();
    assert_eq!(told.len(), 1, "the hub recorded the change: {told:#?}");
    assert_eq!(told[0]["detail"]["new"], "ops");

    hub.stop();
    // The person's own key: with it pinned, any policy they sign would be in force.
    let own = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
    let other_key = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        own.verifying_key().as_bytes(),
    );
    for (key, value) in [
        ("area", ""),
        ("hub-url", ""),
        ("hub-key", other_key.as_str()),
    ] {
        let (code, _, err) = with_token(&sandbox, TOKEN, &["config", "set", key, value]);
        assert_eq!(code, 1, "config set {key} with the hub away: {err}");
        assert!(
            err.contains("was not changed") && err.contains(key),
            "it says what did not happen, and why: {err}"
        );
    }
    let (code, out, _) = sandbox.run(&["config", "get", "area"]);
    assert_eq!((code, out.trim()), (0, "ops"), "nothing changed");
    let now = status(&sandbox);
    assert_eq!(now["hub_url"], hub.url.as_str(), "{now}");
    let refused = sandbox
        .audit()
        .into_iter()
        .filter(|event| event["kind"] == "settings_changed")
        .count();
    assert_eq!(
        refused, 4,
        "the three settings of the setup and the area; none of the refused changes"
    );
}

#[test]
fn two_syncs_storing_the_same_bundle_at_once_both_succeed() {
    let hub = RefHub::start();
    for _ in 0..3 {
        let sandbox = hub.sandbox();
        let start = || {
            sandbox
                .gatehouse(&["sync"])
                .env("GATEHOUSE_HUB_TOKEN", TOKEN)
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        };
        let (first, second) = (start(), start());
        for child in [first, second] {
            let output = child.wait_with_output().unwrap();
            assert!(
                output.status.success(),
                "both syncs exit 0: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        assert_eq!(status(&sandbox)["serial"], 1);
    }
}
