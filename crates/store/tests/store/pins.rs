use std::collections::BTreeMap;

use crate::fixtures::{T0, new_store};

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[tokio::test]
async fn first_pin_wins_until_replaced() {
    let (_dir, store) = new_store().await;
    let key = "fs|1.2.3|npx -y fs@1.2.3";
    assert_eq!(store.tool_pins(key).await.unwrap(), map(&[]));

    let first = [("read_file", "h1"), ("write_file", "h2")];
    assert_eq!(store.pin_tools(key, &first, T0).await.unwrap(), 2);
    assert_eq!(store.tool_pins(key).await.unwrap(), map(&first));

    // A changed definition must not be pinned silently; a new tool is.
    let later = [("read_file", "CHANGED"), ("list_dir", "h3")];
    assert_eq!(
        store.pin_tools(key, &later, T0).await.unwrap(),
        1,
        "only list_dir is new"
    );
    assert_eq!(
        store.tool_pins(key).await.unwrap(),
        map(&[
            ("read_file", "h1"),
            ("write_file", "h2"),
            ("list_dir", "h3")
        ])
    );

    // The user accepted the change: re-pin read_file, keep the others.
    let accepted = [("read_file".to_string(), "CHANGED".to_string())];
    assert_eq!(store.replace_pins(key, &accepted, T0).await.unwrap(), 1);
    assert_eq!(
        store.tool_pins(key).await.unwrap(),
        map(&[
            ("read_file", "CHANGED"),
            ("write_file", "h2"),
            ("list_dir", "h3")
        ])
    );
}

#[tokio::test]
async fn pins_are_kept_per_launch_key() {
    let (_dir, store) = new_store().await;
    store
        .pin_tools("time|UTC", &[("now", "a")], T0)
        .await
        .unwrap();
    store
        .pin_tools("time|Europe/Paris", &[("now", "b")], T0)
        .await
        .unwrap();
    assert_eq!(
        store.tool_pins("time|UTC").await.unwrap(),
        map(&[("now", "a")])
    );
    assert_eq!(
        store.tool_pins("time|Europe/Paris").await.unwrap(),
        map(&[("now", "b")])
    );
}
