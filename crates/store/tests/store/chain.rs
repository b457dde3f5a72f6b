//! The audit chain of HUB_API.md B2: per-device numbers with no gaps, each event naming the
//! hash of the one before it, canonical bytes made once, and numbers that never close up
//! when rows are deleted.

use gatehouse_store::{AuditKind, canonical};
use sha2::{Digest, Sha256};
use sqlx::{Connection, SqliteConnection};

use crate::fixtures::{T0, event, new_store};

fn sha256(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

#[tokio::test]
async fn events_are_numbered_and_each_names_the_hash_of_the_one_before() {
    let (_dir, store) = new_store().await;
    assert_eq!(store.audit_head().await.unwrap(), None);
    for kind in [
        AuditKind::LaunchAllowed,
        AuditKind::LaunchForced,
        AuditKind::SettingsChanged,
    ] {
        store.record(&event(kind, T0)).await.unwrap();
    }
    let wire = store.pending_wire(10, T0).await.unwrap();
    assert_eq!(wire.len(), 3);
    let mut prev: Option<String> = None;
    for (index, (id, value)) in wire.iter().enumerate() {
        assert_eq!(value["seq"], index as u64 + 1, "{value}");
        assert_eq!(value["prev"], serde_json::json!(prev), "{value}");
        assert_eq!(value["id"], id.to_string());
        assert_eq!(value["hostname"], "test-host");
        prev = Some(sha256(&canonical(value)));
    }
    let head = store.audit_head().await.unwrap().unwrap();
    assert_eq!(head.seq, 3);
    assert_eq!(Some(head.hash), prev, "the head is the last event's hash");
}

#[tokio::test]
async fn a_deleted_tail_leaves_a_gap_that_never_closes() {
    let (dir, store) = new_store().await;
    for _ in 0..3 {
        store
            .record(&event(AuditKind::LaunchForced, T0))
            .await
            .unwrap();
    }
    let url = format!("sqlite://{}", crate::fixtures::db_path(&dir).display());
    let mut raw = SqliteConnection::connect(&url).await.unwrap();
    sqlx::query("DELETE FROM audit_events WHERE seq >= 2")
        .execute(&mut raw)
        .await
        .unwrap();
    raw.close().await.unwrap();

    store
        .record(&event(AuditKind::LaunchAllowed, T0))
        .await
        .unwrap();
    let numbers: Vec<u64> = store
        .pending_wire(10, T0)
        .await
        .unwrap()
        .iter()
        .map(|(_, value)| value["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, [1, 4], "2 and 3 are missing for good");
}
