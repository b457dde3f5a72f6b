//! The flows of the app a person meets, in the real window against the reference hub:
//! badges and verdicts, the policy view, a confirmation window raised by `gatehouse run`
//! (Run once lets the launcher proceed, Don't run makes it exit 4), a policy change on the
//! hub turning a server Blocked after Sync now with a desktop notification, and the
//! activity view listing what happened. Each step saves a screenshot.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use fantoccini::{Client, Locator};
use gatehouse_e2e::{RunningHub, Sandbox, desktop_available, notifications_about, workspace_root};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::driver;

const ORG: &str = "ui-e2e";
const TOKEN: &str = "ui-e2e-token";

fn write_org(dir: &Path, prefix: &str, cert_mode: &str) {
    std::fs::create_dir_all(dir.join("policy")).unwrap();
    std::fs::write(
        dir.join("org.yaml"),
        format!("org: {ORG}\nmax_offline_age: 7d\nstale_mode: warn\ntokens:\n  - {TOKEN}\n"),
    )
    .unwrap();
    let entry = |name: &str, origin: &str, level: u8, score: u8| {
        format!(
            "- name: \"{prefix}/{name}\"\n  version: \"1.0.0\"\n  digest: \"sha256:{}\"\n  origin: {origin}\n  cert_level: {level}\n  score: {score}\n  status: published\n",
            "ab".repeat(32)
        )
    };
    std::fs::write(
        dir.join("catalog.yaml"),
        [
            entry("good", "official", 3, 95),
            entry("meh", "verified", 1, 80),
            entry("evil", "community", 0, 20),
        ]
        .concat(),
    )
    .unwrap();
    set_org_policy(dir, prefix, cert_mode);
}

fn set_org_policy(dir: &Path, prefix: &str, cert_mode: &str) {
    std::fs::write(
        dir.join("policy/org.yaml"),
        format!("min_cert_level: 2\ncert_mode: {cert_mode}\ndeny_list:\n  - \"{prefix}/evil\"\n"),
    )
    .unwrap();
}

fn add(sandbox: &Sandbox, id: &str, name: &str) {
    let script = workspace_root().join("tests/e2e/fixtures/fake-server.mjs");
    let (code, _, err) = sandbox.run(&[
        "servers",
        "add",
        id,
        "--name",
        name,
        "--version",
        "1.0.0",
        "--",
        "node",
        script.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "servers add {id}: {err}");
}

pub(crate) async fn text_of(client: &Client, css: &str) -> String {
    let element = client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("`{css}` never appeared: {e}"));
    element.text().await.unwrap()
}

