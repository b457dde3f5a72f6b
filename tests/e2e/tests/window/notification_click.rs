//! Clicking the desktop notification about a server that a new policy made worse opens the
//! app on that server: the Servers view, whatever view was open, with its row selected.
//!
//! The click is dunst's own: `dunstctl action 0` makes dunst invoke the notification's
//! "default" action and send `ActionInvoked` to the app over the session bus, as a click
//! with the mouse does. dunst 1.9 can only do that for a notification still on screen (not
//! one in its history), so nothing else may be on screen meanwhile: the test holds
//! [`NOTIFICATIONS`] and starts from an empty screen.

use std::time::{Duration, Instant};

use fantoccini::Locator;
use gatehouse_e2e::{
    click_notification, close_notifications, desktop_available, displayed_notifications,
    notifications_about,
};

use crate::support::{HubApp, NOTIFICATIONS, click, row, set_org_policy, sync_now, wait_for_text};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clicking_a_drop_notification_shows_the_server_selected() {
    if !desktop_available(&["tauri-driver", "WebKitWebDriver", "dunstctl"]) {
        return;
    }
    let app = HubApp::start(format!("@nc{}", std::process::id()), "warn").await;
    let client = app.client();
    wait_for_text(client, &row(&app.id("meh"), ".badge-verdict"), "Asks first").await;
    click(client, "#nav-activity").await;
    client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("#nav-activity[aria-current=\"page\"]"))
        .await
        .expect("the Activity view is open");

    let notifications = NOTIFICATIONS.lock().await;
    close_notifications();
    set_org_policy(app.org_dir.path(), &app.prefix, "strict");
    sync_now(client, "version 2").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while displayed_notifications() == 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        displayed_notifications(),
        1,
        "one server got worse, so one notification is on screen"
    );
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
    assert_eq!(
        selected.attr("data-server-id").await.unwrap().as_deref(),
        Some(app.id("meh").as_str()),
        "the row selected is the one the notification was about"
    );
    client
        .find(Locator::Css("#nav-servers[aria-current=\"page\"]"))
        .await
        .expect("the Servers view replaced the Activity view");
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
