use gatehouse_store::{AuditKind, ConfirmationKey, ServerSource, Wiring};

use crate::fixtures::{T0, event, new_store, server};

fn wiring(client: &str, id: &str, secret_env: &[&str]) -> Wiring {
    Wiring {
        client: client.into(),
        config_path: format!("/home/ana/.{client}/mcp.json"),
        entry_path: vec!["mcpServers".into(), id.into()],
        server_id: id.into(),
        restore: r#"{"command": "\"npx\""}"#.into(),
        secret_env: secret_env.iter().map(|s| (*s).to_owned()).collect(),
        launch_digest: "sha256:00".into(),
        wired_at: T0,
    }
}

#[tokio::test]
async fn a_client_server_lives_as_long_as_one_of_its_wirings() {
    let (_dir, store) = new_store().await;
    let mut github = server("github");
    github.source = ServerSource::Client;
    let cursor = wiring("cursor", "github", &["GITHUB_TOKEN"]);
    let zed = wiring("zed", "github", &["OTHER_KEY"]);
    let wired = event(AuditKind::ServerInstalled, T0);
    store
        .add_wiring(&cursor, Some(&github), Some(&wired))
        .await
        .unwrap();
    store.add_wiring(&zed, None, None).await.unwrap();
    assert_eq!(
        store.wirings().await.unwrap(),
        [cursor.clone(), zed.clone()]
    );
    assert_eq!(
        store.secret_env("github").await.unwrap(),
        ["GITHUB_TOKEN", "OTHER_KEY"],
        "the keyring names of every entry of the server"
    );
    let key = ConfirmationKey {
        server_id: "github".into(),
        version: None,
        digest: None,
        rules_hash: "r".into(),
    };
    store.remember_confirmation(&key, T0).await.unwrap();

    assert!(!store.remove_wiring(&cursor, None).await.unwrap());
    assert!(
        store.server("github").await.unwrap().is_some(),
        "Zed still runs it"
    );
    assert!(store.remove_wiring(&zed, None).await.unwrap());
    assert_eq!(store.server("github").await.unwrap(), None);
    assert!(
        !store.has_confirmation(&key).await.unwrap(),
        "an entry wired again later is asked about again"
    );
    assert!(store.secret_env("github").await.unwrap().is_empty());
}

#[tokio::test]
async fn a_manual_server_outlives_the_wirings_that_point_at_it() {
    let (_dir, store) = new_store().await;
    let mut fs = server("fs");
    fs.source = ServerSource::Manual;
    store.add_server(&fs, None).await.unwrap();
    let cursor = wiring("cursor", "fs", &[]);
    store.add_wiring(&cursor, None, None).await.unwrap();
    assert!(!store.remove_wiring(&cursor, None).await.unwrap());
    assert!(store.server("fs").await.unwrap().is_some());
}
