//! What the window tests share: an org on the reference hub with three servers, the app
//! started on a sandbox that follows it, and small WebDriver helpers.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use fantoccini::{Client, Locator};
use gatehouse_e2e::{RunningHub, Sandbox, digest_of, fake_server_bundle, workspace_root};
use tempfile::TempDir;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::driver;

/// Held by every test step that makes the app send a desktop notification, or that needs
/// to know which notifications are on screen: the tests of this binary share one dunst.
pub static NOTIFICATIONS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

pub const ORG: &str = "ui-e2e";
pub const TOKEN: &str = "ui-e2e-token";

pub fn write_org(dir: &Path, prefix: &str, cert_mode: &str) {
    std::fs::create_dir_all(dir.join("policy")).unwrap();
    std::fs::write(
        dir.join("org.yaml"),
        format!("org: {ORG}\nmax_offline_age: 7d\nstale_mode: warn\ntokens:\n  - {TOKEN}\n"),
    )
    .unwrap();
    let entry = |name: &str, origin: &str, level: u8, score: u8| {
        format!(
            "- name: \"{prefix}/{name}\"\n  version: \"1.0.0\"\n  digest: \"{}\"\n  origin: {origin}\n  cert_level: {level}\n  score: {score}\n  status: published\n",
            digest_of(&fake_server_bundle())
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

pub fn set_org_policy(dir: &Path, prefix: &str, cert_mode: &str) {
    std::fs::write(
        dir.join("policy/org.yaml"),
        format!("min_cert_level: 2\ncert_mode: {cert_mode}\ndeny_list:\n  - \"{prefix}/evil\"\n"),
    )
    .unwrap();
}

/// Installs the fake server as `{prefix}/{short}` from files the signed catalog certifies:
/// its id is that name, and it has the catalog's badges (a name given to `servers add`
/// would be a claim only).
pub fn install(sandbox: &Sandbox, prefix: &str, short: &str) {
    sandbox.install_fake_server(&format!("{prefix}/{short}"), "1.0.0");
}

/// Adds the fake server as `id`, claiming `name`: unbound, so it borrows no badge, though
/// a deny list still sees the claim.
pub fn add_claiming(sandbox: &Sandbox, id: &str, name: &str) {
    let script = workspace_root().join("tests/e2e/fixtures/fake-server.mjs");
    let (code, _, err) = sandbox.run(&[
        "servers",
        "add",
        id,
        "--name",
        name,
        "--",
        "node",
        script.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "servers add {id}: {err}");
}

pub async fn text_of(client: &Client, css: &str) -> String {
    let element = client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("`{css}` never appeared: {e}"));
    element.text().await.unwrap()
}

/// Waits until `css` shows `expected` (the view reloads on the app's change events), for
/// up to a minute: a liveness wait, generous because a cold CI machine is slow, not a
/// timing check.
pub async fn wait_for_text(client: &Client, css: &str, expected: &str) {
    let mut seen = String::new();
    for _ in 0..300 {
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

/// Clicks Sync now and waits, for up to 90 s, until its result shows `expected`; a sync
/// error fails the test with the words the person saw. A click the page never acted on
/// (the button neither said "Syncing…" nor left a result: the cold CI once lost one while
/// the header re-rendered) is made again once the button has been idle for 10 s.
pub async fn sync_now(client: &Client, expected: &str) {
    let started = std::time::Instant::now();
    let mut clicked = std::time::Instant::now();
    click(client, "#sync-now").await;
    let mut seen = String::new();
    while started.elapsed() < Duration::from_secs(90) {
        tokio::time::sleep(Duration::from_millis(200)).await;
        if let Ok(error) = client.find(Locator::Css("#sync-error")).await {
            panic!(
                "Sync now failed: {}",
                error.text().await.unwrap_or_default()
            );
        }
        if let Ok(result) = client.find(Locator::Css("#sync-result")).await {
            seen = result.text().await.unwrap_or_default();
            if seen.contains(expected) {
                return;
            }
        }
        let Ok(button) = client.find(Locator::Css("#sync-now")).await else {
            continue;
        };
        let idle = button.is_enabled().await.unwrap_or(false)
            && !button.text().await.unwrap_or_default().contains("Syncing");
        if idle && clicked.elapsed() > Duration::from_secs(10) {
            button.click().await.unwrap();
            clicked = std::time::Instant::now();
        }
    }
    panic!("after Sync now, `#sync-result` shows `{seen}`, expected `{expected}`");
}

pub async fn click(client: &Client, css: &str) {
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

/// A CSS selector for `part` of the servers view's row of `id`.
pub fn row(id: &str, part: &str) -> String {
    format!("[data-server-id=\"{id}\"] {part}")
}

/// The real app in a window, with `sandbox`'s data and home and `token` as its hub token.
pub async fn start_app(sandbox: &Sandbox, token: &str) -> driver::Session {
    let mut env: Vec<(&str, std::ffi::OsString)> = sandbox
        .env()
        .into_iter()
        .map(|(k, v)| (k, v.into_os_string()))
        .collect();
    env.push(("GATEHOUSE_HUB_TOKEN", token.into()));
    let env_refs: Vec<(&str, &std::ffi::OsStr)> =
        env.iter().map(|(k, v)| (*k, v.as_os_str())).collect();
    driver::Session::start(&env_refs).await
}

/// The app in a real window, following a reference hub whose org lists `good` (level 3),
/// `meh` (level 1) and `evil` (denied) under `prefix`, synced once from the command line;
/// `good` and `meh` installed verified (ids `{prefix}/good`, `{prefix}/meh`), `evil` added
/// by hand as id `evil` claiming the denied name. With `cert_mode` `warn`, `meh` asks first; `strict` blocks it.
pub struct HubApp {
    pub session: driver::Session,
    pub sandbox: Sandbox,
    /// Declared before `org_dir`, so the hub stops before its directory is removed.
    _hub: RunningHub,
    pub org_dir: TempDir,
    pub prefix: String,
}

impl HubApp {
    /// `prefix` must be unique per test: dunst's history is shared by the whole run.
    pub async fn start(prefix: String, cert_mode: &str) -> HubApp {
        let org_dir = tempfile::tempdir().unwrap();
        write_org(org_dir.path(), &prefix, cert_mode);
        let hub = RunningHub::start(org_dir.path());
        let sandbox = Sandbox::new();
        hub.follow(&sandbox, ORG);
        let synced = sandbox
            .gatehouse(&["sync"])
            .env("GATEHOUSE_HUB_TOKEN", TOKEN)
            .output()
            .unwrap();
        assert!(synced.status.success(), "first sync: {synced:?}");
        install(&sandbox, &prefix, "good");
        install(&sandbox, &prefix, "meh");
        // Denied, so it cannot be installed: added by hand claiming the denied name.
        add_claiming(&sandbox, "evil", &format!("{prefix}/evil"));
        let session = start_app(&sandbox, TOKEN).await;
        HubApp {
            session,
            sandbox,
            _hub: hub,
            org_dir,
            prefix,
        }
    }

    /// The id of the installed server `short` (`good` or `meh`): its package name.
    pub fn id(&self, short: &str) -> String {
        format!("{}/{short}", self.prefix)
    }

    pub fn client(&self) -> &Client {
        &self.session.client
    }

    /// The serial `gatehouse status` reports from the app's store.
    pub fn stored_serial(&self) -> serde_json::Value {
        let (code, out, err) = self.sandbox.run(&["status", "--json"]);
        assert_eq!(code, 0, "{err}");
        let status: serde_json::Value = serde_json::from_str(&out).unwrap();
        status["serial"].clone()
    }
}

/// Clicks an answer in a confirmation window, which closes the window: WebDriver may then
/// report the window gone instead of the click's success.
pub async fn click_answer(client: &Client, css: &str) {
    let button = client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("`{css}` never appeared: {e}"));
    let _ = button.click().await;
}

/// Starts `gatehouse run <id>` as a client app would: stdio on pipes, no terminal, and
/// `--client <app>` as wiring writes it, when given.
pub fn launch(sandbox: &Sandbox, id: &str, client: Option<&str>) -> tokio::process::Child {
    tokio::process::Command::new(gatehouse_e2e::binary("gatehouse"))
        .args(["run", id])
        .args(client.map(|app| ["--client", app]).into_iter().flatten())
        .envs(sandbox.env())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

/// Switches to the confirmation window once it opens, and returns the main window's handle.
pub async fn switch_to_new_window(client: &Client, main: &fantoccini::wd::WindowHandle) {
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

const INITIALIZE: &[u8] = b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"e2e\",\"version\":\"1\"}}}\n";

/// Lets a started launcher answer `initialize` (so the server really ran), then ends it.
pub async fn ran(mut launcher: tokio::process::Child) {
    let mut stdin = launcher.stdin.take().unwrap();
    stdin.write_all(INITIALIZE).await.unwrap();
    let mut answer = String::new();
    let mut stdout = BufReader::new(launcher.stdout.take().unwrap());
    tokio::time::timeout(Duration::from_secs(30), stdout.read_line(&mut answer))
        .await
        .expect("the launcher starts the server and proxies its answer")
        .unwrap();
    assert!(answer.contains("\"result\""), "{answer}");
    drop(stdin);
    let _ = tokio::time::timeout(Duration::from_secs(10), launcher.wait()).await;
}
