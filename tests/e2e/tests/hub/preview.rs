//! `gatehouse policy preview` against the reference hub: up to date after a sync, the
//! servers a hub edit would change (and nothing stored until `sync`), a refused rollback,
//! an unreachable hub and an unusable local policy, each with its exit code.

use gatehouse_e2e::Sandbox;
use serde_json::Value;

use crate::{RefHub, TOKEN, status, sync, with_token};

fn preview(sandbox: &Sandbox, json: bool) -> (i32, String, String) {
    let mut args = vec!["policy", "preview"];
    if json {
        args.push("--json");
    }
    with_token(sandbox, TOKEN, &args)
}

fn add(sandbox: &Sandbox, id: &str, name: &str) {
    let (code, _, err) = sandbox.run(&[
        "servers",
        "add",
        id,
        "--name",
        name,
        "--",
        "node",
        "server.mjs",
    ]);
    assert_eq!(code, 0, "servers add {id}: {err}");
}

/// The id of the server the test installs: the fake server's bundle, which the copied
/// catalog certifies at level 2, score 84.
const DB: &str = "@acme-corp/fake-db";

/// Certifies the fake server's bundle as `@acme-corp/fake-db` 1.0.0 in the hub's catalog.
fn certify_fake_db(hub: &RefHub) {
    let catalog = hub.org_dir().join("catalog.yaml");
    let mut text = std::fs::read_to_string(&catalog).unwrap();
    text.push_str(&format!(
        "\n- name: \"{DB}\"\n  version: \"1.0.0\"\n  digest: \"{}\"\n  origin: verified\n  \
         cert_level: 2\n  score: 84\n  status: published\n  install: {{registry: true}}\n",
        gatehouse_e2e::digest_of(&gatehouse_e2e::fake_server_bundle())
    ));
    std::fs::write(&catalog, text).unwrap();
}

#[test]
fn policy_preview_lists_what_a_hub_edit_would_change_and_stores_nothing() {
    let hub = RefHub::start();
    certify_fake_db(&hub);
    let sandbox = hub.sandbox();
    add(&sandbox, "notes", "@someone/notes");
    assert_eq!(sync(&sandbox).0, 0);
    // Level 2, score 84: allowed by the midsize org's minimum of 50.
    sandbox.install_fake_server(DB, "1.0.0");

    // The catalog edit above is the hub's first change, so the serial in force is 2.
    let now = status(&sandbox)["serial"].as_u64().unwrap();
    let (code, out, err) = preview(&sandbox, false);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        out.trim(),
        format!("Your policy is up to date (serial {now}).")
    );

    std::fs::write(
        hub.org_dir().join("policy/org.yaml"),
        "min_cert_level: 1\nmin_score: 90\nallowed_origins: [official, verified, community]\n",
    )
    .unwrap();
    let events_before = sandbox.audit().len();
    let (code, out, err) = preview(&sandbox, false);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.starts_with(&format!(
            "The hub has policy serial {} (you have {now}). If it were applied:",
            now + 1
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!("  {DB}: Allowed → Blocked — ")),
        "the database connector's 84 is under the new 90: {out}"
    );
    assert!(
        out.contains("1 other server keeps its verdict."),
        "`notes` is uncertified, blocked before and after: {out}"
    );
    let (code, out, err) = preview(&sandbox, true);
    assert_eq!(code, 0, "{err}");
    let answer: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(answer["state"], "newer");
    assert_eq!(
        (
            answer["current_serial"].clone(),
            answer["hub_serial"].clone()
        ),
        (now.into(), (now + 1).into())
    );
    let change = &answer["changes"][0];
    assert_eq!(
        (
            &change["id"],
            &change["verdict_now"],
            &change["verdict_after"]
        ),
        (&DB.into(), &"allow".into(), &"block".into()),
        "{answer}"
    );
    assert_eq!(change["codes"][0], "score_below_min", "{answer}");
    assert_eq!(answer["unchanged"], 1);

    assert_eq!(
        status(&sandbox)["serial"],
        now,
        "a preview stores nothing: the serial in force stays"
    );
    assert_eq!(
        sandbox.audit().len(),
        events_before,
        "a preview records nothing"
    );
    assert_eq!(
        sandbox.run(&["check", DB]).0,
        0,
        "db still runs until the policy is applied"
    );
    assert_eq!(sync(&sandbox).0, 0);
    assert_eq!(
        sandbox.run(&["check", DB]).0,
        4,
        "after `sync`, what the preview said holds"
    );
    let (code, out, _) = preview(&sandbox, false);
    assert_eq!(code, 0);
    assert_eq!(
        out.trim(),
        format!("Your policy is up to date (serial {}).", now + 1)
    );
}

#[test]
fn policy_preview_exits_1_for_a_refused_bundle_or_an_unreachable_hub_and_3_without_a_policy() {
    let mut hub = RefHub::start();
    let sandbox = hub.sandbox();
    assert_eq!(sync(&sandbox).0, 0);
    std::fs::write(
        hub.org_dir().join("policy/mandatory.yaml"),
        "min_cert_level: 1\n",
    )
    .unwrap();
    assert_eq!(
        sync(&sandbox).0,
        0,
        "serial 2, so that a rollback is serial 1"
    );

    hub.fault(r#"{"mode": "lower_serial"}"#);
    let (code, out, err) = preview(&sandbox, false);
    assert_eq!(code, 1, "a bundle a sync would refuse: {out}{err}");
    assert!(
        err.contains("would be refused") && err.contains("rollback"),
        "{err}"
    );
    assert!(err.contains("yours (serial 2) stays in force"), "{err}");
    hub.fault(r#"{"mode": "lower_serial"}"#);
    let (code, out, _) = preview(&sandbox, true);
    assert_eq!(code, 1);
    let answer: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(answer["state"], "refused", "{answer}");
    let kinds: Vec<Value> = sandbox.audit().iter().map(|e| e["kind"].clone()).collect();
    assert!(
        !kinds.contains(&"policy_rejected".into()),
        "a preview offers nothing to the store, so nothing is rejected there: {kinds:?}"
    );

    std::fs::create_dir_all(sandbox.mcp_config().parent().unwrap()).unwrap();
    std::fs::write(sandbox.mcp_config(), "policy:\n  min_cert_level: 9\n").unwrap();
    let (code, _, err) = preview(&sandbox, false);
    assert_eq!(
        code, 3,
        "an invalid local policy is no usable policy: {err}"
    );
    std::fs::remove_file(sandbox.mcp_config()).unwrap();

    hub.stop();
    let (code, out, err) = preview(&sandbox, false);
    assert_eq!(code, 1, "the hub cannot be reached: {out}{err}");
    assert_eq!(status(&sandbox)["serial"], 2);
}
