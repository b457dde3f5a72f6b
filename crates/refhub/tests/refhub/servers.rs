//! Catalog search (B3): `{"servers": [...]}`, the bundle's own catalog objects.

use serde_json::Value;

use crate::common::{TOKEN, TestHub, payload_json};

async fn search(hub: &TestHub, query: &str) -> Value {
    let response = hub
        .client
        .get(hub.api(&format!("servers{query}")))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

fn names(found: &Value) -> Vec<&str> {
    found["servers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["name"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn search_matches_name_or_description_ignoring_case() {
    let hub = TestHub::start().await;
    assert_eq!(names(&search(&hub, "?q=DB").await), ["@acme/db"]);
    assert_eq!(
        names(&search(&hub, "?q=files").await),
        ["@acme/files"],
        "description: 'Reads FILES'"
    );
    assert_eq!(
        names(&search(&hub, "?q=%40acme").await),
        ["@acme/db", "@acme/files"]
    );
    assert_eq!(
        names(&search(&hub, "?q=nothing-like-it").await),
        Vec::<&str>::new()
    );
    assert_eq!(
        names(&search(&hub, "").await).len(),
        2,
        "no query lists the catalog"
    );
    assert_eq!(names(&search(&hub, "?q=").await).len(), 2);
}

#[tokio::test]
async fn search_results_are_the_catalog_objects_of_the_bundle() {
    let hub = TestHub::start().await;
    let (_, body) = hub.bundle_ok().await;
    let catalog = payload_json(&body)["catalog"].clone();
    assert_eq!(search(&hub, "").await["servers"], catalog);

    hub.write(
        "catalog.yaml",
        "- {name: '@acme/new', version: '0.1.0', status: deprecated}\n",
    );
    assert_eq!(
        names(&search(&hub, "").await),
        ["@acme/new"],
        "an edit is searched at once"
    );
    let found = search(&hub, "?q=new").await;
    assert_eq!(
        found["servers"][0]["status"], "deprecated",
        "deprecated entries are listed"
    );
}
