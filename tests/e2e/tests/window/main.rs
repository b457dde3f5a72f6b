//! The real app binary in a real window, driven through tauri-driver and WebKitWebDriver
//! (under Xvfb in `make test`). Each test leaves a screenshot in `artifacts/e2e/`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

mod approvals;
mod driver;
mod enroll_flow;
mod flows;
mod install_flow;
mod layouts;
mod notification_click;
mod policy_preview;
mod policy_rules;
mod support;
mod tray_process;

use std::time::Duration;

use fantoccini::Locator;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn main_window_shows_app_details_from_rust() {
    if !gatehouse_e2e::desktop_available(&["tauri-driver", "WebKitWebDriver"]) {
        return;
    }
    let data_dir = tempfile::tempdir().unwrap();
    let session =
        driver::Session::start(&[("GATEHOUSE_DATA_DIR", data_dir.path().as_os_str())]).await;
    let client = &session.client;

    let title = client.title().await.unwrap();
    assert_eq!(
        title, "Gatehouse",
        "the main window is the Gatehouse window"
    );
    // The page's script renders the content after the window opens: wait for it.
    let heading = client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("h1"))
        .await
        .expect("the UI renders its heading")
        .text()
        .await
        .unwrap();
    assert_eq!(heading, "Gatehouse");

    // The details live in Settings.
    client
        .find(Locator::Css("#nav-settings"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // Wait for the settings themselves: the About card moves down when they arrive, and a
    // click aimed before that would land beside the button.
    client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("#setting-hub_url"))
        .await
        .expect("the settings load");
    client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("#show-app-info"))
        .await
        .expect("the settings view shows the About card")
        .click()
        .await
        .unwrap();
    let version = client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("#app-version"))
        .await
        .expect("clicking the button must show the details the Rust command returned");
    assert_eq!(
        version.text().await.unwrap(),
        env!("CARGO_PKG_VERSION"),
        "the version comes from the app crate"
    );
    let data_dir_shown = client
        .find(Locator::Css("#app-data-dir"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        data_dir_shown,
        data_dir.path().display().to_string(),
        "the app resolved its data dir from GATEHOUSE_DATA_DIR, as the command line does"
    );

    session.screenshot("main-window").await;
    session.stop().await;
}
