//! The flows of the app a person meets, in the real window against the reference hub:
//! badges and verdicts, the policy view, a confirmation window raised by `gatehouse run`
//! (Run once lets the launcher proceed, Don't run makes it exit 4), a policy change on the
//! hub turning a server Blocked after Sync now with a desktop notification, and the
//! activity view listing what happened. Each step saves a screenshot.

use std::time::Duration;

use fantoccini::Locator;
use gatehouse_e2e::{desktop_available, notifications_about};

use crate::support::{
    HubApp, NOTIFICATIONS, click, click_answer, launch, ran, row, set_org_policy,
    switch_to_new_window, sync_now, text_of, wait_for_text,
};

/// The tone (good, warn, bad, neutral) of the badge at `css`, from its `badge-<tone>` class.
async fn badge_tone(client: &fantoccini::Client, css: &str) -> String {
    let class = client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("`{css}`: {e}"))
        .attr("class")
        .await
        .unwrap()
        .unwrap_or_default();
    ["good", "warn", "bad", "neutral"]
        .into_iter()
        .find(|tone| class.split(' ').any(|c| c == format!("badge-{tone}")))
        .unwrap_or("none")
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_sees_verdicts_confirms_a_launch_and_follows_a_policy_change() {
    if !desktop_available(&["tauri-driver", "WebKitWebDriver", "dunstctl"]) {
        return;
    }
    // Unique per run: dunst's history outlives one test.
    let app = HubApp::start(format!("@ui{}", std::process::id()), "warn").await;
    let (session, sandbox, prefix) = (&app.session, &app.sandbox, &app.prefix);
    let client = app.client();

    // The servers view: badges with text, and each verdict.
    wait_for_text(client, &row(&app.id("good"), ".badge-verdict"), "Allowed").await;
    wait_for_text(client, &row(&app.id("meh"), ".badge-verdict"), "Asks first").await;
    wait_for_text(client, &row("evil", ".badge-verdict"), "Blocked").await;
    assert_eq!(
        text_of(client, &row(&app.id("good"), ".badge-level")).await,
        "Level 3 · Runtime Certified"
    );
    assert_eq!(
        text_of(client, &row(&app.id("good"), ".badge-score")).await,
        "Score 95/100"
    );
    assert_eq!(
        text_of(client, &row(&app.id("good"), ".badge-origin")).await,
        "Official"
    );
    assert_eq!(
        text_of(client, &row(&app.id("good"), ".badge-standing")).await,
        "Verified install"
    );
    // `evil` only claims a name: no badge is borrowed, and the row says why.
    assert_eq!(
        text_of(client, &row("evil", ".badge-standing")).await,
        "Unknown code"
    );
    assert_eq!(
        text_of(client, &row("evil", ".badge-unverified")).await,
        "Certification not verified",
        "a server whose code is not verified shows no borrowed level or score"
    );
    assert!(
        client
            .find(Locator::Css(&row("evil", ".badge-level")))
            .await
            .is_err()
    );
    // Colours follow the policy: `meh`'s level is what the policy asks about, its score is
    // not; `good` has nothing against it.
    assert_eq!(
        badge_tone(client, &row(&app.id("meh"), ".badge-level")).await,
        "warn"
    );
    assert_eq!(
        badge_tone(client, &row(&app.id("meh"), ".badge-score")).await,
        "good"
    );
    assert_eq!(
        badge_tone(client, &row(&app.id("good"), ".badge-level")).await,
        "good"
    );
    assert!(
        client
            .find(Locator::Css(&row("evil", ".badge-origin")))
            .await
            .is_err(),
        "an unbound server has no origin to show"
    );
    let note = text_of(client, &row("evil", ".standing-note")).await;
    assert!(note.contains("cannot tell what package"), "{note}");
    let reasons = text_of(client, &row(&app.id("meh"), ".reasons")).await;
    assert!(
        reasons.contains("Set by your organization"),
        "each reason names the layer that set the rule: {reasons}"
    );
    // The header's status arrives with the first sync, which may finish after the list.
    wait_for_text(client, "#connection-status", "Connected").await;
    let connection = text_of(client, "#connection-status").await;
    assert!(connection.starts_with("Connected"), "{connection}");
    session.screenshot("servers-view").await;

    // The policy view: provenance and the snapshot.
    click(client, "#nav-policy").await;
    wait_for_text(client, "#policy-serial", "version 1").await;
    let level_rule = text_of(client, "[data-rule=\"min_cert_level\"]").await;
    assert!(
        level_rule.contains("2 — Security Certified") && level_rule.contains("your organization"),
        "{level_rule}"
    );
    session.screenshot("policy-view").await;

    // A client app starts the warn-verdict server: the app asks; Run once lets it run.
    let main = client.window().await.unwrap();
    let launcher = launch(sandbox, &app.id("meh"), None);
    switch_to_new_window(client, &main).await;
    let question = text_of(client, "#confirm-title").await;
    assert!(question.contains(&format!("{prefix}/meh")), "{question}");
    let why = text_of(client, "#confirm-reasons").await;
    assert!(
        why.contains("level"),
        "the window says what is wrong: {why}"
    );
    session.screenshot("confirm-window").await;
    click_answer(client, "#confirm-run-once").await;
    // After Run once the launcher starts the server and proxies its answer.
    ran(launcher).await;
    client.switch_to_window(main.clone()).await.unwrap();

    // Again, and Don't run: the launcher exits 4 without starting anything.
    let mut declined = launch(sandbox, &app.id("meh"), None);
    switch_to_new_window(client, &main).await;
    click_answer(client, "#confirm-dont-run").await;
    let status = tokio::time::timeout(Duration::from_secs(20), declined.wait())
        .await
        .expect("the launcher gets the answer")
        .unwrap();
    assert_eq!(status.code(), Some(4), "Don't run refuses the launch");
    client.switch_to_window(main.clone()).await.unwrap();

    // The hub tightens the policy: after Sync now the server is Blocked, and the person is
    // told by a desktop notification.
    let notifications = NOTIFICATIONS.lock().await;
    set_org_policy(app.org_dir.path(), prefix, "strict");
    click(client, "#nav-servers").await;
    sync_now(client, "version 2").await;
    wait_for_text(client, &row(&app.id("meh"), ".badge-verdict"), "Blocked").await;
    assert_eq!(
        badge_tone(client, &row(&app.id("meh"), ".badge-level")).await,
        "bad",
        "the level the policy now blocks is red"
    );
    let told = notifications_about(&format!("{prefix}/meh"), 1, Duration::from_secs(5));
    assert_eq!(
        told.len(),
        1,
        "one notification about the server that got worse: {told:?}"
    );
    drop(notifications);
    session.screenshot("servers-after-sync").await;

    // The activity view lists what happened.
    click(client, "#nav-activity").await;
    for kind in [
        "launch_warned_confirmed",
        "confirm_declined",
        "server_dropped",
    ] {
        client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css(&format!("tr[data-kind=\"{kind}\"]")))
            .await
            .unwrap_or_else(|e| panic!("the activity view lists `{kind}`: {e}"));
    }
    session.screenshot("activity-view").await;
    app.session.stop().await;
}
