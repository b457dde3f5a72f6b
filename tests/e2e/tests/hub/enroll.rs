//! `gatehouse enroll` end to end: the reference hub prints an enrollment link, a new
//! device joins with it (a token, or the registry's user name and password), the key the
//! link vouches for is pinned and the first sync runs; a link whose fingerprint is not the
//! hub's key, a wrong password or a bad link change nothing; a second enrollment into
//! another organization while a policy is in force needs the current hub's acknowledgement.
//! The token goes to the real OS keyring, so these run where a Secret Service does.

use std::io::Write as _;
use std::process::Stdio;

use gatehouse_e2e::{RunningHub, Sandbox, copy_dir, workspace_root};

use crate::keyring::keyring_available;
use crate::{ORG, RefHub, TOKEN, status};

/// `gatehouse enroll <args>` with `input` on stdin: (exit code, stdout, stderr).
fn enroll(sandbox: &Sandbox, args: &[&str], input: &str) -> (i32, String, String) {
    let mut child = sandbox
        .gatehouse(&[&["enroll"], args].concat())
        .env_remove("GATEHOUSE_HUB_TOKEN")
        .env("GATEHOUSE_HUB_TIMEOUT_MS", "3000")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn setting(sandbox: &Sandbox, key: &str) -> String {
    sandbox.run(&["config", "get", key]).1.trim().to_owned()
}

#[test]
fn a_new_device_joins_from_the_link_with_a_token_and_syncs_at_once() {
    if !keyring_available() {
        return;
    }
    let hub = RefHub::start();
    let sandbox = Sandbox::new();
    let (code, out, err) = enroll(&sandbox, &[&hub.enroll, "--yes", "--token", "-"], TOKEN);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains(&format!("Join {ORG}?")), "{err}");
    let fingerprint = hub_fingerprint(&hub);
    assert!(
        err.contains(&fingerprint),
        "the fingerprint is shown in groups, as the admin reads it: {err}"
    );
    assert!(!err.contains(TOKEN), "the token is never printed: {err}");
    assert!(out.contains("policy stored (serial 1)"), "{out}");
    assert_eq!(status(&sandbox)["serial"], 1);
    assert_eq!(setting(&sandbox, "organization"), ORG);
    assert!(
        setting(&sandbox, "hub-key").starts_with(&hub.key),
        "the hub's key is pinned"
    );
    let (code, _, err) = sandbox.run(&["sync"]);
    assert_eq!(
        code, 0,
        "the token is in the keyring for later syncs: {err}"
    );
}

#[test]
fn a_person_signs_in_with_a_user_name_and_password_instead() {
    if !keyring_available() {
        return;
    }
    let hub = RefHub::start();
    let sandbox = Sandbox::new();
    let (code, _, err) = enroll(
        &sandbox,
        &[&hub.enroll, "--yes", "--username", "ana", "--password", "-"],
        "not-her-password",
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("user name or password is not right"), "{err}");
    assert_eq!(setting(&sandbox, "hub-url"), "", "nothing changed: {err}");

    let (code, _, err) = enroll(
        &sandbox,
        &[&hub.enroll, "--yes", "--username", "ana", "--password", "-"],
        "midsize-demo-password",
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(status(&sandbox)["serial"], 1);
    let (code, _, err) = sandbox.run(&["sync"]);
    assert_eq!(
        code, 0,
        "the token the hub issued signs later syncs in: {err}"
    );
}

#[test]
fn a_link_whose_fingerprint_is_not_the_hubs_key_changes_nothing() {
    let hub = RefHub::start();
    let sandbox = Sandbox::new();
    let print = hub.enroll.rsplit("fingerprint=").next().unwrap().to_owned();
    let forged: String = print
        .chars()
        .map(|c| if c == '0' { '1' } else { '0' })
        .collect();
    let link = hub.enroll.replace(&print, &forged);
    let (code, _, err) = enroll(&sandbox, &[&link, "--yes", "--token", "-"], TOKEN);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("do not join"), "{err}");
    assert_eq!(setting(&sandbox, "hub-url"), "");
    assert_eq!(setting(&sandbox, "hub-key"), "");

    let (code, _, err) = enroll(&sandbox, &["gatehouse://enroll?org=acme-corp"], "");
    assert_eq!(code, 2, "a bad link is a usage error: {err}");
    assert!(err.contains("no `hub`"), "{err}");
    let (code, _, err) = enroll(&sandbox, &["/nowhere/acme.gatehouse-enroll"], "");
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = enroll(&sandbox, &[&hub.enroll, "--token", "-"], TOKEN);
    assert_eq!(code, 2, "nobody to ask and no --yes: {err}");
    assert!(err.contains("--yes"), "{err}");
    assert_eq!(setting(&sandbox, "hub-url"), "", "nothing changed");
}

#[test]
fn an_enrollment_file_holds_the_link() {
    if !keyring_available() {
        return;
    }
    let hub = RefHub::start();
    let sandbox = Sandbox::new();
    let file = sandbox.path().join("acme.gatehouse-enroll");
    std::fs::write(&file, format!("{}\n", hub.enroll)).unwrap();
    let (code, _, err) = enroll(
        &sandbox,
        &[file.to_str().unwrap(), "--yes", "--token", "-"],
        TOKEN,
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(status(&sandbox)["serial"], 1);
}

#[test]
fn joining_another_organization_needs_the_current_hubs_acknowledgement() {
    if !keyring_available() {
        return;
    }
    let mut first = RefHub::start();
    let sandbox = Sandbox::new();
    let (code, _, err) = enroll(&sandbox, &[&first.enroll, "--yes", "--token", "-"], TOKEN);
    assert_eq!(code, 0, "{err}");

    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &workspace_root().join("examples/hub/startup"),
        &dir.path().join("org"),
    );
    let second = RunningHub::start_with(&dir.path().join("org"), true);

    // The hub whose policy is in force cannot be told: nothing changes.
    first.stop();
    let (code, _, err) = enroll(
        &sandbox,
        &[&second.enroll, "--yes", "--token", "-"],
        "startup-demo-token",
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("could not be told"), "{err}");
    assert!(err.contains(&format!("follows `{ORG}` now")), "{err}");
    assert_eq!(setting(&sandbox, "organization"), ORG);

    first.restart();
    let (code, _, err) = enroll(
        &sandbox,
        &[&second.enroll, "--yes", "--token", "-"],
        "startup-demo-token",
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(setting(&sandbox, "organization"), "tinyrocket");
    assert_eq!(status(&sandbox)["organization"], "tinyrocket");
    let told: Vec<String> = first
        .received()
        .iter()
        .filter(|event| event["kind"] == "settings_changed")
        .map(|event| {
            event["detail"]["key"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    for key in ["hub-url", "organization", "hub-key"] {
        assert!(
            told.iter().any(|k| k == key),
            "the old hub was told of the `{key}` change: {told:?}"
        );
    }
}

/// The hub's fingerprint as it prints it (groups of four).
fn hub_fingerprint(hub: &RefHub) -> String {
    let hex = hub.enroll.rsplit("fingerprint=").next().unwrap();
    hex.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}
