//! Every fault mode, over HTTP, checked with the app's own client-side code: each wrong
//! bundle is refused for exactly the reason the mode names, and the hub answers normally
//! once the fault is used up.

use std::time::{Duration, Instant};

use gatehouse_hub::{Envelope, Error as HubError, PinnedKey, TrustedKeys};
use reqwest::header::ETAG;
use serde_json::{Value, json};

use crate::common::{ORG, TOKEN, TestHub, accept, payload_json};

/// Queues one fault and checks the hub took it.
async fn queue(hub: &TestHub, request: Value) {
    let response = hub.fault(request.clone()).await;
    assert_eq!(response.status(), 200, "queued: {request}");
}

/// The next bundle response, which the queued fault answers: (status, etag, body).
async fn faulty_bundle(hub: &TestHub) -> (u16, String, Vec<u8>) {
    let response = hub.bundle(None).await;
    let status = response.status().as_u16();
    let etag = response
        .headers()
        .get(ETAG)
        .map(|value| value.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, etag, response.bytes().await.unwrap().to_vec())
}

/// After a fault the hub serves the real bundle again.
async fn back_to_normal(hub: &TestHub, serial: u64) {
    let (_, body) = hub.bundle_ok().await;
    assert_eq!(
        accept(&body, &hub.trusted()).unwrap().serial,
        serial,
        "the real bundle again"
    );
}

#[tokio::test]
async fn error_answers_that_status_count_times() {
    let hub = TestHub::start().await;
    queue(&hub, json!({"mode": "error", "count": 2})).await;
    queue(&hub, json!({"mode": "error", "status": 401})).await;
    for expected in [500, 500, 401] {
        let (status, _, body) = faulty_bundle(&hub).await;
        assert_eq!(status, expected);
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["error"], "fault_injected");
    }
    back_to_normal(&hub, 1).await;
}

#[tokio::test]
async fn hang_gives_no_answer_until_the_client_gives_up() {
    let hub = TestHub::start().await;
    queue(&hub, json!({"mode": "hang", "seconds": 60})).await;
    let started = Instant::now();
    let result = hub
        .client
        .get(hub.api("policy-bundle"))
        .bearer_auth(TOKEN)
        .timeout(Duration::from_millis(500))
        .send()
        .await;
    assert!(result.unwrap_err().is_timeout(), "no response at all");
    assert!(started.elapsed() >= Duration::from_millis(500));
    back_to_normal(&hub, 1).await;

    queue(&hub, json!({"mode": "hang", "seconds": 1})).await;
    let (status, _, _) = faulty_bundle(&hub).await;
    assert_eq!(status, 503, "a short hang ends in a 503");
}

#[tokio::test]
async fn stall_body_sends_headers_then_stops_then_cuts() {
    let hub = TestHub::start().await;
    queue(&hub, json!({"mode": "stall_body", "seconds": 60})).await;
    let response = hub.bundle(None).await;
    assert_eq!(response.status(), 200, "the headers arrive");
    let read = tokio::time::timeout(Duration::from_millis(500), response.bytes()).await;
    assert!(read.is_err(), "the body does not complete");

    queue(&hub, json!({"mode": "stall_body", "seconds": 1})).await;
    let response = hub.bundle(None).await;
    let started = Instant::now();
    let read = tokio::time::timeout(Duration::from_secs(10), response.bytes()).await;
    assert!(
        read.expect("the stall ends after a second").is_err(),
        "the connection is cut, the body never completes"
    );
    assert!(started.elapsed() >= Duration::from_millis(900));
    back_to_normal(&hub, 1).await;
}

