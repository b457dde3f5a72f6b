use gatehouse_store::{AuditKind, ConfirmationKey, Error, ServerSource};
use time::Duration;

use crate::fixtures::{T0, event, new_store, server};

#[tokio::test]
async fn servers_round_trip_in_id_order() {
    let (_dir, store) = new_store().await;
    let mut memory = server("memory");
    memory.version = None;
    memory.source = ServerSource::Registry;
    memory.client = None;
    memory.args = vec![];
    memory.env_names = vec![];
    memory.bundle_digest = Some("sha256:0123".into());
    memory.created_at = T0 + Duration::milliseconds(1500);
    let fs = server("fs");
    store.add_server(&memory, None).await.unwrap();
    store.add_server(&fs, None).await.unwrap();

    assert_eq!(store.server("fs").await.unwrap(), Some(fs.clone()));
    assert_eq!(store.server("memory").await.unwrap(), Some(memory.clone()));
    assert_eq!(store.server("nope").await.unwrap(), None);
    assert_eq!(
        store.servers().await.unwrap(),
        [fs, memory],
        "ordered by id"
    );
}

#[tokio::test]
async fn a_duplicate_id_is_refused_and_its_event_not_recorded() {
    let (_dir, store) = new_store().await;
    store.add_server(&server("fs"), None).await.unwrap();
    let mut other = server("fs");
    other.command = "uvx".into();
    let installed = event(AuditKind::ServerInstalled, T0);
    match store.add_server(&other, Some(&installed)).await {
        Err(Error::DuplicateServer(id)) => assert_eq!(id, "fs"),
        other => panic!("expected DuplicateServer, got {other:?}"),
    }
    assert_eq!(
        store.server("fs").await.unwrap().unwrap().command,
        "npx",
        "first one kept"
    );
    assert_eq!(
        store.audit(None, 10).await.unwrap(),
        [],
        "no event for a failed add"
    );
    assert_eq!(store.pending_count().await.unwrap(), 0);
}

#[tokio::test]
async fn add_and_remove_record_their_events_with_the_change() {
    let (_dir, store) = new_store().await;
    let installed = event(AuditKind::ServerInstalled, T0);
    let removed = event(AuditKind::ServerRemoved, T0 + Duration::seconds(1));
    store
        .add_server(&server("fs"), Some(&installed))
        .await
        .unwrap();
    assert!(store.remove_server("fs", Some(&removed)).await.unwrap());
    assert_eq!(store.server("fs").await.unwrap(), None);
    assert_eq!(store.audit(None, 10).await.unwrap(), [installed, removed]);
    assert_eq!(
        store.pending_count().await.unwrap(),
        2,
        "both queued for the hub"
    );

    let again = event(AuditKind::ServerRemoved, T0 + Duration::seconds(2));
    assert!(
        !store.remove_server("fs", Some(&again)).await.unwrap(),
        "already gone"
    );
    assert_eq!(
        store.audit(None, 10).await.unwrap().len(),
        2,
        "nothing removed, nothing logged"
    );
}

#[tokio::test]
async fn removing_a_server_forgets_its_confirmations_only() {
    let (_dir, store) = new_store().await;
    store.add_server(&server("fs"), None).await.unwrap();
    let key = |id: &str| ConfirmationKey {
        server_id: id.into(),
        version: Some("1.2.3".into()),
        digest: None,
        rules_hash: "r1".into(),
    };
    store.remember_confirmation(&key("fs"), T0).await.unwrap();
    store
        .remember_confirmation(&key("other"), T0)
        .await
        .unwrap();
    store.remove_server("fs", None).await.unwrap();
    assert!(
        !store.has_confirmation(&key("fs")).await.unwrap(),
        "asked again if re-added"
    );
    assert!(store.has_confirmation(&key("other")).await.unwrap());
}

#[tokio::test]
async fn bundle_users_are_counted() {
    let (_dir, store) = new_store().await;
    for (id, digest) in [
        ("a", Some("sha256:1")),
        ("b", Some("sha256:1")),
        ("c", None),
    ] {
        let mut s = server(id);
        s.bundle_digest = digest.map(str::to_owned);
        store.add_server(&s, None).await.unwrap();
    }
    assert_eq!(store.servers_using_bundle("sha256:1").await.unwrap(), 2);
    assert_eq!(store.servers_using_bundle("sha256:2").await.unwrap(), 0);
    store.remove_server("a", None).await.unwrap();
    assert_eq!(store.servers_using_bundle("sha256:1").await.unwrap(), 1);
}

#[tokio::test]
async fn an_install_is_stored_with_its_server_and_removed_with_it() {
    let (_dir, store) = new_store().await;
    let mut installed = server("@acme/tool");
    installed.source = ServerSource::Registry;
    installed.bundle_digest = Some("sha256:bb".into());
    let install = gatehouse_store::Install {
        manifest_digest: "sha256:mm".into(),
        bundle_digest: "sha256:bb".into(),
        permissions: serde_json::json!({"network": ["api.acme.test"]}),
        registry_facts: serde_json::json!({"origin": "verified", "certification_level": 2}),
        installed_at: T0,
    };
    let tree = gatehouse_store::VerifiedTree {
        kind: gatehouse_store::TreeKind::Registry,
        name: "@acme/tool".into(),
        version: "1.0.0".into(),
        registry_type: None,
        artifact_sha256: "bb".into(),
        artifact: "/data/artifacts/bb.tar.gz".into(),
        root: "/data/bundles/bb".into(),
        files: vec![gatehouse_store::TreeFile {
            path: "server.js".into(),
            size: 12,
            hash: "aa".into(),
            stamp: None,
        }],
        recorded_at: T0,
        modified_at: None,
    };
    store
        .add_installed_server(
            &installed,
            Some(&install),
            Some(&tree),
            Some(&event(AuditKind::ServerInstalled, T0)),
        )
        .await
        .unwrap();
    assert_eq!(
        store.verified_tree("@acme/tool").await.unwrap(),
        Some(tree.clone()),
        "the record of its files is kept beside it"
    );
    assert_eq!(
        store
            .servers_using_artifact("/data/artifacts/bb.tar.gz")
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store.install("@acme/tool").await.unwrap(),
        Some(install.clone())
    );
    assert_eq!(store.servers_using_bundle("sha256:bb").await.unwrap(), 1);

    // A second install under the same id stores nothing: neither row nor event.
    let again = store
        .add_installed_server(
            &installed,
            Some(&install),
            Some(&tree),
            Some(&event(AuditKind::ServerInstalled, T0)),
        )
        .await;
    assert!(matches!(again, Err(Error::DuplicateServer(_))), "{again:?}");
    assert_eq!(store.audit(None, 10).await.unwrap().len(), 1);

    assert!(store.remove_server("@acme/tool", None).await.unwrap());
    assert_eq!(
        store.install("@acme/tool").await.unwrap(),
        None,
        "the install row goes with its server"
    );
    assert_eq!(
        store.verified_tree("@acme/tool").await.unwrap(),
        None,
        "so does the record of its files"
    );
    assert_eq!(store.servers_using_bundle("sha256:bb").await.unwrap(), 0);
}
