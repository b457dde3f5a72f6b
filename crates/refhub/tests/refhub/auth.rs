//! Tokens and orgs: every route but `keys` needs a token; an org the hub does not serve is
//! 404; error bodies have the shape of HUB_API.md.

use gatehouse_refhub::Target;
use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{FILES, ORG, TOKEN, TestHub, write_files};

async fn error_body(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn keys_need_no_token_and_serve_the_signing_key() {
    let hub = TestHub::start().await;
    let keys: Value = hub
        .client
        .get(hub.api("keys"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let signer = hub.hub.signer();
    assert_eq!(
        keys,
        json!({"keys": [{"key_id": signer.key_id(), "public_key": signer.public_key()}]})
    );
}

#[tokio::test]
async fn every_other_route_needs_a_valid_token() {
    let hub = TestHub::start().await;
    let routes = [
        (Method::GET, "policy-bundle"),
        (Method::POST, "audit"),
        (Method::GET, "servers?q=db"),
    ];
    for (method, route) in routes {
        for token in [None, Some("wrong"), Some("")] {
            let mut request = hub.client.request(method.clone(), hub.api(route));
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            let response = request.json(&json!({"events": []})).send().await.unwrap();
            assert_eq!(
                response.headers()["www-authenticate"],
                "Bearer",
                "{route} with {token:?}"
            );
            let (status, body) = error_body(response).await;
            assert_eq!(status, 401, "{route} with {token:?}");
            assert_eq!(body["error"], "unauthorized");
            assert!(body["message"].is_string());
        }
        let response = hub
            .client
            .request(method.clone(), hub.api(route))
            .header("authorization", format!("Basic {TOKEN}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "only the bearer scheme: {route}");
    }
}

#[tokio::test]
async fn an_unknown_org_is_404_once_the_token_is_valid() {
    let hub = TestHub::start().await;
    for route in ["keys", "policy-bundle", "servers"] {
        let response = hub
            .client
            .get(format!("{}/api/v1/orgs/other-org/{route}", hub.url))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap();
        let (status, body) = error_body(response).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (404, Some("unknown_org")),
            "{route}"
        );
    }
    let unknown_path = hub
        .client
        .get(format!("{}/api/v2/whatever", hub.url))
        .send()
        .await
        .unwrap();
    let (status, body) = error_body(unknown_path).await;
    assert_eq!((status, body["error"].as_str()), (404, Some("not_found")));
    let wrong_method = hub
        .client
        .delete(hub.api("policy-bundle"))
        .send()
        .await
        .unwrap();
    let (status, body) = error_body(wrong_method).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (405, Some("method_not_allowed"))
    );
}

#[tokio::test]
async fn tokens_come_from_the_command_line_and_org_yaml_and_follow_edits() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("org");
    write_files(&dir, FILES);
    write_files(&dir, &[("org.yaml", "org: test-org\n")]);
    let mut config = crate::common::config(&dir, &root.path().join("own"), false);
    assert!(
        matches!(
            gatehouse_refhub::Hub::open(config.clone()),
            Err(gatehouse_refhub::Error::NoToken)
        ),
        "a hub nobody can call does not start"
    );
    config.tokens.push("from-flag".into());
    let hub = TestHub::serve(root, config).await;
    let status = |token: &'static str| {
        let request = hub.client.get(hub.api("policy-bundle")).bearer_auth(token);
        async move { request.send().await.unwrap().status().as_u16() }
    };
    assert_eq!(status("from-flag").await, 200);
    assert_eq!(status(TOKEN).await, 401);
    hub.write("org.yaml", "org: test-org\ntokens: [t0ken]\n");
    assert_eq!(
        status(TOKEN).await,
        200,
        "a token added to org.yaml works at once"
    );
    assert_eq!(status("from-flag").await, 200);
    hub.write("org.yaml", "org: test-org\n");
    assert_eq!(status(TOKEN).await, 401, "and a removed one stops working");
}

#[tokio::test]
async fn a_refused_request_does_not_use_a_fault() {
    let hub = TestHub::start().await;
    hub.fault(json!({"mode": "error", "status": 502})).await;
    let unauthorized = hub
        .client
        .get(hub.api("policy-bundle"))
        .send()
        .await
        .unwrap();
    assert_eq!(unauthorized.status(), 401);
    let other_org = hub
        .client
        .get(format!("{}/api/v1/orgs/x/policy-bundle", hub.url))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(other_org.status(), 404);
    assert_eq!(hub.hub.faults().list().len(), 1, "still queued");
    assert_eq!(hub.bundle(None).await.status(), 502);
    assert_eq!(hub.hub.faults().take(Target::PolicyBundle), None);
    assert_eq!(ORG, hub.hub.view().content.org);
}
