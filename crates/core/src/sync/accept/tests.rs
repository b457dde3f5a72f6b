//! `accept` tells the notifier and the audit log about each server a stored snapshot made
//! worse, once, and nothing when there was no snapshot before or nothing got worse.

use ed25519_dalek::SigningKey;
use gatehouse_store::AuditKind;
use serde_json::{Value, json};

use super::*;
use crate::error::ErrorCode;
use crate::ports::RecordingNotifier;

fn key() -> SigningKey {
    SigningKey::from_bytes(&[9; 32])
}

/// A signed bundle where `@acme/db` 1.0.0 scores `score` under an org minimum of 70.
fn envelope(serial: u64, score: u8, extra: &[Value]) -> Vec<u8> {
    let mut catalog = vec![
        json!({"name": "@acme/db", "version": "1.0.0", "digest": crate::test_support::CERTIFIED, "origin": "verified",
        "cert_level": 2, "score": score, "status": "published"}),
    ];
    catalog.extend(extra.iter().cloned());
    let payload = json!({
        "schema": 1, "org": "acme", "serial": serial, "issued_at": "2026-11-20T10:00:00Z",
        "org_policy": {"min_score": 70}, "catalog": catalog,
    });
    crate::test_support::signed(&payload, &key())
}

async fn context(dir: &tempfile::TempDir) -> Context {
    let ctx = crate::test_support::following_acme(dir, &key()).await;
    let digest = crate::test_support::CERTIFIED;
    crate::test_support::add_installed(&ctx, "db", "@acme/db", "1.0.0", digest).await;
    ctx
}

async fn dropped(ctx: &Context) -> Vec<gatehouse_store::AuditEvent> {
    let events = ctx.store.audit(None, 1000).await.unwrap();
    events
        .into_iter()
        .filter(|event| event.kind == AuditKind::ServerDropped)
        .collect()
}

#[tokio::test]
async fn each_worse_server_is_told_once_and_nothing_else_is() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(&dir).await;
    let notifier = RecordingNotifier::default();

    accept(&ctx, &envelope(1, 84, &[]), None, &notifier)
        .await
        .unwrap();
    assert!(
        notifier.sent().is_empty(),
        "no snapshot before: nothing to compare"
    );

    accept(&ctx, &envelope(2, 61, &[]), None, &notifier)
        .await
        .unwrap();
    let sent = notifier.sent();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].title, "@acme/db is now blocked");
    assert_eq!(sent[0].server_id, "db");
    let events = dropped(&ctx).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].server.as_deref(), Some("@acme/db"));
    assert_eq!(events[0].verdict.as_deref(), Some("block"));
    assert_eq!(events[0].codes, vec!["score_below_min".to_owned()]);
    let detail = events[0].detail.clone().unwrap();
    assert_eq!(
        (detail["old_score"].clone(), detail["new_score"].clone()),
        (json!(84), json!(61))
    );

    let same = accept(&ctx, &envelope(2, 61, &[]), None, &notifier)
        .await
        .unwrap();
    assert!(matches!(same, Accepted::Unchanged { .. }));
    let unrelated = json!({"name": "@other/x", "version": "1.0.0", "score": 5});
    accept(&ctx, &envelope(3, 61, &[unrelated]), None, &notifier)
        .await
        .unwrap();
    assert_eq!(notifier.sent().len(), 1, "nothing changed for the server");
    assert_eq!(dropped(&ctx).await.len(), 1);
}

/// The `policy_rejected` events' codes, oldest first.
async fn rejection_codes(ctx: &Context) -> Vec<String> {
    let events = ctx.store.audit(None, 1000).await.unwrap();
    events
        .into_iter()
        .filter(|event| event.kind == AuditKind::PolicyRejected)
        .map(|event| event.detail.unwrap_or_default()["code"].to_string())
        .collect()
}

