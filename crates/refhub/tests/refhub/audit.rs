//! Audit intake (B2): idempotent by event id, validated whole, stored in the hub's file.

use serde_json::{Value, json};

use crate::common::{TOKEN, TestHub};

const A: &str = "0f8fad5b-d9cb-469f-a165-70867728950e";
const B: &str = "7c9e6679-7425-40de-944b-e07fc1f90ae7";

fn event(id: &str, kind: &str) -> Value {
    json!({"id": id, "time": "2026-11-20T10:00:00Z", "device": "d1", "user": "ana",
           "kind": kind, "server": "@acme/db", "version": "1.0.0", "verdict": "allow"})
}

async fn post(hub: &TestHub, body: &Value) -> (u16, Value) {
    let response = hub
        .client
        .post(hub.api("audit"))
        .bearer_auth(TOKEN)
        .json(body)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn resending_a_batch_stores_each_event_once() {
    let mut hub = TestHub::start().await;
    let batch = json!({"events": [event(A, "launch_allowed"), event(B, "launch_blocked")]});
    assert_eq!(
        post(&hub, &batch).await,
        (200, json!({"accepted": 2, "duplicates": 0, "gaps": []}))
    );
    assert_eq!(
        post(&hub, &batch).await,
        (200, json!({"accepted": 0, "duplicates": 2, "gaps": []})),
        "a retry after a lost answer is safe"
    );
    let mixed = json!({"events": [event(&A.to_uppercase(), "launch_allowed"),
                                  event("11111111-2222-4333-8444-555555555555", "policy_synced")]});
    assert_eq!(
        post(&hub, &mixed).await,
        (200, json!({"accepted": 1, "duplicates": 1, "gaps": []})),
        "ids compare as uuids"
    );
    assert_eq!(
        post(&hub, &json!({"events": []})).await,
        (200, json!({"accepted": 0, "duplicates": 0, "gaps": []}))
    );

    let stored = hub.hub.audit_events().unwrap();
    assert_eq!(stored.len(), 3);
    assert_eq!(stored[0], event(A, "launch_allowed"), "stored as received");

    hub.restart().await;
    assert_eq!(
        hub.hub.audit_events().unwrap().len(),
        3,
        "kept in the state file"
    );
    assert_eq!(
        post(&hub, &batch).await,
        (200, json!({"accepted": 0, "duplicates": 2, "gaps": []})),
        "and still known after a restart"
    );
    let over_http: Value = hub
        .client
        .get(format!("{}/__audit", hub.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(over_http["events"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn a_malformed_batch_is_400_and_stores_nothing() {
    let hub = TestHub::start().await;
    let cases = [
        json!([]),
        json!({"events": "none"}),
        json!({"events": [event(A, "launch_allowed"), {"kind": "no id"}]}),
        json!({"events": [event(A, "launch_allowed"), event("not-a-uuid", "x")]}),
        json!({"events": [event(A, "launch_allowed"), 42]}),
        json!({"events": [], "more": true}),
    ];
    for case in cases {
        let (status, body) = post(&hub, &case).await;
        assert_eq!(status, 400, "{case}");
        assert_eq!(body["error"], "bad_request", "{case}");
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    let not_json = hub
        .client
        .post(hub.api("audit"))
        .bearer_auth(TOKEN)
        .body("{\"events\": [")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), 400);
    assert!(
        hub.hub.audit_events().unwrap().is_empty(),
        "the valid event of a refused batch is not stored"
    );
}

#[tokio::test]
async fn an_oversized_body_is_refused_with_the_error_shape() {
    let hub = TestHub::start().await;
    let body = vec![b' '; gatehouse_refhub::BODY_LIMIT + 1];
    let response = hub
        .client
        .post(hub.api("audit"))
        .bearer_auth(TOKEN)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "payload_too_large");
}
