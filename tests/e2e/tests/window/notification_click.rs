//! Clicking the desktop notification about a server that a new policy made worse, or about
//! a launch the policy refused, opens the app on that server: the Servers view, whatever
//! view was open, with its row selected.
//!
//! The click is dunst's own: `dunstctl action 0` makes dunst invoke the notification's
//! "default" action and send `ActionInvoked` to the app over the session bus, as a click
//! with the mouse does. dunst 1.9 can only do that for a notification still on screen (not
//! one in its history), so nothing else may be on screen meanwhile: the test holds
//! [`NOTIFICATIONS`] and starts from an empty screen.

use std::time::{Duration, Instant};

use fantoccini::Locator;
use gatehouse_e2e::{
    click_notification, clickable_notifications_about, close_notifications, desktop_available,
    displayed_notifications, notifications_about,
};

use crate::support::{
    HubApp, NOTIFICATIONS, click, launch, row, set_org_policy, sync_now, wait_for_text,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clicking_a_drop_notification_shows_the_server_selected() {
    if !desktop_available(&["tauri-driver", "WebKitWebDriver", "dunstctl"]) {
        return;
    }
    let app = HubApp::start(format!("@nc{}", std::process::id()), "warn").await;
    let client = app.client();
    wait_for_text(client, &row(&app.id("meh"), ".badge-verdict"), "Asks first").await;
    open_activity(client).await;

    let notifications = NOTIFICATIONS.lock().await;
    close_notifications();
    set_org_policy(app.org_dir.path(), &app.prefix, "strict");
    sync_now(client, "version 2").await;
    let selected = click_the_notice_on_screen(
        client,
        "one server got worse, so one notification is on screen",
    )
    .await;
    assert_eq!(
        selected.as_deref(),
        Some(app.id("meh").as_str()),
        "the row selected is the one the notification was about"
    );
    wait_for_text(client, &row(&app.id("meh"), ".badge-verdict"), "Blocked").await;
    let told = notifications_about(&format!("{}/meh", app.prefix), 1, Duration::from_secs(5));
    assert_eq!(
        told,
        [format!("{}/meh is now blocked", app.prefix)],
        "the notification clicked was the one about `meh`"
    );
    drop(notifications);
    app.session.screenshot("notification-click").await;
    app.session.stop().await;
}

/// A launch the policy blocks while the tray app runs: the launcher hands its notice to the
/// app, which shows it, so a click on it opens the window on the refused server (a notice
/// of the launcher's own has nobody left to answer the click).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clicking_a_refusal_notice_shows_the_refused_server() {
    if !desktop_available(&["tauri-driver", "WebKitWebDriver", "dunstctl"]) {
        return;
    }
    // Installed while the policy lets it run, then blocked by a stricter one.
    let app = HubApp::start(format!("@nr{}", std::process::id()), "warn").await;
    let client = app.client();
    let meh = app.id("meh");
    let notifications = NOTIFICATIONS.lock().await;
    set_org_policy(app.org_dir.path(), &app.prefix, "strict");
    sync_now(client, "version 2").await;
    wait_for_text(client, &row(&meh, ".badge-verdict"), "Blocked").await;
    // The sync's own notice ("… is now blocked") is off the screen before the launch: the
    // one clicked below must be the refusal's.
    let dropped = notifications_about(&format!("{meh} is now blocked"), 1, Duration::from_secs(10));
    assert_eq!(dropped.len(), 1, "{dropped:?}");
    open_activity(client).await;

    close_notifications();
    let mut launcher = launch(&app.sandbox, &meh, Some("cursor"));
    // No request to answer: the launcher tells the person and ends at once.
    drop(launcher.stdin.take());
    let status = tokio::time::timeout(Duration::from_secs(30), launcher.wait())
        .await
        .expect("a refused launch ends")
        .unwrap();
    assert_eq!(status.code(), Some(4), "blocked");
    let selected = click_the_notice_on_screen(client, "the refusal is on screen").await;
    assert_eq!(selected.as_deref(), Some(meh.as_str()));
    let told = notifications_about(&format!("tried to start {meh}"), 1, Duration::from_secs(5));
    assert_eq!(told, [format!("Cursor tried to start {meh}")], "{told:?}");
    assert_eq!(
        clickable_notifications_about(&format!("tried to start {meh}")),
        told,
        "the app showed the refusal (with its click), not the launcher"
    );
    drop(notifications);
    app.session.screenshot("refusal-notice-click").await;
    app.session.stop().await;
}

/// Opens the Activity view, so that a click on a notice has to bring the Servers view back.
async fn open_activity(client: &fantoccini::Client) {
    click(client, "#nav-activity").await;
    client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("#nav-activity[aria-current=\"page\"]"))
        .await
        .expect("the Activity view is open");
}

/// Waits for exactly one notification on screen (`on_screen` says which it should be),
/// clicks it as dunst does, and returns the id of the server row the window then selects in
/// the Servers view.
async fn click_the_notice_on_screen(
    client: &fantoccini::Client,
    on_screen: &str,
) -> Option<String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    while displayed_notifications() == 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(displayed_notifications(), 1, "{on_screen}");
    // The app waits for the click on a thread of its own once the notice is shown; dunst
    // closes it after 10 s, so the click comes well before that.
    tokio::time::sleep(Duration::from_millis(300)).await;
    click_notification(0);
    let selected = client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("li.server.selected[aria-current=\"true\"]"))
        .await
        .expect("the click opens the Servers view with the server's row selected");
    client
        .find(Locator::Css("#nav-servers[aria-current=\"page\"]"))
        .await
        .expect("the Servers view replaced the Activity view");
    selected.attr("data-server-id").await.unwrap()
}
