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
    hub.repoint(&sandbox);
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