#[tokio::test]
async fn malformed_and_malformed_payload_fail_to_parse() {
    let hub = TestHub::start().await;
    queue(&hub, json!({"mode": "malformed"})).await;
    let (status, etag, body) = faulty_bundle(&hub).await;
    assert_eq!((status, etag.as_str()), (200, "\"fault\""));
    assert!(matches!(Envelope::parse(&body), Err(HubError::Envelope(_))));

    queue(
        &hub,
        json!({"mode": "malformed", "body": "<html>proxy login</html>"}),
    )
    .await;
    let (_, _, body) = faulty_bundle(&hub).await;
    assert_eq!(body, b"<html>proxy login</html>");

    queue(&hub, json!({"mode": "malformed_payload"})).await;
    let (_, _, body) = faulty_bundle(&hub).await;
    let envelope = Envelope::parse(&body).unwrap();
    envelope.verify(&hub.trusted()).expect("signed correctly");
    assert!(matches!(
        accept(&body, &hub.trusted()),
        Err(HubError::Payload(_))
    ));
    back_to_normal(&hub, 1).await;
}

#[tokio::test]
async fn invalid_policy_is_signed_but_fails_validation() {
    let hub = TestHub::start().await;
    queue(&hub, json!({"mode": "invalid_policy"})).await;
    let (_, _, body) = faulty_bundle(&hub).await;
    Envelope::parse(&body)
        .unwrap()
        .verify(&hub.trusted())
        .expect("signed correctly");
    assert_eq!(
        payload_json(&body)["serial"],
        2,
        "a newer serial: only validation refuses it"
    );
    assert!(
        matches!(accept(&body, &hub.trusted()), Err(HubError::Policy { ref place, .. }) if place == "org_policy"),
        "refused for the policy"
    );
    back_to_normal(&hub, 1).await;
}

#[tokio::test]
async fn bad_signature_and_unknown_key_fail_verification() {
    let hub = TestHub::start().await;
    let (_, real) = hub.bundle_ok().await;

    queue(&hub, json!({"mode": "bad_signature"})).await;
    let (_, _, body) = faulty_bundle(&hub).await;
    assert_eq!(
        Envelope::parse(&body).unwrap().payload,
        Envelope::parse(&real).unwrap().payload,
        "the real payload: only the signature is wrong"
    );
    assert!(matches!(
        accept(&body, &hub.trusted()),
        Err(HubError::BadSignature(_))
    ));

    queue(&hub, json!({"mode": "unknown_key"})).await;
    let (_, _, body) = faulty_bundle(&hub).await;
    assert_eq!(Envelope::parse(&body).unwrap().key_id, "unknown-key");
    assert!(matches!(
        accept(&body, &hub.trusted()),
        Err(HubError::UnknownKey(_))
    ));
    let any_id = TrustedKeys(vec![PinnedKey {
        key_id: None,
        ..hub.trusted().0[0].clone()
    }]);
    assert!(
        matches!(accept(&body, &any_id), Err(HubError::BadSignature(_))),
        "another key signed it: a key pinned without an id refuses it too"
    );

    queue(
        &hub,
        json!({"mode": "unknown_key", "key_id": "hub-2027-01"}),
    )
    .await;
    let (_, _, body) = faulty_bundle(&hub).await;
    assert_eq!(Envelope::parse(&body).unwrap().key_id, "hub-2027-01");
    back_to_normal(&hub, 1).await;
}

