//! The update feed (B5) from `<dir>/updates/`: the newest signed version above the caller's,
//! in Tauri's updater format, `204` when there is none, and the artifact behind its URL.

use reqwest::StatusCode;
use serde_json::Value;

use crate::common::{TestHub, write_files};

const FEED: &str = "api/v1/updates/linux/x86_64/deb";

fn base(hub: &TestHub) -> &str {
    hub.url.trim_end_matches('/')
}

async fn ask(hub: &TestHub, current: &str) -> (StatusCode, Option<Value>) {
    let response = hub
        .client
        .get(format!("{}/{FEED}/{current}", base(hub)))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body = response.text().await.unwrap();
    (
        status,
        (!body.is_empty()).then(|| serde_json::from_str(&body).unwrap()),
    )
}

#[tokio::test]
async fn the_newest_signed_version_is_offered_and_its_package_served() {
    let hub = TestHub::start().await;
    let feed = hub.org_dir().join("updates/linux/x86_64/deb");
    write_files(
        &feed,
        &[
            ("0.2.0/Gatehouse_0.2.0_amd64.deb", "version two"),
            (
                "0.2.0/Gatehouse_0.2.0_amd64.deb.sig",
                "c2lnbmF0dXJlIHR3bw==\n",
            ),
            ("0.2.0/notes.md", "Fixes."),
            ("0.10.0/Gatehouse_0.10.0_amd64.deb", "version ten"),
            (
                "0.10.0/Gatehouse_0.10.0_amd64.deb.sig",
                "c2lnbmF0dXJlIHRlbg==",
            ),
            // Unsigned, and not a version: both passed over.
            ("0.11.0/Gatehouse_0.11.0_amd64.deb", "no signature"),
            ("latest/Gatehouse.deb", "x"),
        ],
    );

    let (status, offered) = ask(&hub, "0.1.0").await;
    assert_eq!(status, StatusCode::OK);
    let offered = offered.unwrap();
    assert_eq!(
        offered["version"], "0.10.0",
        "versions compare as numbers: {offered}"
    );
    assert_eq!(offered["signature"], "c2lnbmF0dXJlIHRlbg==");
    assert!(
        offered["pub_date"].as_str().unwrap().ends_with('Z'),
        "{offered}"
    );
    let url = offered["url"].as_str().unwrap();
    assert!(
        url.ends_with("/api/v1/update-files/linux/x86_64/deb/0.10.0/Gatehouse_0.10.0_amd64.deb"),
        "{url}"
    );
    let package = hub.client.get(url).send().await.unwrap();
    assert_eq!(package.status(), StatusCode::OK);
    assert_eq!(package.bytes().await.unwrap().as_ref(), b"version ten");

    assert_eq!(
        ask(&hub, "0.10.0").await.0,
        StatusCode::NO_CONTENT,
        "up to date"
    );
    assert_eq!(
        ask(&hub, "1.0.0").await.0,
        StatusCode::NO_CONTENT,
        "newer than the feed"
    );
    assert_eq!(ask(&hub, "ten").await.0, StatusCode::BAD_REQUEST);

    std::fs::remove_dir_all(feed.join("0.10.0")).unwrap();
    let (_, offered) = ask(&hub, "0.1.0").await;
    assert_eq!(offered.unwrap()["notes"], "Fixes.");

    for path in [
        "api/v1/update-files/linux/x86_64/deb/0.2.0/Gatehouse_0.2.0_amd64.deb.sig",
        "api/v1/update-files/linux/x86_64/deb/../../../../org.yaml",
        "api/v1/updates/linux/x86_64/rpm/0.1.0",
    ] {
        let status = hub
            .client
            .get(format!("{}/{path}", base(&hub)))
            .send()
            .await
            .unwrap()
            .status();
        assert!(
            status == StatusCode::NOT_FOUND || status == StatusCode::NO_CONTENT,
            "{path}: {status}"
        );
    }
}
