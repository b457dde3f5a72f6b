//! "Always for this version", seen and taken back in the real window: the confirmation
//! window names the app that asked and what the server may do; after Always the server
//! says it starts without asking and a later start asks nobody; each start records which
//! answer let it run; "Ask me again" takes the answer back, and the next start asks again;
//! "Don't run" for the window's own Check now shows as the person's answer, not a failure.

use std::time::Duration;

use crate::support::{
    HubApp, click, click_answer, launch, ran, row, switch_to_new_window, text_of, wait_for_text,
};
use gatehouse_e2e::desktop_available;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_always_answer_is_shown_on_the_server_and_can_be_taken_back() {
    if !desktop_available(&["tauri-driver", "WebKitWebDriver"]) {
        return;
    }
    let app = HubApp::start(format!("@ap{}", std::process::id()), "warn").await;
    let client = app.client();
    let sandbox = &app.sandbox;
    let meh = app.id("meh");
    wait_for_text(client, &row(&meh, ".badge-verdict"), "Asks first").await;

    // Cursor's entry starts it: the window names Cursor, the version, what it may do.
    let main = client.window().await.unwrap();
    let first = launch(sandbox, &meh, Some("cursor"));
    switch_to_new_window(client, &main).await;
    let who = text_of(client, "#confirm-who").await;
    assert!(who.contains("Cursor wants to start"), "{who}");
    assert!(who.contains("version 1.0.0"), "{who}");
    let may_do = text_of(client, "#confirm-may-do").await;
    assert!(!may_do.is_empty(), "the window says what it may do");
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.session.screenshot("confirm-window-names-the-app").await;
    click_answer(client, "#confirm-always").await;
    ran(first).await;
    client.switch_to_window(main.clone()).await.unwrap();

    wait_for_text(client, &row(&meh, ".badge-verdict"), "Approved by you").await;
    let note = text_of(client, &row(&meh, ".approval")).await;
    assert!(note.contains("starts without asking"), "{note}");
    app.session.screenshot("servers-approved").await;

    // Started again: nobody is asked.
    ran(launch(sandbox, &meh, Some("cursor"))).await;
    assert_eq!(
        client.windows().await.unwrap().len(),
        1,
        "no question this time"
    );
    let answers: Vec<String> = sandbox
        .audit()
        .iter()
        .filter(|event| event["kind"] == "launch_warned_confirmed")
        .map(|event| event["detail"]["answer"].as_str().unwrap_or("?").to_owned())
        .collect();
    assert_eq!(
        answers,
        ["always", "remembered"],
        "each start says which answer let it run"
    );

    click(client, &row(&meh, ".approval-revoke")).await;
    wait_for_text(client, &row(&meh, ".badge-verdict"), "Asks first").await;
    assert!(
        sandbox
            .audit()
            .iter()
            .any(|event| event["kind"] == "approval_revoked"),
        "taking it back is audited"
    );
    let (code, _, _) = sandbox.run(&["check", &meh]);
    assert_eq!(code, 4, "with nobody to ask, it would not run now");

    // Check now asks too; "Don't run" there is the person's answer, not a red failure.
    click(client, &row(&meh, ".check-now")).await;
    switch_to_new_window(client, &main).await;
    let who = text_of(client, "#confirm-who").await;
    assert!(who.contains("Gatehouse (Check now)"), "{who}");
    click_answer(client, "#confirm-dont-run").await;
    client.switch_to_window(main.clone()).await.unwrap();
    let answer = text_of(client, &row(&meh, ".notice-neutral")).await;
    assert!(answer.contains("You chose not to run"), "{answer}");
    assert!(
        client
            .find(fantoccini::Locator::Css(&row(&meh, ".notice-error")))
            .await
            .is_err(),
        "not shown as a failure"
    );
    app.session.stop().await;
}
