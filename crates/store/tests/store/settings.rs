use gatehouse_store::Store;

use crate::fixtures::{db_path, new_store};

#[tokio::test]
async fn settings_round_trip_overwrite_and_remove() {
    let (_dir, store) = new_store().await;
    assert_eq!(store.setting("org").await.unwrap(), None);
    store.set_setting("org", "acme-corp").await.unwrap();
    store.set_setting("org", "acme").await.unwrap();
    assert_eq!(
        store.setting("org").await.unwrap().as_deref(),
        Some("acme"),
        "last write wins"
    );
    assert!(store.remove_setting("org").await.unwrap());
    assert!(
        !store.remove_setting("org").await.unwrap(),
        "already removed"
    );
    assert_eq!(store.setting("org").await.unwrap(), None);
}

#[tokio::test]
async fn device_id_is_made_once_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let store = Store::open(&path).await.unwrap();
    let first = store.device_id().await.unwrap();
    assert_eq!(store.device_id().await.unwrap(), first);
    assert_eq!(
        store.setting("device_id").await.unwrap(),
        Some(first.to_string()),
        "kept among the settings"
    );
    store.close().await;
    let store = Store::open(&path).await.unwrap();
    assert_eq!(store.device_id().await.unwrap(), first, "survives a reopen");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn handles_racing_for_a_device_id_agree() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    Store::open(&path).await.unwrap().close().await;
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let path = path.clone();
        tasks.push(tokio::spawn(async move {
            Store::open(&path).await.unwrap().device_id().await.unwrap()
        }));
    }
    let mut ids = Vec::new();
    for task in tasks {
        ids.push(task.await.unwrap());
    }
    assert!(ids.windows(2).all(|w| w[0] == w[1]), "one winner: {ids:?}");
}

#[tokio::test]
async fn a_prefix_finds_exactly_its_family_of_keys() {
    let (_dir, store) = new_store().await;
    for (key, value) in [
        ("last_tools/b", "2"),
        ("last_tools/a", "1"),
        ("last_tools", "not in the family"),
        ("last_toolsX", "nor this"),
        ("org", "acme"),
        ("last_tools_%/x", "% is not a wildcard"),
    ] {
        store.set_setting(key, value).await.unwrap();
    }
    let found = store.settings_with_prefix("last_tools/").await.unwrap();
    assert_eq!(
        found,
        vec![
            ("last_tools/a".to_owned(), "1".to_owned()),
            ("last_tools/b".to_owned(), "2".to_owned()),
        ],
        "only keys starting with the prefix, in key order"
    );
    assert_eq!(
        store
            .settings_with_prefix("last_tools_%")
            .await
            .unwrap()
            .len(),
        1,
        "the prefix is matched literally"
    );
}

#[tokio::test]
async fn settings_among_reads_exactly_the_keys_asked_for_in_one_go() {
    let (_dir, store) = new_store().await;
    for (key, value) in [("hub_url", "https://hub"), ("area", "prod"), ("other", "x")] {
        store.set_setting(key, value).await.unwrap();
    }
    let found = store
        .settings_among(&["hub_url", "area", "organization", "\"quoted\""])
        .await
        .unwrap();
    assert_eq!(
        found.len(),
        2,
        "unset keys are absent, others are not read: {found:?}"
    );
    assert_eq!(found["hub_url"], "https://hub");
    assert_eq!(found["area"], "prod");
}
