//! Audit events made while the hub is down wait in the outbox and are delivered exactly
//! once after it comes back, by a later `gatehouse` process.

use crate::{RefHub, status, sync};

#[test]
fn events_made_offline_are_delivered_exactly_once_after_the_hub_returns() {
    let mut hub = RefHub::start();
    let sandbox = hub.sandbox();
    assert_eq!(sync(&sandbox).0, 0);
    hub.stop();

    for id in ["one", "two"] {
        let (code, _, err) = sandbox.run(&["servers", "add", id, "--", "/bin/true"]);
        assert_eq!(code, 0, "{err}");
    }
    let (code, _, err) = sync(&sandbox);
    assert_eq!(code, 1, "the hub is down");
    assert!(err.contains("cannot reach the hub"), "{err}");
    assert_eq!(
        status(&sandbox)["pending_audit"],
        2,
        "nothing is dropped offline"
    );

    hub.restart();
    let (code, out, err) = sync(&sandbox);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("2 delivered, 0 pending"), "{out}");
    let (code, _, err) = sync(&sandbox);
    assert_eq!(code, 0, "{err}");

    let local: Vec<_> = sandbox
        .audit()
        .into_iter()
        .filter(|event| event["kind"] == "server_installed")
        .collect();
    assert_eq!(local.len(), 2);
    let received = hub.received();
    for event in &local {
        let copies = received
            .iter()
            .filter(|got| got["id"] == event["id"])
            .count();
        assert_eq!(
            copies, 1,
            "event {} reached the hub exactly once",
            event["id"]
        );
    }
    assert_eq!(status(&sandbox)["pending_audit"], 0);
}

/// Writes `count` audit events straight into the sandbox's store, as launches would.
fn make_events(sandbox: &gatehouse_e2e::Sandbox, count: usize) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let store = gatehouse_store::Store::open(&sandbox.data_dir().join("gatehouse.db"))
            .await
            .unwrap();
        for i in 0..count {
            let event = gatehouse_store::AuditEvent {
                id: uuid::Uuid::new_v4(),
                time: time::OffsetDateTime::now_utc(),
                device: "e2e".into(),
                user: "e2e".into(),
                kind: gatehouse_store::AuditKind::LaunchBlocked,
                server: Some(format!("@e2e/server-{i}")),
                version: Some("1.0.0".into()),
                digest: None,
                verdict: Some("block".into()),
                codes: vec!["deny_listed".into()],
                overrides: None,
                detail: None,
                hostname: None,
                app_version: None,
            };
            store.record(&event).await.unwrap();
        }
    });
}

#[test]
fn a_thousand_offline_events_arrive_exactly_once_across_failed_batches_and_restarts() {
    let mut hub = RefHub::start();
    let sandbox = hub.sandbox();
    assert_eq!(sync(&sandbox).0, 0);
    let before = status(&sandbox)["pending_audit"].as_u64().unwrap();
    assert_eq!(before, 0);
    hub.stop();

    make_events(&sandbox, 1_000);
    assert_eq!(sync(&sandbox).0, 1, "the hub is down");
    assert_eq!(
        status(&sandbox)["pending_audit"],
        1_000,
        "nothing is dropped offline"
    );

    hub.restart();
    // The hub refuses the next audit request: part of the outbox stays behind for a later
    // process to deliver.
    hub.fault(r#"{"mode": "error", "target": "audit", "count": 1}"#);
    let _ = sync(&sandbox);
    for _ in 0..3 {
        if status(&sandbox)["pending_audit"] == 0 {
            break;
        }
        let _ = sync(&sandbox);
    }
    assert_eq!(
        status(&sandbox)["pending_audit"],
        0,
        "everything is delivered in the end"
    );

    let local: std::collections::BTreeSet<String> = sandbox
        .audit()
        .into_iter()
        .filter(|event| event["kind"] == "launch_blocked")
        .map(|event| event["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(local.len(), 1_000);
    let mut copies = std::collections::BTreeMap::<String, usize>::new();
    for event in hub.received() {
        if let Some(id) = event["id"].as_str() {
            *copies.entry(id.to_owned()).or_default() += 1;
        }
    }
    let missing = local.iter().filter(|id| !copies.contains_key(*id)).count();
    let doubled = local
        .iter()
        .filter(|id| copies.get(*id).copied().unwrap_or(0) > 1)
        .count();
    assert_eq!(
        (missing, doubled),
        (0, 0),
        "each of the 1,000 events reached the hub exactly once"
    );
}
