use std::sync::Arc;
use std::time::{Duration, Instant};

use gatehouse_store::AuditKind;

use super::*;
use gatehouse_core::Context;
use gatehouse_core::context::{Environment, Platform};
use gatehouse_core::ports::{RecordingNotifier, SystemClock};
use gatehouse_core::settings::ManagedSettings;

const BEFORE: &str = r#"{
  "mcpServers": {
    "everything": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-everything"]}
  }
}
"#;

const AFTER: &str = r#"{
  "mcpServers": {
    "everything": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-everything"]},
    "time": {"command": "uvx", "args": ["mcp-server-time"]},
    "docs": {"url": "https://docs.example.com/mcp"}
  }
}
"#;

/// A context whose home, data and app files all live under `home`.
async fn confined_context(home: &std::path::Path) -> Arc<Context> {
    Arc::new(
        Context::open(
            Environment::confined_to(Platform::Linux, home),
            ManagedSettings::default(),
            SystemClock,
        )
        .await
        .unwrap(),
    )
}

/// Polls until the watcher has sent `count` offers (no timing is asserted; the deadline
/// only stops a broken watcher from hanging the test).
async fn wait_for_offers(notifier: &RecordingNotifier, count: usize) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while notifier.sent().len() < count && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_entry_another_tool_adds_is_recorded_and_offered_for_routing() {
    let home = tempfile::tempdir().unwrap();
    let cursor = home.path().join(".cursor");
    std::fs::create_dir_all(&cursor).unwrap();
    std::fs::write(cursor.join("mcp.json"), BEFORE).unwrap();
    let ctx = confined_context(home.path()).await;
    let notifier = Arc::new(RecordingNotifier::default());
    let watch = watch_clients(ctx.clone(), notifier.clone()).await.unwrap();

    std::fs::write(cursor.join("mcp.json"), AFTER).unwrap();

    wait_for_offers(&notifier, 1).await;
    let sent = notifier.sent();
    assert_eq!(
        sent.len(),
        1,
        "one offer, for the new local entry only: {sent:?}"
    );
    assert_eq!(sent[0].server_id, "time");
    assert!(sent[0].title.contains("Cursor"));
    let events = ctx.store.audit(None, 10).await.unwrap();
    let changed: Vec<_> = events
        .iter()
        .filter(|e| e.kind == AuditKind::ClientConfigChanged)
        .collect();
    assert_eq!(changed.len(), 1, "{events:?}");
    let detail = changed[0].detail.clone().unwrap_or_default();
    assert_eq!(detail["entry"], serde_json::json!(["mcpServers", "time"]));
    assert_eq!(detail["client"], "cursor");
    drop(watch);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_added_to_a_known_projects_config_is_offered_too() {
    let home = tempfile::tempdir().unwrap();
    let project = home.path().join("shop");
    std::fs::create_dir_all(&project).unwrap();
    let ctx = confined_context(home.path()).await;
    gatehouse_core::clients::add_project_folder(&ctx, &project)
        .await
        .unwrap();
    let notifier = Arc::new(RecordingNotifier::default());
    let watch = watch_clients(ctx.clone(), notifier.clone()).await.unwrap();

    // A project file that did not exist when watching began.
    std::fs::write(project.join(".mcp.json"), AFTER).unwrap();

    wait_for_offers(&notifier, 2).await;
    let mut offered: Vec<String> = notifier
        .sent()
        .iter()
        .map(|n| n.server_id.clone())
        .collect();
    offered.sort();
    assert_eq!(offered, ["everything", "time"], "{:?}", notifier.sent());
    assert!(notifier.sent()[0].title.contains("Claude Code"));
    drop(watch);
}
