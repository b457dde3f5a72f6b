//! The policy view's "Changes waiting on the hub" in the real window: after the hub
//! tightens its policy, checking shows the server that would be blocked while the app keeps
//! enforcing the old serial; Apply now stores the new one.

use std::time::Duration;

use gatehouse_e2e::{desktop_available, notifications_about};

use crate::support::{HubApp, NOTIFICATIONS, click, row, set_org_policy, text_of, wait_for_text};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_policy_view_previews_a_hub_change_and_applies_it_on_request() {
    if !desktop_available(&["tauri-driver", "WebKitWebDriver", "dunstctl"]) {
        return;
    }
    let app = HubApp::start(format!("@pv{}", std::process::id()), "warn").await;
    let client = app.client();
    wait_for_text(client, &row(&app.id("meh"), ".badge-verdict"), "Asks first").await;

    // Serial 2 on the hub blocks `meh` (level 1 under a minimum of 2, now strict).
    set_org_policy(app.org_dir.path(), &app.prefix, "strict");
    click(client, "#nav-policy").await;
    wait_for_text(client, "#policy-serial", "version 1").await;
    wait_for_text(client, "#policy-changes", "Changes waiting on the hub").await;
    click(client, "#policy-preview").await;
    wait_for_text(
        client,
        "#policy-preview-result",
        "If the hub's newer policy (version 2) were applied:",
    )
    .await;
    let change = &format!("#policy-changes [data-server-id=\"{}\"]", app.id("meh"));
    wait_for_text(client, change, &app.id("meh")).await;
    assert_eq!(
        text_of(client, &format!("{change} .verdict-now .badge-verdict")).await,
        "Asks first",
        "the verdict in force comes first"
    );
    assert_eq!(
        text_of(client, &format!("{change} .verdict-after .badge-verdict")).await,
        "Blocked",
        "then the verdict under the hub's policy"
    );
    let reasons = text_of(client, &format!("{change} .change-reasons")).await;
    assert!(
        reasons.contains("level"),
        "the row says why, in words: {reasons}"
    );
    assert!(
        client
            .find(fantoccini::Locator::Css(&format!(
                "#policy-changes [data-server-id=\"{}\"]",
                app.id("good")
            )))
            .await
            .is_err(),
        "a server whose verdict stays is not listed"
    );
    let rest = text_of(client, "#policy-preview-result").await;
    assert!(
        rest.contains("2 other servers keep their verdict."),
        "{rest}"
    );
    app.session.screenshot("policy-preview").await;

    // Nothing was applied: the store and the servers view still have serial 1's verdicts.
    assert_eq!(
        app.stored_serial(),
        1,
        "a preview stores nothing (status reads the app's store)"
    );
    click(client, "#nav-servers").await;
    wait_for_text(client, &row(&app.id("meh"), ".badge-verdict"), "Asks first").await;

    // Apply now: the same as Sync now; `meh` is then blocked, and the person is told.
    let notifications = NOTIFICATIONS.lock().await;
    click(client, "#nav-policy").await;
    click(client, "#policy-preview").await;
    click(client, "#policy-apply").await;
    wait_for_text(client, "#policy-apply-result", "version 2").await;
    wait_for_text(
        client,
        "#policy-preview-result",
        "Your policy is up to date.",
    )
    .await;
    wait_for_text(client, "#policy-serial", "version 2").await;
    assert_eq!(app.stored_serial(), 2);
    click(client, "#nav-servers").await;
    wait_for_text(client, &row(&app.id("meh"), ".badge-verdict"), "Blocked").await;
    let told = notifications_about(&format!("{}/meh", app.prefix), 1, Duration::from_secs(5));
    assert_eq!(told.len(), 1, "applying notifies as a sync does: {told:?}");
    drop(notifications);
    app.session.stop().await;
}
