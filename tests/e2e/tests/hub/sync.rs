//! The happy path: first sync stores serial 1, the next is a 304 that moves the verified
//! time, and an edit of the org directory arrives as serial 2.

use crate::{RefHub, check, status, sync, with_token};

#[test]
fn first_sync_stores_then_unchanged_then_an_edit_is_the_next_serial() {
    let hub = RefHub::start();
    let sandbox = hub.sandbox();
    assert_eq!(
        check(&sandbox),
        3,
        "with a hub configured nothing runs before a sync"
    );

    let (code, out, err) = sync(&sandbox);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("policy stored (serial 1)"), "{out}");
    let first = status(&sandbox);
    assert_eq!(first["serial"], 1);
    assert_eq!(first["organization"], "acme-corp");
    assert_eq!(first["online"], true);
    assert_eq!(first["stale"], false);
    assert_eq!(first["pending_audit"], 0, "policy_synced went to the hub");
    let decided = check(&sandbox);
    assert_ne!(decided, 3, "a stored snapshot is a usable policy");

    // The signed freshness statement's time has whole seconds (HUB_API.md B1).
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let (code, out, err) = with_token(&sandbox, crate::TOKEN, &["sync", "--json"]);
    assert_eq!(code, 0, "{err}");
    let answer: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(answer["result"], "unchanged", "same etag: a 304");
    let second = status(&sandbox);
    assert_eq!(second["serial"], 1);
    assert_eq!(second["fetched_at"], first["fetched_at"]);
    assert!(
        second["verified_at"].as_str() > first["verified_at"].as_str(),
        "a 304 is a verified answer: {first} then {second}"
    );

    std::fs::write(
        hub.org_dir().join("policy/org.yaml"),
        "min_cert_level: 1\nmin_score: 40\nallowed_origins: [official, verified, community]\n",
    )
    .unwrap();
    let (code, out, err) = sync(&sandbox);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("policy stored (serial 2)"), "{out}");
    assert_eq!(status(&sandbox)["serial"], 2);
    let kinds: Vec<_> = sandbox
        .audit()
        .iter()
        .map(|event| event["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        kinds,
        [
            "settings_changed",
            "settings_changed",
            "settings_changed",
            "policy_synced",
            "policy_synced"
        ],
        "the three settings made before any policy, then the two policies"
    );
}

#[test]
fn a_wrong_token_is_a_401_with_a_sign_in_hint_and_keeps_the_cache() {
    let hub = RefHub::start();
    let sandbox = hub.sandbox();
    assert_eq!(sync(&sandbox).0, 0);
    let (code, out, err) = with_token(&sandbox, "not-the-token", &["sync"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("401") && err.contains("gatehouse login"),
        "{err}"
    );
    assert!(err.contains("serial 1) stays in force"), "{err}");
    assert!(!err.contains("not-the-token") && !out.contains("not-the-token"));
    let after = status(&sandbox);
    assert_eq!(
        (after["serial"].clone(), after["online"].clone()),
        (1.into(), false.into())
    );
}

#[test]
fn status_warns_about_an_area_the_bundle_does_not_define() {
    let hub = RefHub::start();
    let sandbox = hub.sandbox();
    let (code, _, err) = sandbox.run(&["config", "set", "area", "no-such-area"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(sync(&sandbox).0, 0);
    let now = status(&sandbox);
    assert_eq!(now["area"], "no-such-area");
    let warnings = now["warnings"].as_array().unwrap();
    assert!(
        warnings.len() == 1 && warnings[0].as_str().unwrap().contains("`no-such-area`"),
        "{now}"
    );
    let (code, out, _) = sandbox.run(&["status"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("warning:") && out.contains("no-such-area"),
        "{out}"
    );
}
