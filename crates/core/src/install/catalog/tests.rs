//! The install screen's search: signed facts win over the hub's answer, the signed catalog
//! answers offline, and each entry says whether and why it cannot be installed.

use ed25519_dalek::SigningKey;
use gatehouse_hub::ClientError;
use serde_json::{Value, json};

use super::*;
use crate::ports::RecordingNotifier;
use crate::test_support::CERTIFIED;

/// The hub's search answer, or a network failure for `None`.
struct FakeHub(Option<Vec<Value>>);

impl CatalogPort for FakeHub {
    async fn search_catalog(
        &self,
        org: &str,
        _query: &str,
    ) -> std::result::Result<Vec<Value>, ClientError> {
        assert_eq!(org, "acme", "the configured organization is asked");
        self.0
            .clone()
            .ok_or_else(|| ClientError::Network("connection refused".to_owned()))
    }
}

fn key() -> SigningKey {
    SigningKey::from_bytes(&[5; 32])
}

/// Signed: `@acme/db` 1.0.0 (score 84, registry) and `@acme/old` 0.9.0 (revoked), under an
/// org minimum score of 70.
fn envelope() -> Vec<u8> {
    let payload = json!({
        "schema": 1, "org": "acme", "serial": 1, "issued_at": "2026-11-20T10:00:00Z",
        "org_policy": {"min_score": 70},
        "catalog": [
            {"name": "@acme/db", "version": "1.0.0", "digest": CERTIFIED, "origin": "verified", "cert_level": 2,
             "score": 84, "status": "published", "description": "SQL for Acme",
             "install": {"registry": true}},
            {"name": "@acme/old", "version": "0.9.0", "digest": CERTIFIED, "origin": "verified", "cert_level": 2,
             "score": 90, "status": "revoked", "install": {"registry": true}},
        ],
    });
    crate::test_support::signed(&payload, &key())
}

async fn context(dir: &tempfile::TempDir) -> Context {
    let ctx = crate::test_support::following_acme(dir, &key()).await;
    crate::sync::accept::accept(&ctx, &envelope(), None, &RecordingNotifier::default())
        .await
        .unwrap();
    ctx
}

fn find<'a>(search: &'a CatalogSearch, name: &str) -> &'a CatalogEntryView {
    search
        .entries
        .iter()
        .find(|entry| entry.name == name)
        .unwrap_or_else(|| panic!("{name} is listed: {search:?}"))
}

#[tokio::test]
async fn the_signed_facts_are_shown_where_the_signed_catalog_has_them() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(&dir).await;
    let hub = FakeHub(Some(vec![
        // The hub's unsigned answer claims more than the signed catalog says.
        json!({"name": "@acme/db", "version": "1.0.0", "origin": "official", "cert_level": 3,
               "score": 99, "status": "published", "install": {"registry": true}}),
        json!({"name": "@acme/new", "version": "0.1.0", "origin": "community", "cert_level": 1,
               "score": 40, "status": "published", "install": {"registry": true}}),
        json!({"name": "@acme/listed-only", "version": "1.0.0", "origin": "verified",
               "cert_level": 2, "score": 80, "status": "published"}),
        json!({"description": "no name: nothing to show or install"}),
    ]));
    let search = search(&ctx, Ok(&hub), "").await.unwrap();
    assert_eq!((search.source.as_str(), &search.problem), ("hub", &None));
    assert_eq!(search.entries.len(), 3, "{search:?}");

    let db = find(&search, "@acme/db");
    assert!(db.signed);
    assert_eq!(db.standing, Standing::Verified);
    assert_eq!(
        (db.origin.name(), db.cert_level, db.score),
        ("verified", Some(2), Some(84)),
        "the signed facts, not the hub's claims"
    );
    assert_eq!(db.verdict, Verdict::Allow);
    assert_eq!(db.package, "@acme/db@1.0.0");
    assert_eq!(db.not_installable, None);

    let new = find(&search, "@acme/new");
    assert!(!new.signed, "the signed catalog does not list it yet");
    assert_eq!(
        new.score,
        Some(40),
        "the hub's unsigned answer, shown as such"
    );
    assert_eq!(
        new.standing,
        Standing::Unbound,
        "nothing certifies its bytes"
    );
    assert_eq!(
        new.verdict,
        Verdict::Block,
        "judged as its install would be: the unsigned score is never used"
    );
    assert_eq!(
        new.violations[0].code.name(),
        "score_unknown",
        "{:?}",
        new.violations
    );
    assert_eq!(
        new.not_installable.as_deref(),
        Some("Your organization's policy blocks it.")
    );

    let listed = find(&search, "@acme/listed-only");
    assert_eq!(
        listed.not_installable.as_deref(),
        Some("Your organization's registry does not offer it for install.")
    );
}

#[tokio::test]
async fn offline_the_signed_catalog_is_searched_by_name_and_description() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(&dir).await;
    let search = search(&ctx, Ok(&FakeHub(None)), "sql").await.unwrap();
    assert_eq!(search.source.as_str(), "cached");
    assert!(
        search
            .problem
            .as_deref()
            .is_some_and(|p| p.contains("connection refused")),
        "{search:?}"
    );
    let names: Vec<_> = search.entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["@acme/db"], "matched on its description, any case");

    let all = search_all_without_client(&ctx).await;
    assert_eq!(all.source.as_str(), "cached");
    assert_eq!(all.problem.as_deref(), Some("no token"));
    let old = find(&all, "@acme/old");
    assert_eq!(
        old.not_installable.as_deref(),
        Some("This version is revoked.")
    );
}

async fn search_all_without_client(ctx: &Context) -> CatalogSearch {
    search(ctx, Err::<&FakeHub, _>("no token".to_owned()), "")
        .await
        .unwrap()
}

#[tokio::test]
async fn a_registered_server_shows_its_installed_version() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(&dir).await;
    crate::test_support::add_installed(&ctx, "db", "@ACME/db", "0.9.0", CERTIFIED).await;
    let search = search(&ctx, Ok(&FakeHub(None)), "").await.unwrap();
    assert_eq!(
        find(&search, "@acme/db").installed_version.as_deref(),
        Some("0.9.0")
    );
    assert_eq!(find(&search, "@acme/old").installed_version, None);
}

#[tokio::test]
async fn with_no_hub_there_is_nothing_to_search() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = crate::test_support::context_in(&dir).await;
    let search = search(&ctx, Err::<&FakeHub, _>("not set up".to_owned()), "")
        .await
        .unwrap();
    assert_eq!(search.source.as_str(), "none");
    assert!(search.entries.is_empty());
}
