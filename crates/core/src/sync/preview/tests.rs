//! `preview` against a scripted hub: what it reports for a newer, the same, an older and a
//! forged bundle, and that it leaves the store, the audit log and the verified time alone.

use std::sync::Mutex;

use ed25519_dalek::SigningKey;
use gatehouse_hub::AuditAck;
use serde_json::json;

use super::*;
use crate::ports::RecordingNotifier;
use crate::sync::accept::accept;

/// A hub that always serves one envelope and records the ETags it was asked with.
struct FakeHub {
    body: Vec<u8>,
    etags_asked: Mutex<Vec<Option<String>>>,
}

impl FakeHub {
    fn serving(body: Vec<u8>) -> FakeHub {
        FakeHub {
            body,
            etags_asked: Mutex::new(Vec::new()),
        }
    }
}

impl HubPort for FakeHub {
    async fn fetch_bundle(
        &self,
        _org: &str,
        etag: Option<&str>,
        _device: &str,
        _audit_head: Option<&gatehouse_store::AuditHead>,
    ) -> std::result::Result<Fetch, ClientError> {
        self.etags_asked
            .lock()
            .unwrap()
            .push(etag.map(str::to_owned));
        Ok(Fetch::Bundle {
            body: self.body.clone(),
            etag: Some("\"e\"".to_owned()),
            freshness: None,
        })
    }

    async fn post_audit(
        &self,
        _org: &str,
        _events: &[serde_json::Value],
    ) -> std::result::Result<AuditAck, ClientError> {
        panic!("a preview delivers nothing to the hub");
    }

    async fn put_inventory(
        &self,
        _org: &str,
        _device: &str,
        _inventory: &serde_json::Value,
    ) -> std::result::Result<(), ClientError> {
        Ok(())
    }
}

fn key() -> SigningKey {
    SigningKey::from_bytes(&[11; 32])
}

/// A bundle with `serial` signed by `signer`, where `@acme/db` 1.0.0 scores `score` and
/// `@acme/other` 90, under an org minimum score of 70.
fn envelope_signed(serial: u64, score: u8, signer: &SigningKey) -> Vec<u8> {
    let entry = |name: &str, score: u8| {
        json!({"name": name, "version": "1.0.0", "digest": crate::test_support::CERTIFIED, "origin": "verified",
               "cert_level": 2, "score": score, "status": "published"})
    };
    let payload = json!({
        "schema": 1, "org": "acme", "serial": serial, "issued_at": "2026-11-20T10:00:00Z",
        "org_policy": {"min_score": 70},
        "catalog": [entry("@acme/db", score), entry("@acme/other", 90)],
    });
    crate::test_support::signed(&payload, signer)
}

fn envelope(serial: u64, score: u8) -> Vec<u8> {
    envelope_signed(serial, score, &key())
}

/// A device following `acme` with the key pinned and two servers, `db` and `other`.
async fn context(dir: &tempfile::TempDir) -> Context {
    let ctx = crate::test_support::following_acme(dir, &key()).await;
    for (id, name) in [("db", "@acme/db"), ("other", "@acme/other")] {
        let digest = crate::test_support::CERTIFIED;
        crate::test_support::add_installed(&ctx, id, name, "1.0.0", digest).await;
    }
    ctx
}

async fn store(ctx: &Context, envelope: &[u8]) {
    accept(ctx, envelope, None, &RecordingNotifier::default())
        .await
        .unwrap();
}

/// What a preview must leave alone: the snapshots (with their verified times) and the log.
async fn footprint(ctx: &Context) -> (Vec<(u64, time::OffsetDateTime)>, usize) {
    let snapshots = ctx.store.snapshots_newest_first(100).await.unwrap();
    let events = ctx.store.audit(None, 1000).await.unwrap();
    (
        snapshots
            .iter()
            .map(|s| (s.serial, s.verified_at))
            .collect(),
        events.len(),
    )
}

#[tokio::test]
async fn a_newer_bundle_that_blocks_a_server_is_one_change_and_nothing_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(&dir).await;
    store(&ctx, &envelope(1, 84)).await;
    let before = footprint(&ctx).await;
    let hub = FakeHub::serving(envelope(2, 61));

    let preview = preview(&ctx, &hub).await.unwrap();

    assert_eq!(preview.state, PreviewState::Newer);
    assert_eq!(
        (preview.current_serial, preview.hub_serial),
        (Some(1), Some(2))
    );
    assert_eq!(preview.refused_reason, None);
    let [change] = preview.changes.as_slice() else {
        panic!("only `db` falls under the minimum: {:?}", preview.changes);
    };
    assert_eq!(
        (change.id.as_str(), change.name.as_str()),
        ("db", "@acme/db")
    );
    assert_eq!(change.version.as_deref(), Some("1.0.0"));
    assert_eq!(
        (change.verdict_now, change.verdict_after),
        (Verdict::Allow, Verdict::Block)
    );
    assert_eq!(change.codes, ["score_below_min"]);
    assert!(
        change.reasons.iter().any(|r| r.contains("61")),
        "the reason says the new score: {:?}",
        change.reasons
    );
    assert_eq!(preview.unchanged, 1, "`other` keeps its verdict");
    assert_eq!(
        footprint(&ctx).await,
        before,
        "a preview stores, verifies and audits nothing"
    );
    assert_eq!(
        hub.etags_asked.lock().unwrap().as_slice(),
        [None],
        "the whole bundle is asked for: a 304 would say nothing about its content"
    );
    let status = crate::sync::status::status(&ctx, ctx.clock.now())
        .await
        .unwrap();
    assert_eq!(status.serial, Some(1), "serial 1 stays in force");
}

