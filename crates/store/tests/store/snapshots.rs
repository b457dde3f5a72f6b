use gatehouse_store::{AuditKind, Error};
use time::Duration;

use crate::fixtures::{T0, event, new_store, snapshot};

#[tokio::test]
async fn a_snapshot_round_trips_byte_for_byte_with_its_event() {
    let (_dir, store) = new_store().await;
    assert_eq!(store.latest_snapshot_serial().await.unwrap(), None);
    let new = snapshot("acme-corp", 42);
    let synced = event(AuditKind::PolicySynced, T0);
    let id = store.store_snapshot(&new, &synced).await.unwrap();

    let stored = store.snapshots_newest_first(10).await.unwrap();
    assert_eq!(stored.len(), 1);
    let got = &stored[0];
    assert_eq!(got.id, id);
    assert_eq!(
        (got.org.as_str(), got.serial, got.key_id.as_str()),
        ("acme-corp", 42, "hub-2026-01")
    );
    assert_eq!(got.payload, new.payload, "the exact signed bytes");
    assert_eq!(got.signature, new.signature);
    assert_eq!(got.etag, new.etag);
    assert_eq!(got.fetched_at, T0);
    assert_eq!(got.verified_at, T0, "verified when first stored");
    assert_eq!(store.latest_snapshot_serial().await.unwrap(), Some(42));
    assert_eq!(
        store.audit(None, 10).await.unwrap(),
        [synced],
        "logged with the snapshot"
    );
    assert_eq!(store.pending_count().await.unwrap(), 1);
}

#[tokio::test]
async fn newest_first_lists_the_fallbacks_in_order() {
    let (_dir, store) = new_store().await;
    for serial in [1, 2, 3] {
        let at = T0 + Duration::minutes(serial);
        store
            .store_snapshot(
                &snapshot("acme", serial.unsigned_abs()),
                &event(AuditKind::PolicySynced, at),
            )
            .await
            .unwrap();
    }
    let serials: Vec<u64> = store
        .snapshots_newest_first(2)
        .await
        .unwrap()
        .iter()
        .map(|s| s.serial)
        .collect();
    assert_eq!(serials, [3, 2], "newest first, limited");
    assert_eq!(store.latest_snapshot_serial().await.unwrap(), Some(3));
}

#[tokio::test]
async fn a_failed_store_keeps_neither_snapshot_nor_event() {
    let (_dir, store) = new_store().await;
    let first = event(AuditKind::PolicySynced, T0);
    store
        .store_snapshot(&snapshot("acme", 7), &first)
        .await
        .unwrap();

    // Same (org, serial) again: the insert fails after the event row was written in the
    // same transaction, which must roll back.
    let mut again = snapshot("acme", 7);
    again.payload = b"different".to_vec();
    let second = event(AuditKind::PolicySynced, T0 + Duration::seconds(1));
    match store.store_snapshot(&again, &second).await {
        Err(Error::DuplicateSnapshot { org, serial }) => {
            assert_eq!((org.as_str(), serial), ("acme", 7))
        }
        other => panic!("expected DuplicateSnapshot, got {other:?}"),
    }
    let stored = store.snapshots_newest_first(10).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(
        stored[0].payload,
        snapshot("acme", 7).payload,
        "the first one is kept"
    );
    assert_eq!(
        store.audit(None, 10).await.unwrap(),
        [first],
        "the second event rolled back"
    );
    assert_eq!(
        store.pending_count().await.unwrap(),
        1,
        "and so did its outbox row"
    );
}

#[tokio::test]
async fn a_failed_event_keeps_no_snapshot() {
    let (_dir, store) = new_store().await;
    let synced = event(AuditKind::PolicySynced, T0);
    store.record(&synced).await.unwrap();
    let result = store.store_snapshot(&snapshot("acme", 1), &synced).await;
    assert!(
        matches!(result, Err(Error::DuplicateEvent(id)) if id == synced.id),
        "{result:?}"
    );
    assert_eq!(store.latest_snapshot_serial().await.unwrap(), None);
}

#[tokio::test]
async fn a_serial_beyond_i64_is_refused() {
    let (_dir, store) = new_store().await;
    let result = store
        .store_snapshot(
            &snapshot("acme", u64::MAX),
            &event(AuditKind::PolicySynced, T0),
        )
        .await;
    assert!(
        matches!(result, Err(Error::OutOfRange { .. })),
        "{result:?}"
    );
    assert_eq!(store.audit(None, 10).await.unwrap(), []);
}

#[tokio::test]
async fn verification_time_moves_and_old_snapshots_can_be_pruned() {
    let (_dir, store) = new_store().await;
    let mut ids = Vec::new();
    for serial in 1..=4_u64 {
        let e = event(AuditKind::PolicySynced, T0);
        ids.push(
            store
                .store_snapshot(&snapshot("acme", serial), &e)
                .await
                .unwrap(),
        );
    }
    let later = T0 + Duration::hours(5);
    assert!(store.mark_snapshot_verified(ids[3], later).await.unwrap());
    assert!(
        !store.mark_snapshot_verified(9999, later).await.unwrap(),
        "no such snapshot"
    );
    let newest = &store.snapshots_newest_first(1).await.unwrap()[0];
    assert_eq!((newest.fetched_at, newest.verified_at), (T0, later));

    assert_eq!(store.prune_snapshots(2).await.unwrap(), 2);
    let serials: Vec<u64> = store
        .snapshots_newest_first(10)
        .await
        .unwrap()
        .iter()
        .map(|s| s.serial)
        .collect();
    assert_eq!(serials, [4, 3], "the two newest are kept");
}
