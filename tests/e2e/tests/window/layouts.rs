//! The window at the sizes and in the colour scheme people use: at 800x600 the header
//! stays small and nothing scrolls sideways; a narrow window puts the sections in a row
//! above the content; with the desktop's dark theme the window is dark. Screenshots of each.

use std::time::Duration;

use gatehouse_e2e::desktop_available;

use crate::driver;
use crate::support::{HubApp, click, row, wait_for_text};

async fn number(client: &fantoccini::Client, script: &str) -> f64 {
    client
        .execute(script, vec![])
        .await
        .unwrap()
        .as_f64()
        .unwrap_or_else(|| panic!("`{script}` is not a number"))
}

async fn text(client: &fantoccini::Client, script: &str) -> String {
    client
        .execute(script, vec![])
        .await
        .unwrap()
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn small_and_narrow_windows_keep_everything_in_view() {
    if !desktop_available(&["tauri-driver", "WebKitWebDriver"]) {
        return;
    }
    let app = HubApp::start(format!("@ly{}", std::process::id()), "warn").await;
    let client = app.client();
    wait_for_text(client, &row(&app.id("meh"), ".badge-verdict"), "Asks first").await;

    client.set_window_size(800, 600).await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let header = number(
        client,
        "return document.querySelector('.topbar').getBoundingClientRect().height",
    )
    .await;
    assert!(header <= 80.0, "the header takes {header} px of 600");
    click(client, "#nav-activity").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let sideways = number(
        client,
        "const c = document.querySelector('.content'); return c.scrollWidth - c.clientWidth",
    )
    .await;
    assert!(
        sideways <= 0.0,
        "the activity view scrolls sideways by {sideways} px"
    );
    app.session.screenshot("activity-800x600").await;

    client.set_window_size(600, 700).await.unwrap();
    click(client, "#nav-servers").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let direction = text(
        client,
        "return getComputedStyle(document.querySelector('.sidebar')).flexDirection",
    )
    .await;
    assert_eq!(
        direction, "row",
        "a narrow window puts the sections in a row"
    );
    let sideways = number(
        client,
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth",
    )
    .await;
    assert!(
        sideways <= 0.0,
        "the narrow window scrolls sideways by {sideways} px"
    );
    app.session.screenshot("servers-narrow").await;
    app.session.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_desktops_dark_theme_makes_the_window_dark() {
    if !desktop_available(&["tauri-driver", "WebKitWebDriver"]) {
        return;
    }
    let data_dir = tempfile::tempdir().unwrap();
    let session = driver::Session::start(&[
        ("GATEHOUSE_DATA_DIR", data_dir.path().as_os_str()),
        ("GTK_THEME", std::ffi::OsStr::new("Adwaita:dark")),
    ])
    .await;
    let client = &session.client;
    wait_for_text(client, "#connection-status", "Not connected").await;
    let dark = client
        .execute(
            "return window.matchMedia('(prefers-color-scheme: dark)').matches",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        dark,
        serde_json::json!(true),
        "WebKit follows the GTK theme"
    );
    // The page's background: a dark colour (each channel low).
    let background = text(
        client,
        "return getComputedStyle(document.body.parentElement).backgroundColor",
    )
    .await;
    let channels: Vec<u32> = background
        .trim_start_matches("rgb(")
        .trim_end_matches(')')
        .split(',')
        .filter_map(|c| c.trim().parse().ok())
        .collect();
    assert!(
        channels.len() >= 3 && channels.iter().take(3).all(|c| *c < 60),
        "the page is dark: {background}"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    session.screenshot("servers-dark").await;
    session.stop().await;
}
