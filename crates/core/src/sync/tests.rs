//! Sync against a scripted hub: what is stored, what is kept on failure, and how the
//! outbox is delivered and backed off.

use std::collections::VecDeque;
use std::sync::Mutex;

use ed25519_dalek::SigningKey;
use gatehouse_hub::{AuditAck, ClientError, Fetch};
use gatehouse_store::AuditKind;
use serde_json::json;
use time::OffsetDateTime;

use super::*;
use crate::ports::RecordingNotifier;

/// A hub that answers from a script and records what it was sent.
#[derive(Default)]
struct FakeHub {
    bundles: Mutex<VecDeque<std::result::Result<Fetch, ClientError>>>,
    /// Audit answers; when empty, every batch is accepted.
    audit_failures: Mutex<VecDeque<ClientError>>,
    etags_asked: Mutex<Vec<Option<String>>>,
    received: Mutex<Vec<serde_json::Value>>,
    heads: Mutex<Vec<Option<gatehouse_store::AuditHead>>>,
    inventories: Mutex<Vec<serde_json::Value>>,
}

impl HubPort for FakeHub {
    async fn fetch_bundle(
        &self,
        _org: &str,
        etag: Option<&str>,
        _device: &str,
        audit_head: Option<&gatehouse_store::AuditHead>,
    ) -> std::result::Result<Fetch, ClientError> {
        self.heads.lock().unwrap().push(audit_head.cloned());
        self.etags_asked
            .lock()
            .unwrap()
            .push(etag.map(str::to_owned));
        self.bundles
            .lock()
            .unwrap()
            .pop_front()
            .unwrap_or_else(|| Err(ClientError::Network("nothing scripted".to_owned())))
    }

    async fn post_audit(
        &self,
        _org: &str,
        events: &[serde_json::Value],
    ) -> std::result::Result<AuditAck, ClientError> {
        if let Some(error) = self.audit_failures.lock().unwrap().pop_front() {
            return Err(error);
        }
        self.received.lock().unwrap().extend(events.iter().cloned());
        Ok(AuditAck {
            accepted: events.len() as u64,
            duplicates: 0,
            gaps: Vec::new(),
        })
    }

    async fn put_inventory(
        &self,
        _org: &str,
        _device: &str,
        inventory: &serde_json::Value,
    ) -> std::result::Result<(), ClientError> {
        self.inventories.lock().unwrap().push(inventory.clone());
        Ok(())
    }
}

impl FakeHub {
    fn answer(&self, answer: std::result::Result<Fetch, ClientError>) {
        self.bundles.lock().unwrap().push_back(answer);
    }
}

fn key() -> SigningKey {
    SigningKey::from_bytes(&[7; 32])
}

fn envelope(serial: u64) -> Vec<u8> {
    let payload = json!({
        "schema": 1, "org": "acme", "serial": serial, "issued_at": "2026-11-20T10:00:00Z",
        "max_offline_age": "1d", "org_policy": {"min_cert_level": 1},
    });
    crate::test_support::signed(&payload, &key())
}

fn bundle(serial: u64) -> std::result::Result<Fetch, ClientError> {
    Ok(Fetch::Bundle {
        body: envelope(serial),
        etag: Some(format!("\"{serial}\"")),
        freshness: None,
    })
}

/// The hub's signed statement that `serial` is current for `device` at `when`.
fn statement(device: &str, serial: u64, when: OffsetDateTime) -> String {
    use ed25519_dalek::Signer as _;
    let time = when
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    gatehouse_hub::statement_header("k1", "acme", serial, Some(device), &time, |bytes| {
        key().sign(bytes).to_bytes()
    })
}

fn bundle_stated(
    ctx: &Context,
    serial: u64,
    when: OffsetDateTime,
) -> std::result::Result<Fetch, ClientError> {
    Ok(Fetch::Bundle {
        body: envelope(serial),
        etag: Some(format!("\"{serial}\"")),
        freshness: Some(statement(&ctx.device, serial, when)),
    })
}

fn not_modified_stated(
    ctx: &Context,
    serial: u64,
    when: OffsetDateTime,
) -> std::result::Result<Fetch, ClientError> {
    Ok(Fetch::NotModified {
        freshness: Some(statement(&ctx.device, serial, when)),
    })
}

async fn context(dir: &tempfile::TempDir) -> Context {
    crate::test_support::following_acme(dir, &key()).await
}

fn at(seconds: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_800_000_000 + seconds).unwrap()
}

