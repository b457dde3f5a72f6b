//! The policy bundle: 200 then 304, serials that follow the directory's content, across
//! edits, invalid edits and restarts.

use gatehouse_policy::Timestamp;
use reqwest::header::ETAG;

use crate::common::{ORG, TOKEN, TestHub, accept, payload_json};

#[tokio::test]
async fn a_bundle_is_signed_and_then_not_modified() {
    let hub = TestHub::start().await;
    let (etag, body) = hub.bundle_ok().await;
    assert!(
        etag.starts_with("\"1-") && etag.ends_with('"'),
        "a quoted etag with the serial: {etag}"
    );
    let bundle = accept(&body, &hub.trusted()).unwrap();
    assert_eq!((bundle.org.as_str(), bundle.serial), (ORG, 1));
    assert_eq!(bundle.max_offline_age_secs, Some(7 * 86_400));
    assert_eq!(
        bundle
            .org_policy
            .as_ref()
            .and_then(|rules| rules.min_cert_level()),
        Some(1)
    );
    assert_eq!(bundle.area_for(Some("@ACME/db"), None), Some("prod"));
    assert_eq!(bundle.catalog_entries.len(), 2);

    let unchanged = hub.bundle(Some(&etag)).await;
    assert_eq!(unchanged.status(), 304, "the client's etag is current");
    assert_eq!(unchanged.headers()[ETAG].to_str().unwrap(), etag);
    assert!(unchanged.bytes().await.unwrap().is_empty());

    let stale = hub.bundle(Some("\"0-0000000000000000\"")).await;
    assert_eq!(stale.status(), 200, "another etag gets the bundle");

    let with_device = hub
        .client
        .get(hub.api("policy-bundle?device=0f8fad5b-d9cb-469f-a165-70867728950e"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(
        with_device.status(),
        200,
        "the device parameter is accepted"
    );
}

#[tokio::test]
async fn an_edit_makes_the_next_serial_and_a_new_etag() {
    let hub = TestHub::start().await;
    let (etag1, body1) = hub.bundle_ok().await;
    let issued1 = payload_json(&body1)["issued_at"]
        .as_str()
        .unwrap()
        .to_owned();

    hub.write("policy/org.yaml", "min_cert_level: 2\n");
    let response = hub.bundle(Some(&etag1)).await;
    assert_eq!(
        response.status(),
        200,
        "the content changed: the old etag is stale"
    );
    let etag2 = response.headers()[ETAG].to_str().unwrap().to_owned();
    let bundle = accept(&response.bytes().await.unwrap(), &hub.trusted()).unwrap();
    assert_eq!(bundle.serial, 2);
    assert_ne!(etag2, etag1);
    assert_eq!(
        bundle
            .org_policy
            .as_ref()
            .and_then(|rules| rules.min_cert_level()),
        Some(2),
        "the edit is served"
    );
    assert!(
        Timestamp::parse_rfc3339(&issued1).unwrap() <= bundle.issued_at,
        "issued_at is when the serial was made"
    );

    // Same content in other words: key order and comments are not content.
    hub.write(
        "areas/prod.yaml",
        "# production\nservers: ['@acme/db']\npolicy: {min_cert_level: 2}\n",
    );
    assert_eq!(hub.bundle(Some(&etag2)).await.status(), 304);
    // Tokens are not in the bundle either.
    hub.write(
        "org.yaml",
        "org: test-org\nmax_offline_age: 7d\ntokens: [t0ken, another]\n",
    );
    assert_eq!(hub.bundle(Some(&etag2)).await.status(), 304);

    // Back to the first content: still a new serial, never an old one again.
    hub.write("policy/org.yaml", "min_cert_level: 1\n");
    let (etag3, body3) = hub.bundle_ok().await;
    assert_eq!(accept(&body3, &hub.trusted()).unwrap().serial, 3);
    assert_ne!(
        etag3, etag1,
        "the etag names the serial, not only the content"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_after_an_edit_make_one_serial() {
    let hub = TestHub::start().await;
    hub.bundle_ok().await;
    hub.write("policy/org.yaml", "min_cert_level: 2\n");
    let requests = (0..20).map(|_| {
        let request = hub.client.get(hub.api("policy-bundle")).bearer_auth(TOKEN);
        async move { request.send().await.unwrap() }
    });
    let mut serials = Vec::new();
    for response in futures_join(requests).await {
        let body = response.bytes().await.unwrap();
        serials.push(accept(&body, &hub.trusted()).unwrap().serial);
    }
    assert_eq!(
        serials,
        vec![2; 20],
        "one edit is one serial, however many ask at once"
    );
}

/// Runs the futures concurrently (spawned on the runtime) and returns their outputs in order.
async fn futures_join<F>(futures: impl Iterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut outputs = Vec::new();
    for handle in handles {
        outputs.push(handle.await.unwrap());
    }
    outputs
}

#[tokio::test]
async fn an_invalid_edit_keeps_the_last_good_bundle() {
    let hub = TestHub::start().await;
    let (etag, body) = hub.bundle_ok().await;

    hub.write("policy/org.yaml", "min_cert_level: 7\n");
    assert_eq!(
        hub.bundle(Some(&etag)).await.status(),
        304,
        "the invalid policy is not served: the client's bundle is still current"
    );
    let (same_etag, same_body) = hub.bundle_ok().await;
    assert_eq!(
        (same_etag, same_body),
        (etag.clone(), body),
        "byte for byte"
    );

    hub.write("policy/org.yaml", "min_cert_level: 3\n");
    let (_, fixed) = hub.bundle_ok().await;
    let bundle = accept(&fixed, &hub.trusted()).unwrap();
    assert_eq!(bundle.serial, 2, "the fixed directory is the next serial");
}

#[tokio::test]
async fn a_restart_keeps_the_serial_and_the_bytes() {
    let mut hub = TestHub::start().await;
    hub.write("policy/org.yaml", "min_cert_level: 2\n");
    let (etag, body) = hub.bundle_ok().await;
    assert_eq!(payload_json(&body)["serial"], 2);

    hub.restart().await;
    let (etag_after, body_after) = hub.bundle_ok().await;
    assert_eq!(
        etag_after, etag,
        "unchanged content keeps its serial and etag"
    );
    assert_eq!(
        payload_json(&body_after),
        payload_json(&body),
        "the same serial with other bytes would look like a rollback to the app"
    );
    assert_eq!(
        gatehouse_hub::Envelope::parse(&body_after).unwrap().payload,
        gatehouse_hub::Envelope::parse(&body).unwrap().payload
    );

    // Edited while stopped: the next serial, not 1 again.
    hub.restart().await;
    hub.write("policy/org.yaml", "min_cert_level: 3\n");
    hub.restart().await;
    let (_, edited) = hub.bundle_ok().await;
    assert_eq!(accept(&edited, &hub.trusted()).unwrap().serial, 3);
}

#[tokio::test]
async fn a_directory_that_fails_validation_does_not_start() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("org");
    let mut files = crate::common::FILES.to_vec();
    files.push(("servers.yaml", "'@acme/db': {cert_mode: strcit}\n"));
    crate::common::write_files(&dir, &files);
    let error =
        gatehouse_refhub::Hub::open(crate::common::config(&dir, &root.path().join("own"), false))
            .unwrap_err()
            .chain();
    assert!(
        error.contains("servers.yaml") && error.contains("cert_mode") && error.contains("strcit"),
        "the message names the file, the key and the value: {error}"
    );
}