#[tokio::test]
async fn a_newer_bundle_that_lets_a_server_run_again_is_a_change_too() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(&dir).await;
    store(&ctx, &envelope(1, 61)).await;
    let preview = preview(&ctx, &FakeHub::serving(envelope(2, 84)))
        .await
        .unwrap();
    let verdicts: Vec<_> = preview
        .changes
        .iter()
        .map(|c| (c.id.as_str(), c.verdict_now, c.verdict_after))
        .collect();
    assert_eq!(verdicts, [("db", Verdict::Block, Verdict::Allow)]);
    assert!(
        preview.changes[0].reasons.is_empty(),
        "nothing is wrong after"
    );
}

#[tokio::test]
async fn the_bundle_in_force_is_up_to_date_with_no_changes() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(&dir).await;
    let bundle = envelope(3, 84);
    store(&ctx, &bundle).await;
    let before = footprint(&ctx).await;

    let preview = preview(&ctx, &FakeHub::serving(bundle)).await.unwrap();

    assert_eq!(preview.state, PreviewState::UpToDate);
    assert_eq!(
        (preview.current_serial, preview.hub_serial),
        (Some(3), Some(3))
    );
    assert!(preview.changes.is_empty());
    assert_eq!(preview.unchanged, 2);
    assert_eq!(
        footprint(&ctx).await,
        before,
        "unlike a sync, the same bundle does not move the verified time"
    );
}

#[tokio::test]
async fn an_older_or_reused_serial_is_refused_as_a_sync_would_refuse_it() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(&dir).await;
    store(&ctx, &envelope(5, 84)).await;
    let before = footprint(&ctx).await;

    let older = preview(&ctx, &FakeHub::serving(envelope(4, 61)))
        .await
        .unwrap();
    assert_eq!(older.state, PreviewState::Refused);
    assert_eq!((older.current_serial, older.hub_serial), (Some(5), Some(4)));
    assert!(
        older
            .refused_reason
            .as_deref()
            .is_some_and(|r| r.contains("rollback")),
        "{older:?}"
    );
    assert!(older.changes.is_empty());

    let reused = preview(&ctx, &FakeHub::serving(envelope(5, 61)))
        .await
        .unwrap();
    assert_eq!(reused.state, PreviewState::Refused);
    assert!(
        reused
            .refused_reason
            .as_deref()
            .is_some_and(|r| r.contains("different content")),
        "{reused:?}"
    );
    assert_eq!(
        footprint(&ctx).await,
        before,
        "a refused preview records no `policy_rejected`: nothing was offered to the store"
    );
}

#[tokio::test]
async fn a_bundle_signed_by_an_unpinned_key_is_refused_without_a_serial() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(&dir).await;
    store(&ctx, &envelope(1, 84)).await;
    let forged = envelope_signed(9, 61, &SigningKey::from_bytes(&[12; 32]));
    let preview = preview(&ctx, &FakeHub::serving(forged)).await.unwrap();
    assert_eq!(preview.state, PreviewState::Refused);
    assert_eq!(
        preview.hub_serial, None,
        "an unverified bundle's serial is not to be believed"
    );
    assert!(preview.refused_reason.is_some());
}

#[tokio::test]
async fn before_the_first_sync_the_bundle_is_compared_with_the_local_policy() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(&dir).await;
    std::fs::write(dir.path().join("config.yaml"), "policy: {min_score: 50}\n").unwrap();

    let preview = preview(&ctx, &FakeHub::serving(envelope(1, 61)))
        .await
        .unwrap();

    assert_eq!(preview.state, PreviewState::Newer);
    assert_eq!(
        (preview.current_serial, preview.hub_serial),
        (None, Some(1))
    );
    let changes: Vec<_> = preview
        .changes
        .iter()
        .map(|c| (c.id.as_str(), c.verdict_now, c.verdict_after))
        .collect();
    assert_eq!(
        changes,
        [("other", Verdict::Block, Verdict::Allow)],
        "without a catalog no score is known, so the local minimum blocks both; the bundle's \
         catalog gives `other` 90 and `db` 61, under the org's 70"
    );
    assert_eq!(preview.unchanged, 1);
    assert!(
        ctx.store
            .snapshots_newest_first(1)
            .await
            .unwrap()
            .is_empty()
    );
}