#[tokio::test]
async fn a_bundle_is_stored_then_a_304_only_moves_its_verified_time() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(&dir).await;
    let hub = FakeHub::default();
    hub.answer(bundle_stated(&ctx, 1, at(0)));
    hub.answer(not_modified_stated(&ctx, 1, at(3600)));

    let first = sync(
        &ctx,
        &hub,
        at(0),
        Delivery::All,
        &RecordingNotifier::default(),
    )
    .await
    .unwrap();
    assert_eq!(first.policy, PolicyOutcome::Stored { serial: 1 });
    let stored = ctx.store.snapshots_newest_first(1).await.unwrap();
    let verified_before = stored[0].verified_at;

    let second = sync(
        &ctx,
        &hub,
        at(3600),
        Delivery::All,
        &RecordingNotifier::default(),
    )
    .await
    .unwrap();
    assert_eq!(second.policy, PolicyOutcome::Unchanged { serial: Some(1) });
    assert_eq!(
        hub.etags_asked.lock().unwrap().as_slice(),
        [None, Some("\"1\"".to_owned())],
        "the second fetch sends the stored etag"
    );
    let after = ctx.store.snapshots_newest_first(1).await.unwrap();
    assert_eq!(after[0].verified_at, at(3600), "a 304 is a verified answer");
    assert_ne!(after[0].verified_at, verified_before);
    let status = crate::sync::status::status(&ctx, at(3600)).await.unwrap();
    assert!(status.online && !status.stale, "{status:?}");
    assert_eq!(
        status.verified_at.as_deref(),
        Some("2027-01-15T09:00:00Z"),
        "fresh as of the hub's signed statement"
    );
    assert_eq!(status.serial, Some(1));
    assert_eq!(status.pending_audit, 0, "policy_synced was delivered");
    assert_eq!(hub.received.lock().unwrap()[0]["kind"], "policy_synced");
}

#[tokio::test]
async fn a_failed_fetch_keeps_the_cached_policy_and_marks_offline() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(&dir).await;
    let hub = FakeHub::default();
    hub.answer(bundle_stated(&ctx, 1, at(0)));
    sync(
        &ctx,
        &hub,
        at(0),
        Delivery::All,
        &RecordingNotifier::default(),
    )
    .await
    .unwrap();
    hub.answer(Err(ClientError::Timeout(10)));

    let error = sync(
        &ctx,
        &hub,
        at(2 * 86_400),
        Delivery::All,
        &RecordingNotifier::default(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(error, Error::Hub(ClientError::Timeout(10))),
        "{error:?}"
    );
    let status = crate::sync::status::status(&ctx, at(2 * 86_400))
        .await
        .unwrap();
    assert_eq!(status.serial, Some(1), "the cached snapshot stays");
    assert!(!status.online, "the last attempt failed");
    assert!(
        status.stale,
        "two days without a verified answer beat max_offline_age 1d"
    );
    assert!(status.last_error.unwrap().contains("did not answer"));
}

#[tokio::test]
async fn a_refused_bundle_is_audited_and_the_event_reaches_the_hub() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(&dir).await;
    let hub = FakeHub::default();
    hub.answer(bundle(2));
    hub.answer(bundle(1));
    sync(
        &ctx,
        &hub,
        at(0),
        Delivery::All,
        &RecordingNotifier::default(),
    )
    .await
    .unwrap();

    let error = sync(
        &ctx,
        &hub,
        at(10),
        Delivery::All,
        &RecordingNotifier::default(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(error, Error::Rejected(_)),
        "serial 1 after 2 is a rollback: {error:?}"
    );
    let kinds: Vec<_> = hub
        .received
        .lock()
        .unwrap()
        .iter()
        .map(|event| event["kind"].clone())
        .collect();
    assert_eq!(kinds, ["policy_synced", "policy_rejected"]);
    assert_eq!(ctx.store.latest_snapshot_serial().await.unwrap(), Some(2));
}

#[tokio::test]
async fn undelivered_events_back_off_and_are_delivered_once_later() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(&dir).await;
    let hub = FakeHub::default();
    for _ in 0..3 {
        ctx.store
            .record(&ctx.event(AuditKind::LaunchAllowed))
            .await
            .unwrap();
    }
    hub.audit_failures
        .lock()
        .unwrap()
        .push_back(ClientError::Http {
            status: 503,
            code: None,
            message: "down".to_owned(),
        });
    let failed = flush_outbox(&ctx, &hub, "acme", at(0), Delivery::Due)
        .await
        .unwrap();
    assert_eq!((failed.delivered, failed.pending), (0, 3));
    assert!(failed.error.is_some());

    let early = flush_outbox(&ctx, &hub, "acme", at(1), Delivery::Due)
        .await
        .unwrap();
    assert_eq!(early.delivered, 0, "within the backoff nothing is sent");
    assert!(hub.received.lock().unwrap().is_empty());

    let later = flush_outbox(&ctx, &hub, "acme", at(3600), Delivery::Due)
        .await
        .unwrap();
    assert_eq!((later.delivered, later.pending), (3, 0));
    let again = flush_outbox(&ctx, &hub, "acme", at(7200), Delivery::All)
        .await
        .unwrap();
    assert_eq!(again.delivered, 0, "delivered rows are never sent again");
    assert_eq!(hub.received.lock().unwrap().len(), 3);
}

