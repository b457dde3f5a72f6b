//! Installing from the catalog and routing client apps, in the real window against the
//! reference hub's `midsize` example (whose `@acme-corp/word-count` is a real package): the
//! badges before installing, a refused entry saying why, an install into Cursor with its
//! outcome, an entry Cursor starts without Gatehouse routed from the Servers view, and the
//! client apps list in Settings giving the original settings back.

use std::time::Duration;

use fantoccini::{Client, Locator};
use gatehouse_e2e::{RunningHub, Sandbox, copy_dir, desktop_available, workspace_root};

use crate::support::{NOTIFICATIONS, click, start_app, text_of, wait_for_text};

const TOKEN: &str = "midsize-demo-token";
const WORD_COUNT: &str = "@acme-corp/word-count";

fn cursor_config(sandbox: &Sandbox) -> std::path::PathBuf {
    sandbox.path().join("home/.cursor/mcp.json")
}

fn read_json(path: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Waits until nothing matches `css` any more.
async fn wait_gone(client: &Client, css: &str) {
    for _ in 0..100 {
        if client.find(Locator::Css(css)).await.is_err() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("`{css}` is still shown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_installs_from_the_catalog_and_routes_an_app_through_gatehouse() {
    if !desktop_available(&["tauri-driver", "WebKitWebDriver"]) {
        return;
    }
    let org = tempfile::tempdir().unwrap();
    copy_dir(
        &workspace_root().join("examples/hub/midsize"),
        &org.path().join("acme"),
    );
    let hub = RunningHub::start(&org.path().join("acme"));
    let sandbox = Sandbox::new();
    hub.follow(&sandbox, "acme-corp");
    let synced = sandbox
        .gatehouse(&["sync"])
        .env("GATEHOUSE_HUB_TOKEN", TOKEN)
        .output()
        .unwrap();
    assert!(synced.status.success(), "first sync: {synced:?}");
    // Cursor already starts one server directly, with no check.
    let script = workspace_root().join("tests/e2e/fixtures/fake-server.mjs");
    let cursor = cursor_config(&sandbox);
    std::fs::create_dir_all(cursor.parent().unwrap()).unwrap();
    std::fs::write(
        &cursor,
        format!(
            "{{\n  \"mcpServers\": {{\n    \"notes\": {{\"command\": \"node\", \"args\": [{}]}}\n  }}\n}}\n",
            serde_json::Value::from(script.to_str().unwrap())
        ),
    )
    .unwrap();
    let original_cursor = std::fs::read_to_string(&cursor).unwrap();

    let session = start_app(&sandbox, TOKEN).await;
    let client = &session.client;

    // The Servers view points out what Cursor starts without Gatehouse.
    let unrouted = "#unrouted [data-entry=\"notes\"]";
    wait_for_text(client, unrouted, "in Cursor").await;

    // The catalog: badges and the verdict before anything is downloaded.
    click(client, "#nav-install").await;
    let entry = |package: &str, part: &str| format!("[data-package=\"{package}\"] {part}");
    let word_count = format!("{WORD_COUNT}@1.0.0");
    wait_for_text(client, &entry(&word_count, ".badge-verdict"), "Allowed").await;
    assert_eq!(
        text_of(client, &entry(&word_count, ".badge-score")).await,
        "Score 88/100"
    );
    let revoked = text_of(
        client,
        &entry("@sketchy/clipboard-sync@1.4.0", ".not-installable"),
    )
    .await;
    assert!(revoked.contains("revoked"), "{revoked}");
    assert!(
        !client
            .find(Locator::Css(&entry(
                "@sketchy/clipboard-sync@1.4.0",
                "button.install"
            )))
            .await
            .unwrap()
            .is_enabled()
            .await
            .unwrap(),
        "a revoked version cannot be installed"
    );

    // Search narrows the list.
    client
        .find(Locator::Css("#catalog-query"))
        .await
        .unwrap()
        .send_keys("words in a text")
        .await
        .unwrap();
    click(client, "#catalog-search").await;
    wait_gone(client, &entry("@acme-corp/api-gateway@2.0.1", "h3")).await;
    let listed = client
        .find_all(Locator::Css("li.catalog-entry"))
        .await
        .unwrap();
    assert_eq!(listed.len(), 1, "only word-count's description matches");

    // Install into Cursor.
    click(client, &entry(&word_count, "button.install")).await;
    click(client, &entry(&word_count, "input[value=\"cursor\"]")).await;
    session.screenshot("install-view").await;
    click(client, &entry(&word_count, "button.install-confirm")).await;
    wait_for_text(
        client,
        &entry(&word_count, ".install-done"),
        "Added to Cursor",
    )
    .await;
    wait_for_text(client, &entry(&word_count, "button.install"), "Installed").await;
    session.screenshot("install-done").await;
    let config = read_json(&cursor);
    assert_eq!(
        config["mcpServers"][WORD_COUNT]["args"],
        serde_json::json!(["run", WORD_COUNT]),
        "Cursor starts it through Gatehouse: {config}"
    );
    let (code, listed, err) = sandbox.run(&["servers", "list", "--json"]);
    assert_eq!(code, 0, "{err}");
    assert!(listed.contains(WORD_COUNT), "{listed}");

    // Back in Servers: the new server, and route Cursor's own entry.
    click(client, "#nav-servers").await;
    wait_for_text(
        client,
        &format!("[data-server-id=\"{WORD_COUNT}\"] .badge-verdict"),
        "Allowed",
    )
    .await;
    wait_for_text(
        client,
        &format!("[data-server-id=\"{WORD_COUNT}\"] .server-facts"),
        "Cursor",
    )
    .await;
    session.screenshot("servers-unrouted").await;
    click(client, &format!("{unrouted} .route-entry")).await;
    wait_gone(client, "#unrouted").await;
    let config = read_json(&cursor);
    assert_eq!(
        config["mcpServers"]["notes"]["args"][0], "run",
        "the entry now starts through Gatehouse: {config}"
    );

    // Settings lists Cursor with both entries routed; giving back its settings restores
    // the entry Gatehouse routed, and keeps the installed one.
    click(client, "#nav-settings").await;
    let summary = "#client-apps [data-client=\"cursor\"] .client-summary";
    wait_for_text(client, summary, "2 of 2 local servers through Gatehouse").await;
    // The cards above load on their own: let them settle before scrolling to this one.
    text_of(client, "#setting-hub_url").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    client
        .execute(
            "document.getElementById('client-apps').scrollIntoView({block: 'start'})",
            Vec::new(),
        )
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    session.screenshot("settings-clients").await;
    // Giving the entry back makes it unrouted again, which the app's watcher may announce
    // with a notification: hold the other tests off the shared dunst until the app is gone.
    let notifications = NOTIFICATIONS.lock().await;
    click(client, "#client-apps [data-client=\"cursor\"] .unwire-app").await;
    wait_for_text(client, summary, "1 of 2 local servers through Gatehouse").await;
    let config = read_json(&cursor);
    assert_eq!(config["mcpServers"]["notes"]["command"], "node", "{config}");
    assert_eq!(
        config["mcpServers"][WORD_COUNT]["args"],
        serde_json::json!(["run", WORD_COUNT])
    );
    let notes_line = original_cursor
        .lines()
        .find(|line| line.contains("\"notes\""))
        .unwrap()
        .trim();
    assert!(
        std::fs::read_to_string(&cursor)
            .unwrap()
            .contains(notes_line),
        "Cursor's own entry is back byte for byte"
    );
    session.stop().await;
    drop(notifications);
}
