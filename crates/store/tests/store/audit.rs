use std::collections::BTreeSet;

use gatehouse_store::{AuditEvent, AuditKind, Error};
use sqlx::{Connection, SqliteConnection};
use time::macros::datetime;
use time::{Duration, UtcOffset};
use uuid::Uuid;

use crate::fixtures::{T0, event, new_store};

#[tokio::test]
async fn a_recorded_event_reads_back_equal_and_is_queued() {
    let (_dir, store) = new_store().await;
    let mut forced = event(AuditKind::LaunchForced, T0);
    forced.overrides = Some(serde_json::json!({"override_min_cert_level": 0}));
    store.record(&forced).await.unwrap();
    assert_eq!(store.audit(None, 10).await.unwrap(), [forced.clone()]);
    assert_eq!(store.pending_outbox(10, T0).await.unwrap(), [forced]);
    assert_eq!(store.pending_count().await.unwrap(), 1);
}

#[tokio::test]
async fn an_event_and_its_outbox_row_commit_together() {
    let (_dir, store) = new_store().await;
    let victim = event(AuditKind::LaunchBlocked, T0);
    // Plant an outbox row for the event's id (possible only with foreign keys off), so that
    // the second insert of `record` fails after the first succeeded.
    let url = format!("sqlite://{}", store.path().display());
    let mut raw = SqliteConnection::connect(&url).await.unwrap();
    sqlx::query("PRAGMA foreign_keys = OFF")
        .execute(&mut raw)
        .await
        .unwrap();
    sqlx::query("INSERT INTO audit_outbox (event_id) VALUES (?)")
        .bind(victim.id.to_string())
        .execute(&mut raw)
        .await
        .unwrap();
    raw.close().await.unwrap();

    let result = store.record(&victim).await;
    assert!(matches!(result, Err(Error::Sqlite(_))), "{result:?}");
    assert_eq!(
        store.audit(None, 10).await.unwrap(),
        [],
        "the event rolled back with it"
    );
}

#[tokio::test]
async fn a_duplicate_id_is_refused() {
    let (_dir, store) = new_store().await;
    let e = event(AuditKind::LaunchAllowed, T0);
    store.record(&e).await.unwrap();
    let result = store.record(&e).await;
    assert!(
        matches!(result, Err(Error::DuplicateEvent(id)) if id == e.id),
        "{result:?}"
    );
    assert_eq!(store.pending_count().await.unwrap(), 1);
}

#[tokio::test]
async fn audit_is_in_time_order_and_since_is_inclusive() {
    let (_dir, store) = new_store().await;
    // Recorded out of order, with sub-second times and a non-UTC offset, which a naive
    // text comparison would order wrongly.
    let a = event(AuditKind::LaunchAllowed, datetime!(2026-11-20 10:00:00 UTC));
    let b = event(
        AuditKind::LaunchAllowed,
        datetime!(2026-11-20 10:00:00.25 UTC),
    );
    let c = event(
        AuditKind::LaunchEnded,
        datetime!(2026-11-20 12:00:01 +02:00),
    );
    let d = event(AuditKind::LaunchAllowed, datetime!(2026-11-20 10:00:02 UTC));
    for e in [&d, &c, &a, &b] {
        store.record(e).await.unwrap();
    }
    let all = store.audit(None, 100).await.unwrap();
    let ids = |events: &[AuditEvent]| events.iter().map(|e| e.id).collect::<Vec<Uuid>>();
    assert_eq!(ids(&all), [a.id, b.id, c.id, d.id]);
    assert_eq!(all[2].time, c.time, "same instant");
    assert_eq!(all[2].time.offset(), UtcOffset::UTC, "read back in UTC");

    let since = store.audit(Some(b.time), 100).await.unwrap();
    assert_eq!(
        ids(&since),
        [b.id, c.id, d.id],
        "since includes its own instant"
    );
    let since = store
        .audit(Some(datetime!(2026-11-20 11:00:00.5 +01:00)), 100)
        .await
        .unwrap();
    assert_eq!(ids(&since), [c.id, d.id], "since is compared as an instant");
    assert_eq!(
        ids(&store.audit(None, 2).await.unwrap()),
        [a.id, b.id],
        "limit"
    );
    assert_eq!(
        store.audit(Some(T0 + Duration::days(1)), 10).await.unwrap(),
        []
    );
}

