//! The Policy view shows the rules that can block a server beyond the device's own: an
//! area that lists a server by name (on a device with no area of its own) and a rule for
//! one server; the server's reasons name its area's policy, never "your area".

use gatehouse_e2e::desktop_available;

use crate::support::{HubApp, click, row, sync_now, text_of, wait_for_text};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_policy_view_lists_the_rules_for_particular_servers() {
    if !desktop_available(&["tauri-driver", "WebKitWebDriver"]) {
        return;
    }
    let prefix = format!("@pr{}", std::process::id());
    let app = HubApp::start(prefix.clone(), "warn").await;
    let client = app.client();
    wait_for_text(client, &row(&app.id("good"), ".badge-verdict"), "Allowed").await;

    let dir = app.org_dir.path();
    std::fs::create_dir_all(dir.join("areas")).unwrap();
    std::fs::write(
        dir.join("areas/payments.yaml"),
        format!(
            "policy:\n  min_score: 99\n  score_mode: strict\nservers:\n  - \"{prefix}/good\"\n"
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("servers.yaml"),
        format!("\"{prefix}/meh\":\n  min_cert_level: 3\n"),
    )
    .unwrap();
    sync_now(client, "version 2").await;
    wait_for_text(client, &row(&app.id("good"), ".badge-verdict"), "Blocked").await;
    let why = text_of(client, &row(&app.id("good"), ".reasons")).await;
    assert!(why.contains("Its area's policy"), "{why}");
    assert!(!why.to_lowercase().contains("your area"), "{why}");

    click(client, "#nav-policy").await;
    let rules = text_of(client, "#policy-server-rules").await;
    assert!(rules.contains(&format!("{prefix}/good")), "{rules}");
    assert!(rules.contains("the area payments"), "{rules}");
    assert!(rules.contains("99/100"), "{rules}");
    assert!(rules.contains(&format!("{prefix}/meh")), "{rules}");
    assert!(rules.contains("3 — Runtime Certified"), "{rules}");
    client
        .execute(
            "document.getElementById('policy-server-rules').scrollIntoView()",
            vec![],
        )
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    app.session.screenshot("policy-server-rules").await;
    app.session.stop().await;
}
