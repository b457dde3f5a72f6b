//! From nothing to a synced, enforcing Gatehouse without a terminal: the app is opened with
//! the admin's enrollment link, shows "Join <org>?" with the key's fingerprint, the person
//! signs in with a user name and password, and the first sync runs. A link opened while
//! the app runs reaches the same window (a second start hands it over and ends).

use std::time::Duration;

use fantoccini::Locator;
use gatehouse_e2e::{RunningHub, Sandbox, binary, desktop_available};

use crate::driver;
use crate::support::{ORG, click, text_of, wait_for_text, write_org};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_joins_from_the_admins_link_without_a_terminal() {
    if !desktop_available(&["tauri-driver", "WebKitWebDriver"]) {
        return;
    }
    let prefix = format!("@en{}", std::process::id());
    let org_dir = tempfile::tempdir().unwrap();
    write_org(org_dir.path(), &prefix, "warn");
    let org_file = org_dir.path().join("org.yaml");
    let text = std::fs::read_to_string(&org_file).unwrap();
    std::fs::write(
        &org_file,
        format!("{text}users:\n  - username: ana\n    password: ana-password\n"),
    )
    .unwrap();
    let hub = RunningHub::start(org_dir.path());
    let sandbox = Sandbox::new();
    let env: Vec<(&str, std::ffi::OsString)> = sandbox
        .env()
        .into_iter()
        .map(|(k, v)| (k, v.into_os_string()))
        .collect();
    let env_refs: Vec<(&str, &std::ffi::OsStr)> =
        env.iter().map(|(k, v)| (*k, v.as_os_str())).collect();
    let session = driver::Session::start_with_args(&env_refs, &[&hub.enroll]).await;
    let client = &session.client;

    // Opened with the link: the question comes first.
    wait_for_text(client, "#enroll-title", &format!("Join {ORG}?")).await;
    let shown = text_of(client, "#enroll-fingerprint").await;
    let sent: String = hub.enroll.rsplit("fingerprint=").next().unwrap().to_owned();
    assert_eq!(
        shown.split_whitespace().collect::<String>(),
        sent,
        "the code shown is the one in the admin's link"
    );
    assert!(
        shown.contains(' '),
        "in groups a person can compare: {shown}"
    );
    // The screenshot is of the last frame painted: give the dialog one.
    tokio::time::sleep(Duration::from_millis(500)).await;
    session.screenshot("enroll-question").await;
    click(client, "#enroll-cancel").await;
    assert!(
        client.find(Locator::Css("#enroll-dialog")).await.is_err(),
        "Not now closes the question"
    );
    let (_, out, _) = sandbox.run(&["config", "get", "hub-url"]);
    assert_eq!(out.trim(), "", "nothing changed");

    // The link opened again while the app runs: the new start hands it over and ends.
    let second = tokio::process::Command::new(binary("gatehouse-app"))
        .arg(&hub.enroll)
        .envs(env.iter().map(|(k, v)| (*k, v)))
        .kill_on_drop(true)
        .status();
    let status = tokio::time::timeout(Duration::from_secs(20), second)
        .await
        .expect("a second start ends once it handed over")
        .unwrap();
    assert!(status.success(), "{status:?}");
    wait_for_text(client, "#enroll-title", &format!("Join {ORG}?")).await;

    client
        .find(Locator::Css("#enroll-username"))
        .await
        .unwrap()
        .send_keys("ana")
        .await
        .unwrap();
    client
        .find(Locator::Css("#enroll-password"))
        .await
        .unwrap()
        .send_keys("ana-password")
        .await
        .unwrap();
    click(client, "#enroll-join").await;
    wait_for_text(client, "#enroll-done", &format!("You joined {ORG}")).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    session.screenshot("enroll-done").await;
    click(client, "#enroll-finish").await;
    wait_for_text(client, "#connection-status", "Connected").await;

    // Synced and enforcing: the signed policy is in force for every launch.
    let (code, out, err) = sandbox.run(&["status", "--json"]);
    assert_eq!(code, 0, "{err}");
    let status: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(status["serial"], 1, "{status}");
    assert_eq!(status["organization"], ORG);
    let (code, _, err) = sandbox.run(&["check", &format!("{prefix}/evil")]);
    assert_eq!(code, 4, "the org's deny list is enforced: {err}");
    session.stop().await;
}