#[tokio::test]
async fn each_kind_of_refusal_keeps_its_code_to_the_audit_log() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(&dir).await;
    let notifier = RecordingNotifier::default();
    accept(&ctx, &envelope(5, 84, &[]), None, &notifier)
        .await
        .unwrap();
    let payload = |org: &str, serial: u64| json!({"schema": 1, "org": org, "serial": serial, "issued_at": "2026-11-20T10:00:00Z"});
    let mut garbled: Value = serde_json::from_slice(&envelope(6, 84, &[])).unwrap();
    garbled["signature"] = json!("not base64!");
    let mut unknown: Value =
        serde_json::from_slice(&crate::test_support::signed(&payload("acme", 6), &key())).unwrap();
    unknown["key_id"] = json!("k9");
    let cases: [(Vec<u8>, ErrorCode); 5] = [
        (garbled.to_string().into_bytes(), ErrorCode::BundleInvalid),
        (
            crate::test_support::signed(&payload("acme", 6), &SigningKey::from_bytes(&[1; 32])),
            ErrorCode::BundleForged,
        ),
        (
            unknown.to_string().into_bytes(),
            ErrorCode::BundleUnknownKey,
        ),
        (
            crate::test_support::signed(&payload("other", 6), &key()),
            ErrorCode::BundleOtherOrg,
        ),
        (envelope(4, 84, &[]), ErrorCode::BundleRollback),
    ];
    for (body, code) in &cases {
        let error = accept(&ctx, body, None, &notifier).await.unwrap_err();
        assert_eq!(error.code(), *code, "{error}");
    }
    let wanted: Vec<String> = cases
        .iter()
        .map(|(_, code)| format!("\"{}\"", code.as_str()))
        .collect();
    assert_eq!(
        rejection_codes(&ctx).await,
        wanted,
        "the audit log tells a forgery from a rollback or another organization"
    );
}

#[tokio::test]
async fn old_snapshots_are_pruned_and_the_one_in_force_stays() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(&dir).await;
    let notifier = RecordingNotifier::default();
    for serial in 1..=9 {
        accept(&ctx, &envelope(serial, 84, &[]), None, &notifier)
            .await
            .unwrap();
    }
    let kept = ctx.store.snapshots_newest_first(100).await.unwrap();
    let serials: Vec<u64> = kept.iter().map(|snapshot| snapshot.serial).collect();
    assert_eq!(
        serials,
        vec![9, 8, 7, 6, 5],
        "the one in force and the four before it are kept, older payloads go"
    );
    let sources = ctx
        .policy_sources(crate::policy::Scope::OneServer)
        .await
        .unwrap();
    assert_eq!(sources.hub.map(|hub| hub.serial), Some(9));
}

#[tokio::test]
async fn a_bundle_another_sync_stored_first_is_current_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(&dir).await;
    let body = envelope(1, 84, &[]);
    let (envelope, bundle) = check(&ctx, &body).await.unwrap();
    let snapshot = NewSnapshot {
        org: bundle.org.clone(),
        serial: bundle.serial,
        key_id: envelope.key_id.clone(),
        payload: envelope.payload.clone(),
        signature: envelope.signature.clone(),
        etag: None,
        fetched_at: ctx.clock.now(),
    };
    // The other process wins the race: its row is in before ours is written.
    let event = ctx.event(AuditKind::PolicySynced);
    ctx.store.store_snapshot(&snapshot, &event).await.unwrap();
    let ours = ctx.event(AuditKind::PolicySynced);
    let outcome = insert(&ctx, &snapshot, &ours, &bundle).await.unwrap();
    assert!(
        matches!(outcome, Some(Accepted::Unchanged { serial: 1, .. })),
        "{outcome:?}"
    );

    // Other bytes under the same serial are still refused.
    let other = envelope_with_other_bytes(&ctx).await;
    assert!(
        insert(
            &ctx,
            &other.0,
            &ctx.event(AuditKind::PolicySynced),
            &other.1
        )
        .await
        .is_err()
    );
}

async fn envelope_with_other_bytes(ctx: &Context) -> (NewSnapshot, Bundle) {
    let body = envelope(1, 50, &[]);
    let (envelope, bundle) = check(ctx, &body).await.unwrap();
    (
        NewSnapshot {
            org: bundle.org.clone(),
            serial: bundle.serial,
            key_id: envelope.key_id,
            payload: envelope.payload,
            signature: envelope.signature,
            etag: None,
            fetched_at: ctx.clock.now(),
        },
        bundle,
    )
}
