//! The tray app at rest holds no web view: the resident process (started as at login) runs
//! without OpenGL and with nothing below it; the window is a process of its own, started
//! when it is opened and gone, with WebKit's processes, when it is closed; a confirmation
//! asked while the window is closed is shown by a window process too, and closing it is
//! "Don't run"; started from the menu, the tray process opens the window at once. Driven
//! through X (no WebDriver: it can only drive web views in the process
//! it started, which is why a driven app keeps its windows in one process), on a display of
//! its own: the WebDriver tests of this binary run at the same time on the shared one, with
//! windows of the same titles.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use gatehouse_e2e::{Sandbox, binary, desktop_available, workspace_root};

use crate::support::{add_claiming, launch};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tray_holds_no_web_view_and_each_window_is_a_process_that_ends_with_it() {
    if !desktop_available(&["xwininfo", "cc", "Xvfb", "xdpyinfo"]) {
        return;
    }
    let display = OwnDisplay::start();
    let sandbox = Sandbox::new();
    sandbox.write_config("policy:\n  min_cert_level: 1\n  cert_mode: warn\n");
    add_claiming(&sandbox, "notes", "Notes");
    let close = close_window_tool(sandbox.path());
    let app = |args: &[&str]| {
        let mut command = tokio::process::Command::new(binary("gatehouse-app"));
        command
            .args(args)
            .envs(sandbox.env())
            .env("DISPLAY", &display.name)
            .env_remove("TAURI_WEBVIEW_AUTOMATION")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true);
        command
    };

    // Started as at login: the tray only, without OpenGL, nothing below it.
    let mut resident = app(&["--hidden"]).spawn().unwrap();
    let socket = sandbox.data_dir().join("gatehouse.sock");
    wait_until("the app listens", || socket.exists()).await;
    let resident_pid = resident.id().unwrap();
    assert_eq!(
        environ(resident_pid, "GDK_GL").as_deref(),
        Some("disable"),
        "the tray process draws nothing and starts without OpenGL"
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(ours(&sandbox), [resident_pid], "at rest, no other process");

    // Opened as the menu does (a second start hands over): a window process shows it.
    let second = app(&[]).status().await.unwrap();
    assert!(second.success(), "the second start hands over and ends");
    wait_until("the window is on the screen", || {
        display.mapped("Gatehouse")
    })
    .await;
    let window = window_process(resident_pid).expect("the window has a process of its own");
    assert_eq!(
        environ(window, "GDK_GL"),
        None,
        "the window process draws with OpenGL as any app does"
    );
    wait_until(
        "the web view's processes run below the window process",
        || ours(&sandbox).len() > 2,
    )
    .await;

    // Closed: the window process and WebKit's go; the tray lives on.
    display.close_window(&close, "Gatehouse");
    wait_until("only the tray process is left", || {
        ours(&sandbox) == [resident_pid]
    })
    .await;
    assert!(
        resident.try_wait().unwrap().is_none(),
        "the tray app runs on"
    );

    // A start that must be confirmed while the window is closed: a window process asks.
    let mut launcher = launch(&sandbox, "notes", Some("cursor"));
    wait_until("the question is on the screen", || {
        display.mapped("Run notes?")
    })
    .await;
    assert!(window_process(resident_pid).is_some());
    display.close_window(&close, "Run notes?");
    let code = tokio::time::timeout(Duration::from_secs(20), launcher.wait())
        .await
        .expect("closing the question answers the launcher at once")
        .unwrap()
        .code();
    assert_eq!(code, Some(4), "a closed question is \"Don't run\"");
    assert!(
        sandbox
            .audit()
            .iter()
            .any(|event| event["kind"] == "confirm_declined" && event["server"] == "notes"),
        "recorded as the person's answer"
    );
    wait_until("the question's process ended", || {
        ours(&sandbox) == [resident_pid]
    })
    .await;
    let _ = resident.kill().await;
    let _ = resident.wait().await;

    // Started from the menu with no tray app running: the tray process starts and opens
    // the window at once (asked from the app's setup, outside the async runtime).
    let _ = std::fs::remove_file(&socket);
    let mut started = app(&[]).spawn().unwrap();
    wait_until("the window is on the screen", || {
        display.mapped("Gatehouse")
    })
    .await;
    let started_pid = started.id().unwrap();
    assert!(window_process(started_pid).is_some(), "in a window process");
    assert!(
        started.try_wait().unwrap().is_none(),
        "the tray app runs on"
    );
    let _ = started.kill().await;
}

