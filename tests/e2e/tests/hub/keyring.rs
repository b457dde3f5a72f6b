//! `login` / `logout` with the real OS keyring. Runs only where a Secret Service is
//! reachable on the session bus (under `make test` a gnome-keyring runs there); skipped
//! otherwise, unless `GATEHOUSE_REQUIRE_DESKTOP` is set, then it fails.

use std::io::Write as _;
use std::process::Stdio;

use crate::{RefHub, status};

pub(crate) fn keyring_available() -> bool {
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some() {
        return true;
    }
    if std::env::var_os("GATEHOUSE_REQUIRE_DESKTOP").is_some() {
        panic!("the keyring test needs a D-Bus session with a Secret Service");
    }
    eprintln!("SKIPPED: the keyring test needs a D-Bus session (DBUS_SESSION_BUS_ADDRESS)");
    false
}

#[test]
fn login_stores_the_token_in_the_keyring_and_logout_removes_it() {
    if !keyring_available() {
        return;
    }
    let hub = RefHub::start();
    let sandbox = hub.sandbox();
    let mut login = sandbox
        .gatehouse(&["login", "--token", "-"])
        .env_remove("GATEHOUSE_HUB_TOKEN")
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(login.stdin.take().unwrap(), "{}", crate::TOKEN).unwrap();
    let output = login.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{err}");
    assert!(
        !err.contains(crate::TOKEN),
        "the token is never printed: {err}"
    );

    let (code, _, err) = sandbox.run(&["sync"]);
    assert_eq!(code, 0, "the keyring's token signs the sync in: {err}");
    assert_eq!(status(&sandbox)["serial"], 1);

    let (code, _, err) = sandbox.run(&["logout"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = sandbox.run(&["sync"]);
    assert_eq!(code, 1, "without a token the hub answers 401");
    assert!(err.contains("401"), "{err}");
}

#[test]
fn login_without_a_hub_configured_says_what_to_set() {
    let sandbox = gatehouse_e2e::Sandbox::new();
    let (code, _, err) = sandbox.run(&["login", "--token", "x"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("gatehouse config set hub-url"), "{err}");
}

#[test]
fn login_without_a_token_or_terminal_is_a_usage_error() {
    let hub = RefHub::start();
    let sandbox = hub.sandbox();
    let (code, _, err) = sandbox.run(&["login"]);
    assert_eq!(
        code, 2,
        "stdin is not a terminal, so nobody can be asked: {err}"
    );
    assert!(err.contains("--token -"), "{err}");
}

#[cfg(target_os = "linux")]
#[test]
fn login_with_no_keyring_reachable_exits_1_with_a_message() {
    let hub = RefHub::start();
    let sandbox = hub.sandbox();
    let output = sandbox
        .gatehouse(&["login", "--token", "secret-value"])
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env_remove("DISPLAY")
        .env("XDG_RUNTIME_DIR", sandbox.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(err.contains("the OS keyring is unavailable"), "{err}");
    assert!(!err.contains("secret-value"), "{err}");
}

#[test]
fn first_login_without_a_pinned_key_offers_the_hubs_key_and_pins_nothing() {
    if !keyring_available() {
        return;
    }
    let hub = RefHub::start();
    let sandbox = gatehouse_e2e::Sandbox::new();
    for (name, value) in [("hub-url", hub.url.as_str()), ("organization", crate::ORG)] {
        assert_eq!(sandbox.run(&["config", "set", name, value]).0, 0);
    }
    let mut login = sandbox
        .gatehouse(&["login", "--token", "-"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(login.stdin.take().unwrap(), "{}", crate::TOKEN).unwrap();
    let output = login.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{err}");
    assert!(
        err.contains(&hub.key) && err.contains("fingerprint"),
        "{err}"
    );
    let (_, pinned, _) = sandbox.run(&["config", "get", "hub-key"]);
    assert!(
        pinned.trim().is_empty(),
        "nothing is pinned without consent: {pinned}"
    );
    let (code, _, err) = sandbox.run(&["logout"]);
    assert_eq!(code, 0, "{err}");
}