#[tokio::test]
async fn the_outbox_retries_and_marks_without_deleting() {
    let (_dir, store) = new_store().await;
    let e1 = event(AuditKind::LaunchAllowed, T0);
    let e2 = event(AuditKind::LaunchBlocked, T0 + Duration::seconds(1));
    let e3 = event(AuditKind::LaunchEnded, T0 + Duration::seconds(2));
    for e in [&e3, &e1, &e2] {
        store.record(e).await.unwrap();
    }
    let now = T0 + Duration::minutes(1);
    assert_eq!(
        store.pending_outbox(10, now).await.unwrap(),
        [e1.clone(), e2.clone(), e3.clone()]
    );
    assert_eq!(
        store.pending_outbox(1, now).await.unwrap(),
        std::slice::from_ref(&e1),
        "oldest first"
    );

    // The hub was down for e1 and e2: not before the backoff ends.
    let retry_at = now + Duration::minutes(5);
    assert_eq!(
        store
            .mark_attempt_failed(&[e1.id, e2.id], retry_at)
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        store.pending_outbox(10, now).await.unwrap(),
        std::slice::from_ref(&e3)
    );
    assert_eq!(
        store.pending_count().await.unwrap(),
        3,
        "failed ones are still pending"
    );
    assert_eq!(
        store.pending_outbox(10, retry_at).await.unwrap(),
        [e1.clone(), e2.clone(), e3.clone()],
        "due again when the backoff ends"
    );
    store.mark_attempt_failed(&[e1.id], retry_at).await.unwrap();

    assert_eq!(
        store
            .mark_delivered(&[e1.id, e3.id], retry_at)
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        store
            .mark_delivered(&[e1.id, Uuid::new_v4()], retry_at)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        store.mark_attempt_failed(&[e1.id], retry_at).await.unwrap(),
        0,
        "delivered"
    );
    assert_eq!(store.pending_count().await.unwrap(), 1);
    assert_eq!(
        store.pending_outbox(10, retry_at).await.unwrap(),
        std::slice::from_ref(&e2)
    );
    assert_eq!(
        store.audit(None, 10).await.unwrap().len(),
        3,
        "the log keeps everything"
    );

    let url = format!("sqlite://{}", store.path().display());
    let mut raw = SqliteConnection::connect(&url).await.unwrap();
    let rows: Vec<(String, i64, Option<String>)> = sqlx::query_as(
        "SELECT event_id, attempts, delivered_at FROM audit_outbox ORDER BY attempts",
    )
    .fetch_all(&mut raw)
    .await
    .unwrap();
    let by_id = |id: Uuid| rows.iter().find(|r| r.0 == id.to_string()).unwrap().clone();
    assert_eq!(rows.len(), 3, "delivered rows are marked, not deleted");
    assert_eq!(by_id(e1.id).1, 2, "two failed attempts counted");
    assert_eq!(by_id(e2.id).1, 1);
    assert!(by_id(e1.id).2.is_some() && by_id(e2.id).2.is_none());
}

#[test]
fn the_json_has_exactly_the_b2_field_names() {
    let mut e = event(
        AuditKind::LaunchWarnedConfirmed,
        datetime!(2026-11-20 11:00:00.5 +01:00),
    );
    e.server = None;
    let json = serde_json::to_value(&e).unwrap();
    let keys: BTreeSet<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let b2: BTreeSet<&str> = [
        "id",
        "time",
        "device",
        "user",
        "kind",
        "server",
        "version",
        "digest",
        "verdict",
        "codes",
        "overrides",
        "detail",
        // Which device and version made it (the admin's view, issue 17); `seq` and `prev`
        // are added when it is stored (chain.rs).
        "hostname",
        "app_version",
    ]
    .into();
    assert_eq!(keys, b2, "HUB_API.md B2, absent values included as null");
    assert_eq!(json["time"], "2026-11-20T10:00:00.5Z", "RFC 3339 UTC");
    assert_eq!(json["kind"], "launch_warned_confirmed");
    assert_eq!(json["id"], e.id.to_string());
    assert!(json["server"].is_null());
    let line = serde_json::to_string(&e).unwrap();
    assert!(!line.contains('\n'), "one event per JSON line");
    assert_eq!(
        serde_json::from_str::<AuditEvent>(&line).unwrap().time,
        e.time
    );
}