/// Waits until `css` shows `expected` (the view reloads on the app's change events).
pub(crate) async fn wait_for_text(client: &Client, css: &str, expected: &str) {
    let mut seen = String::new();
    for _ in 0..100 {
        if let Ok(element) = client.find(Locator::Css(css)).await {
            seen = element.text().await.unwrap_or_default();
            if seen.contains(expected) {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("`{css}` shows `{seen}`, expected `{expected}`");
}

pub(crate) async fn click(client: &Client, css: &str) {
    client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("`{css}` never appeared: {e}"))
        .click()
        .await
        .unwrap();
}

/// Clicks an answer in a confirmation window, which closes the window: WebDriver may then
/// report the window gone instead of the click's success.
async fn click_answer(client: &Client, css: &str) {
    let button = client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("`{css}` never appeared: {e}"));
    let _ = button.click().await;
}

/// Starts `gatehouse run <id>` as a client app would: stdio on pipes, no terminal.
fn launch(sandbox: &Sandbox, id: &str) -> tokio::process::Child {
    tokio::process::Command::new(gatehouse_e2e::binary("gatehouse"))
        .args(["run", id])
        .envs(sandbox.env())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

/// Switches to the confirmation window once it opens, and returns the main window's handle.
async fn switch_to_new_window(client: &Client, main: &fantoccini::wd::WindowHandle) {
    for _ in 0..150 {
        let windows = client.windows().await.unwrap();
        if let Some(other) = windows.into_iter().find(|w| w != main) {
            client.switch_to_window(other).await.unwrap();
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("no confirmation window opened within 30 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_sees_verdicts_confirms_a_launch_and_follows_a_policy_change() {
    if !desktop_available(&["tauri-driver", "WebKitWebDriver", "dunstctl"]) {
        return;
    }
    // Unique per run: dunst's history outlives one test.
    let prefix = format!("@ui{}", std::process::id());
    let org_dir = tempfile::tempdir().unwrap();
    write_org(org_dir.path(), &prefix, "warn");
    let hub = RunningHub::start(org_dir.path());
    let sandbox = Sandbox::new();
    hub.follow(&sandbox, ORG);
    let synced = sandbox
        .gatehouse(&["sync"])
        .env("GATEHOUSE_HUB_TOKEN", TOKEN)
        .output()
        .unwrap();
    assert!(synced.status.success(), "first sync: {synced:?}");
    add(&sandbox, "good", &format!("{prefix}/good"));
    add(&sandbox, "meh", &format!("{prefix}/meh"));
    add(&sandbox, "evil", &format!("{prefix}/evil"));

    let mut env: Vec<(&str, std::ffi::OsString)> = sandbox
        .env()
        .into_iter()
        .map(|(k, v)| (k, v.into_os_string()))
        .collect();
    env.push(("GATEHOUSE_HUB_TOKEN", TOKEN.into()));
    let env_refs: Vec<(&str, &std::ffi::OsStr)> =
        env.iter().map(|(k, v)| (*k, v.as_os_str())).collect();
    let session = driver::Session::start(&env_refs).await;
    let client = &session.client;

    // The servers view: badges with text, and each verdict.
    let row = |id: &str, part: &str| format!("[data-server-id=\"{id}\"] {part}");
    wait_for_text(client, &row("good", ".badge-verdict"), "Allowed").await;
    wait_for_text(client, &row("meh", ".badge-verdict"), "Asks first").await;
    wait_for_text(client, &row("evil", ".badge-verdict"), "Blocked").await;
    assert_eq!(
        text_of(client, &row("good", ".badge-level")).await,
        "Level 3 · Runtime Certified"
    );
    assert_eq!(
        text_of(client, &row("good", ".badge-score")).await,
        "Score 95/100"
    );
    assert_eq!(
        text_of(client, &row("good", ".badge-origin")).await,
        "Official"
    );
    assert_eq!(
        text_of(client, &row("evil", ".badge-origin")).await,
        "Community"
    );
    let reasons = text_of(client, &row("meh", ".reasons")).await;
    assert!(
        reasons.contains("Rule set by your organization"),
        "each reason names the layer that set the rule: {reasons}"
    );
    let connection = text_of(client, "#connection-status").await;
    assert!(connection.starts_with("Connected"), "{connection}");
    session.screenshot("servers-view").await;

    // The policy view: provenance and the snapshot.
    click(client, "#nav-policy").await;
    wait_for_text(client, "#policy-serial", "serial 1").await;
    let level_rule = text_of(client, "[data-rule=\"min_cert_level\"]").await;
    assert!(
        level_rule.contains("2 — Security Certified") && level_rule.contains("your organization"),
        "{level_rule}"
    );
    session.screenshot("policy-view").await;

    // A client app starts the warn-verdict server: the app asks; Run once lets it run.
    let main = client.window().await.unwrap();
    let mut launcher = launch(&sandbox, "meh");
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
    let mut stdin = launcher.stdin.take().unwrap();
    stdin
        .write_all(b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"e2e\",\"version\":\"1\"}}}\n")
        .await
        .unwrap();
    let mut answer = String::new();
    let mut stdout = BufReader::new(launcher.stdout.take().unwrap());
    tokio::time::timeout(Duration::from_secs(30), stdout.read_line(&mut answer))
        .await
        .expect("after Run once the launcher starts the server and proxies its answer")
        .unwrap();
    assert!(answer.contains("\"result\""), "{answer}");
    drop(stdin);
    let _ = tokio::time::timeout(Duration::from_secs(10), launcher.wait()).await;
    client.switch_to_window(main.clone()).await.unwrap();

    // Again, and Don't run: the launcher exits 4 without starting anything.
    let mut declined = launch(&sandbox, "meh");
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
    set_org_policy(org_dir.path(), &prefix, "strict");
    click(client, "#nav-servers").await;
    click(client, "#sync-now").await;
    wait_for_text(client, "#sync-result", "serial 2").await;
    wait_for_text(client, &row("meh", ".badge-verdict"), "Blocked").await;
    let told = notifications_about(&format!("{prefix}/meh"), 1, Duration::from_secs(5));
    assert_eq!(
        told.len(),
        1,
        "one notification about the server that got worse: {told:?}"
    );
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
    session.stop().await;
}