#[tokio::test]
async fn serial_and_org_faults_are_valid_bundles_the_app_must_refuse() {
    let hub = TestHub::start().await;
    hub.write("policy/org.yaml", "min_cert_level: 2\n");
    hub.write("policy/org.yaml", "min_cert_level: 3\n");
    let (_, real) = hub.bundle_ok().await;
    let current = accept(&real, &hub.trusted()).unwrap();
    // Two edits, but the hub only publishes what it is asked for: serial 2.
    assert_eq!(current.serial, 2);

    queue(&hub, json!({"mode": "lower_serial"})).await;
    let (_, _, body) = faulty_bundle(&hub).await;
    let lower = accept(&body, &hub.trusted()).expect("valid and signed");
    assert_eq!((lower.serial, lower.org.as_str()), (1, ORG));

    queue(&hub, json!({"mode": "lower_serial", "serial": 0})).await;
    let (_, _, body) = faulty_bundle(&hub).await;
    assert_eq!(accept(&body, &hub.trusted()).unwrap().serial, 0);

    queue(&hub, json!({"mode": "same_serial"})).await;
    let (_, _, body) = faulty_bundle(&hub).await;
    let same = accept(&body, &hub.trusted()).expect("valid and signed");
    assert_eq!(same.serial, current.serial);
    assert_ne!(
        Envelope::parse(&body).unwrap().payload,
        Envelope::parse(&real).unwrap().payload,
        "the same serial with other bytes"
    );

    queue(&hub, json!({"mode": "other_org"})).await;
    let (_, _, body) = faulty_bundle(&hub).await;
    let other = accept(&body, &hub.trusted()).expect("valid and signed");
    assert_eq!((other.org.as_str(), other.serial), ("test-org-other", 3));

    queue(&hub, json!({"mode": "other_org", "org": "globex"})).await;
    let (_, _, body) = faulty_bundle(&hub).await;
    assert_eq!(accept(&body, &hub.trusted()).unwrap().org, "globex");
    back_to_normal(&hub, 2).await;
}

#[tokio::test]
async fn faults_apply_to_other_endpoints_and_replace_their_work() {
    let hub = TestHub::start().await;
    queue(
        &hub,
        json!({"mode": "error", "status": 503, "target": "audit"}),
    )
    .await;
    let batch = json!({"events": [{"id": "0f8fad5b-d9cb-469f-a165-70867728950e"}]});
    let post = || {
        hub.client
            .post(hub.api("audit"))
            .bearer_auth(TOKEN)
            .json(&batch)
            .send()
    };
    assert_eq!(post().await.unwrap().status(), 503);
    assert!(
        hub.hub.audit_events().unwrap().is_empty(),
        "a faulty answer stores nothing"
    );
    let retried: Value = post().await.unwrap().json().await.unwrap();
    assert_eq!(retried, json!({"accepted": 1, "duplicates": 0, "gaps": []}));

    queue(&hub, json!({"mode": "malformed", "target": "servers"})).await;
    let search = hub
        .client
        .get(hub.api("servers"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert!(search.json::<Value>().await.is_err());

    queue(&hub, json!({"mode": "error", "target": "keys"})).await;
    let keys = hub.client.get(hub.api("keys")).send().await.unwrap();
    assert_eq!(keys.status(), 500);

    assert_eq!(
        hub.bundle(None).await.status(),
        200,
        "the bundle had no fault queued"
    );
}

#[tokio::test]
async fn the_fault_routes_list_clear_and_refuse_bad_requests() {
    let hub = TestHub::start().await;
    queue(&hub, json!({"mode": "error", "count": 3})).await;
    let listed: Value = hub
        .client
        .get(format!("{}/__faults", hub.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        listed,
        json!({"queued": [{"target": "policy-bundle", "remaining": 3, "mode": "error", "status": 500}]})
    );
    let cleared: Value = hub
        .client
        .delete(format!("{}/__faults", hub.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(cleared, json!({"cleared": 1}));
    back_to_normal(&hub, 1).await;

    for bad in [
        json!({"mode": "explode"}),
        json!({"mode": "bad_signature", "target": "audit"}),
        json!({"mode": "error", "seconds": 3}),
        json!({"mode": "error", "count": 0}),
    ] {
        let response = hub.fault(bad.clone()).await;
        assert_eq!(response.status(), 400, "{bad}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "bad_request");
    }
    assert!(hub.hub.faults().list().is_empty());
}

#[tokio::test]
async fn without_the_flag_there_are_no_fault_routes() {
    let hub = TestHub::with_files(crate::common::FILES, false).await;
    let response = hub.fault(json!({"mode": "error"})).await;
    assert_eq!(response.status(), 404);
    let audit = hub
        .client
        .get(format!("{}/__audit", hub.url))
        .send()
        .await
        .unwrap();
    assert_eq!(audit.status(), 404);
    assert_eq!(hub.bundle(None).await.status(), 200);
}