/// Builds the helper that asks a window to close as a window manager's close button does.
fn close_window_tool(dir: &Path) -> PathBuf {
    let tool = dir.join("close-window");
    let built = std::process::Command::new("cc")
        .arg("-O2")
        .arg("-o")
        .arg(&tool)
        .arg(workspace_root().join("tests/e2e/fixtures/close-window.c"))
        .arg("-lX11")
        .status()
        .unwrap();
    assert!(built.success(), "the close-window helper builds");
    tool
}

/// An X display of this test's own, ended with it.
struct OwnDisplay {
    name: String,
    server: std::process::Child,
}

impl OwnDisplay {
    fn start() -> OwnDisplay {
        for number in 70..100 {
            let name = format!(":{number}");
            if Path::new(&format!("/tmp/.X{number}-lock")).exists() {
                continue;
            }
            let mut server = std::process::Command::new("Xvfb")
                .args([
                    name.as_str(),
                    "-screen",
                    "0",
                    "1280x800x24",
                    "-nolisten",
                    "tcp",
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            let deadline = Instant::now() + Duration::from_secs(10);
            // Another display may take the number first: Xvfb then ends, and the next is tried.
            while Instant::now() < deadline && server.try_wait().unwrap().is_none() {
                let up = std::process::Command::new("xdpyinfo")
                    .args(["-display", name.as_str()])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .is_ok_and(|status| status.success());
                if up {
                    return OwnDisplay { name, server };
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = server.kill();
            let _ = server.wait();
        }
        panic!("no X display could be started for the test");
    }

    /// Whether a window titled `title` is on this display.
    fn mapped(&self, title: &str) -> bool {
        std::process::Command::new("xwininfo")
            .args(["-display", self.name.as_str(), "-name", title])
            .output()
            .is_ok_and(|out| {
                out.status.success() && String::from_utf8_lossy(&out.stdout).contains("IsViewable")
            })
    }

    /// Asks the window titled `title` to close, as its close button would. On a loaded
    /// machine the helper has twice found no such window just after `mapped` saw it (cold
    /// CI): it asks again for a while, and says what the display held if it never could.
    fn close_window(&self, tool: &Path, title: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let asked = std::process::Command::new(tool)
                .arg(title)
                .env("DISPLAY", &self.name)
                .status()
                .unwrap();
            if asked.success() {
                return;
            }
            if Instant::now() > deadline {
                let tree = std::process::Command::new("xwininfo")
                    .args(["-display", self.name.as_str(), "-root", "-tree"])
                    .output()
                    .map(|out| String::from_utf8_lossy(&out.stdout).into_owned())
                    .unwrap_or_default();
                panic!("no window titled {title:?} to close ({asked}); the display holds:\n{tree}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for OwnDisplay {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}

async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(Instant::now() < deadline, "within 30 s: {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The processes of this sandbox's app, whoever their parent is now (WebKit's processes
/// carry the environment they were started with): sorted pids.
fn ours(sandbox: &Sandbox) -> Vec<u32> {
    let marker = format!("GATEHOUSE_DATA_DIR={}", sandbox.data_dir().display());
    let mut found: Vec<u32> = std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let alive = std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
                !stat
                    .rsplit(')')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .starts_with('Z')
            });
            alive
                && std::fs::read(format!("/proc/{pid}/environ")).is_ok_and(|env| {
                    env.split(|byte| *byte == 0)
                        .any(|entry| entry == marker.as_bytes())
                })
        })
        .collect();
    found.sort_unstable();
    found
}

/// The value of `name` in process `pid`'s environment.
fn environ(pid: u32, name: &str) -> Option<String> {
    let env = std::fs::read(format!("/proc/{pid}/environ")).ok()?;
    let prefix = format!("{name}=");
    env.split(|byte| *byte == 0).find_map(|entry| {
        String::from_utf8_lossy(entry)
            .strip_prefix(&prefix)
            .map(str::to_owned)
    })
}

/// The window process below `resident`, if one runs.
fn window_process(resident: u32) -> Option<u32> {
    std::fs::read_dir("/proc")
        .ok()?
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .find(|pid| {
            let parent = std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .ok()
                .and_then(|stat| {
                    stat.rsplit(')')
                        .next()?
                        .split_whitespace()
                        .nth(1)?
                        .parse::<u32>()
                        .ok()
                });
            parent == Some(resident)
                && std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|cmdline| {
                    cmdline
                        .split(|byte| *byte == 0)
                        .any(|arg| arg == b"--window")
                })
        })
}
