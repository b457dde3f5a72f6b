//! The hub client over real HTTP against the reference hub on an ephemeral loopback port:
//! status codes become the typed answers and errors of HUB_API.md, and the token is sent.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

mod raw;

use std::time::Duration;

use gatehouse_hub::{ClientError, Envelope, Fetch, HubClient, Sensitive};
use gatehouse_refhub::{Config, Fault, Hub, QueuedFault, Target, serve};
use tempfile::TempDir;
use tokio::net::TcpListener;

const TOKEN: &str = "t0ken";

struct TestHub {
    _root: TempDir,
    hub: Hub,
    url: String,
    task: tokio::task::JoinHandle<gatehouse_refhub::Result<()>>,
}

impl Drop for TestHub {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn start() -> TestHub {
    let root = tempfile::tempdir().unwrap();
    let org = root.path().join("org");
    std::fs::create_dir_all(org.join("policy")).unwrap();
    std::fs::write(org.join("org.yaml"), "org: acme\ntokens: [t0ken]\n").unwrap();
    std::fs::write(org.join("policy/org.yaml"), "min_cert_level: 1\n").unwrap();
    let mut config = Config::new(&org);
    config.key_file = root.path().join("key");
    config.state_file = root.path().join("state.db");
    config.faults = true;
    let hub = Hub::open(config).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(serve(hub.clone(), listener));
    TestHub {
        _root: root,
        hub,
        url,
        task,
    }
}

fn client(hub: &TestHub, token: &str) -> HubClient {
    HubClient::new(&hub.url, Some(Sensitive::new(token.to_owned()))).unwrap()
}

fn fault(hub: &TestHub, target: Target, fault: Fault) {
    hub.hub.faults().push(QueuedFault {
        target,
        remaining: 1,
        fault,
    });
}

#[tokio::test]
async fn a_bundle_then_not_modified_with_its_etag() {
    let hub = start().await;
    let client = client(&hub, TOKEN);
    let Fetch::Bundle {
        body,
        etag,
        freshness,
    } = client
        .fetch_bundle("acme", None, Some("dev-1"))
        .await
        .unwrap()
    else {
        panic!("the first fetch has no etag to match, so it gets the bundle");
    };
    let envelope = Envelope::parse(&body).expect("the body is the signed envelope");
    let etag = etag.expect("the hub sends an etag with every bundle");
    let keys = client.keys("acme").await.unwrap();
    assert_eq!(keys.len(), 1, "the hub publishes its one signing key");
    let pinned = gatehouse_hub::TrustedKeys(vec![
        gatehouse_hub::PinnedKey::parse(&format!("{}:{}", keys[0].key_id, keys[0].public_key))
            .unwrap(),
    ]);
    let bundle = gatehouse_hub::Bundle::parse(&envelope.payload).unwrap();
    // The reference hub's statement passes the app's own check.
    let statement = gatehouse_hub::verify_statement(
        &freshness.expect("every 200 carries a freshness statement"),
        &pinned,
    )
    .unwrap();
    assert_eq!(
        (
            statement.org.as_str(),
            statement.serial,
            statement.device.as_deref()
        ),
        ("acme", bundle.serial, Some("dev-1"))
    );
    let again = client
        .fetch_bundle("acme", Some(&etag), Some("dev-2"))
        .await
        .unwrap();
    let Fetch::NotModified { freshness } = again else {
        panic!("the same etag means unchanged: {again:?}");
    };
    let statement =
        gatehouse_hub::verify_statement(&freshness.expect("every 304 carries one too"), &pinned)
            .unwrap();
    assert_eq!(statement.device.as_deref(), Some("dev-2"));
}

#[tokio::test]
async fn a_wrong_token_is_unauthorized_and_not_in_the_message() {
    let hub = start().await;
    let error = client(&hub, "wrong-secret")
        .fetch_bundle("acme", None, None)
        .await
        .unwrap_err();
    assert!(matches!(error, ClientError::Unauthorized), "{error:?}");
    assert!(!error.to_string().contains("wrong-secret"));
    let error = HubClient::new(&hub.url, None)
        .unwrap()
        .fetch_bundle("acme", None, None)
        .await
        .unwrap_err();
    assert!(
        matches!(error, ClientError::Unauthorized),
        "no token is a 401 too: {error:?}"
    );
}

#[tokio::test]
async fn error_bodies_become_typed_http_errors() {
    let hub = start().await;
    let client = client(&hub, TOKEN);
    let error = client.fetch_bundle("other", None, None).await.unwrap_err();
    match error {
        ClientError::Http { status, code, .. } => {
            assert_eq!((status, code.as_deref()), (404, Some("unknown_org")));
        }
        other => panic!("an unknown org is the hub's 404: {other:?}"),
    }
    fault(&hub, Target::PolicyBundle, Fault::Error { status: 500 });
    let error = client.fetch_bundle("acme", None, None).await.unwrap_err();
    assert!(
        matches!(error, ClientError::Http { status: 500, .. }),
        "{error:?}"
    );
    fault(&hub, Target::Audit, Fault::Malformed { body: None });
    let error = client.post_audit("acme", &[]).await.unwrap_err();
    assert!(matches!(error, ClientError::Malformed(_)), "{error:?}");
}

#[tokio::test]
async fn a_hanging_hub_times_out() {
    let hub = start().await;
    let client = HubClient::with_timeout(
        &hub.url,
        Some(Sensitive::new(TOKEN.to_owned())),
        Duration::from_millis(300),
    )
    .unwrap();
    fault(&hub, Target::PolicyBundle, Fault::Hang { seconds: 30 });
    let error = client.fetch_bundle("acme", None, None).await.unwrap_err();
    assert!(matches!(error, ClientError::Timeout(300)), "{error:?}");
}

#[tokio::test]
async fn audit_batches_are_acknowledged_once_per_id() {
    let hub = start().await;
    let client = client(&hub, TOKEN);
    let event =
        serde_json::json!({"id": "6f0c3c54-9a8e-4a55-8d0f-3f8f7c3f0a11", "kind": "policy_synced"});
    let first = client
        .post_audit("acme", std::slice::from_ref(&event))
        .await
        .unwrap();
    assert_eq!((first.accepted, first.duplicates), (1, 0));
    let again = client.post_audit("acme", &[event]).await.unwrap();
    assert_eq!(
        (again.accepted, again.duplicates),
        (0, 1),
        "the hub dedupes by id"
    );
}

#[tokio::test]
async fn nothing_is_sent_to_an_unreachable_port_but_a_network_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let error = HubClient::new(&url, None)
        .unwrap()
        .fetch_bundle("acme", None, None)
        .await
        .unwrap_err();
    assert!(matches!(error, ClientError::Network(_)), "{error:?}");
}

#[tokio::test]
async fn catalog_search_returns_the_matching_entries_as_sent() {
    let hub = start().await;
    std::fs::write(
        hub._root.path().join("org/catalog.yaml"),
        "- {name: '@acme/notes', version: '1.0.0', origin: verified, cert_level: 2, score: 80, description: 'Keeps Notes'}\n\
         - {name: '@acme/mail', version: '2.0.0', origin: community, cert_level: 0, score: 40}\n",
    )
    .unwrap();
    let client = client(&hub, TOKEN);
    let found = client.search_catalog("acme", "NOTES").await.unwrap();
    assert_eq!(found.len(), 1, "case-insensitive match on name: {found:?}");
    assert_eq!(found[0]["name"], "@acme/notes");
    assert_eq!(found[0]["score"], 80);
    let all = client.search_catalog("acme", "  ").await.unwrap();
    assert_eq!(all.len(), 2, "a blank query lists everything");
    let error = HubClient::new(&hub.url, None)
        .unwrap()
        .search_catalog("acme", "")
        .await
        .unwrap_err();
    assert!(matches!(error, ClientError::Unauthorized), "{error:?}");
}