#[tokio::test]
async fn more_than_one_batch_is_delivered_in_one_flush() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(&dir).await;
    let hub = FakeHub::default();
    for _ in 0..(AUDIT_BATCH + 5) {
        ctx.store
            .record(&ctx.event(AuditKind::LaunchAllowed))
            .await
            .unwrap();
    }
    let outcome = flush_outbox(&ctx, &hub, "acme", at(0), Delivery::Due)
        .await
        .unwrap();
    assert_eq!(outcome.delivered, u64::from(AUDIT_BATCH) + 5);
}

#[test]
fn backoff_doubles_with_jitter_up_to_the_cap() {
    for failures in 1..30 {
        for seed in [0, 1, 12_345, u64::MAX] {
            let wait = backoff(failures, seed).whole_seconds();
            let full = (BACKOFF_BASE_SECS << (failures - 1).min(20)).min(BACKOFF_CAP_SECS);
            assert!(
                (full / 2..=full).contains(&wait),
                "failure {failures}: {wait}s is within [{}, {full}]",
                full / 2
            );
        }
    }
    assert_eq!(backoff(1, 0).whole_seconds(), 15);
    assert!(backoff(40, u64::MAX).whole_seconds() <= 3600);
}

#[test]
fn devices_retrying_after_the_same_failures_do_not_retry_in_step() {
    // After three failures the wait is somewhere in [60, 120] s; a seed that is the same on
    // every device (as the failure count is) would give every one the same wait.
    let waits: std::collections::BTreeSet<u64> =
        (0..50).map(|_| retry_after(3).as_secs()).collect();
    assert!(
        waits.len() > 1,
        "fifty draws all gave {waits:?}: the jitter is not random"
    );
    assert!(
        waits.iter().all(|wait| (60..=120).contains(wait)),
        "{waits:?}"
    );
    assert!(retry_after(1).as_secs() >= 5, "never sooner than 5 s");
}

#[tokio::test]
async fn staleness_counts_from_signed_statements_only() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(&dir).await;
    let hub = FakeHub::default();
    // No statement: the bundle is as fresh as its own issued_at, long ago.
    hub.answer(bundle(1));
    sync(
        &ctx,
        &hub,
        at(0),
        Delivery::All,
        &RecordingNotifier::default(),
    )
    .await
    .unwrap();
    let status = crate::sync::status::status(&ctx, at(0)).await.unwrap();
    assert!(
        status.stale,
        "the local verified time does not count: {status:?}"
    );

    // A statement for another device, or one that does not verify, is ignored.
    hub.answer(Ok(Fetch::NotModified {
        freshness: Some(statement("another-device", 1, at(0))),
    }));
    sync(
        &ctx,
        &hub,
        at(0),
        Delivery::All,
        &RecordingNotifier::default(),
    )
    .await
    .unwrap();
    assert!(
        crate::sync::status::status(&ctx, at(0))
            .await
            .unwrap()
            .stale
    );
    let mut forged = statement(&ctx.device, 1, at(0));
    forged.pop();
    forged.push('A');
    hub.answer(Ok(Fetch::NotModified {
        freshness: Some(forged),
    }));
    sync(
        &ctx,
        &hub,
        at(0),
        Delivery::All,
        &RecordingNotifier::default(),
    )
    .await
    .unwrap();
    assert!(
        crate::sync::status::status(&ctx, at(0))
            .await
            .unwrap()
            .stale
    );

    // A good one makes it fresh; the stored statement edited by hand is ignored again.
    hub.answer(not_modified_stated(&ctx, 1, at(0)));
    sync(
        &ctx,
        &hub,
        at(0),
        Delivery::All,
        &RecordingNotifier::default(),
    )
    .await
    .unwrap();
    assert!(
        !crate::sync::status::status(&ctx, at(0))
            .await
            .unwrap()
            .stale
    );
    let kept = ctx
        .store
        .setting(crate::policy::sources::FRESHNESS_KEY)
        .await
        .unwrap()
        .unwrap();
    ctx.store
        .set_setting(
            crate::policy::sources::FRESHNESS_KEY,
            &kept.replace('A', "B"),
        )
        .await
        .unwrap();
    assert!(
        crate::sync::status::status(&ctx, at(0))
            .await
            .unwrap()
            .stale
    );
}

#[tokio::test]
async fn a_clock_set_back_does_not_make_a_stale_snapshot_fresh() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(&dir).await;
    let hub = FakeHub::default();
    hub.answer(bundle_stated(&ctx, 1, at(0)));
    sync(
        &ctx,
        &hub,
        at(0),
        Delivery::All,
        &RecordingNotifier::default(),
    )
    .await
    .unwrap();
    let status = crate::sync::status::status(&ctx, at(-10 * 86_400))
        .await
        .unwrap();
    assert_eq!(
        status.age_secs,
        Some(0),
        "now is never below the statement's time"
    );
}
