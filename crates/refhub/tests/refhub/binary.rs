//! The `gatehouse-refhub` binary as scripts use it: the address on the first line, the key
//! to pin after it, a serial that survives restarts, clear startup errors.

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use gatehouse_hub::PinnedKey;

use crate::common::{FILES, ORG, TOKEN, accept, write_files};

/// A running binary, killed when dropped.
struct Running {
    child: Child,
    url: String,
    hub_key: String,
    lines: Vec<String>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn command(dir: &Path, own: &Path, listen: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_gatehouse-refhub"));
    command
        .arg("--dir")
        .arg(dir)
        .args(["--listen", listen, "--key-id", "hub-2026-01"])
        .arg("--key")
        .arg(own.join("key"))
        .arg("--state")
        .arg(own.join("state.db"))
        .stdin(Stdio::null());
    command
}

/// Starts the binary and reads its six startup lines.
fn start(dir: &Path, own: &Path, extra: &[&str]) -> Running {
    let mut child = command(dir, own, "127.0.0.1:0")
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut lines = Vec::new();
    for _ in 0..6 {
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        lines.push(line.trim_end().to_owned());
    }
    let url = lines[0]
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("the first line gives the address: {lines:?}"))
        .to_owned();
    let hub_key = lines
        .iter()
        .find_map(|line| line.strip_prefix("hub-key: "))
        .unwrap()
        .to_owned();
    Running {
        child,
        url,
        hub_key,
        lines,
    }
}

async fn serial(running: &Running) -> u64 {
    let body = crate::common::http_client()
        .get(format!("{}/api/v1/orgs/{ORG}/policy-bundle", running.url))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let pinned = gatehouse_hub::TrustedKeys(vec![PinnedKey::parse(&running.hub_key).unwrap()]);
    accept(&body, &pinned)
        .expect("verifies with the key the binary printed")
        .serial
}

#[tokio::test]
async fn the_binary_prints_its_address_and_key_and_keeps_its_serial() {
    let root = tempfile::tempdir().unwrap();
    let (dir, own) = (root.path().join("org"), root.path().join("own"));
    write_files(&dir, FILES);

    let first = start(&dir, &own, &[]);
    assert!(first.url.starts_with("http://127.0.0.1:"), "{}", first.url);
    assert!(
        first.hub_key.starts_with("hub-2026-01:"),
        "the --key-id is used"
    );
    assert_eq!(first.lines[1], format!("org: {ORG}"));
    assert!(
        first
            .lines
            .iter()
            .any(|line| line.starts_with("fingerprint: "))
    );
    let fingerprint: String = first.lines[3]
        .trim_start_matches("fingerprint: ")
        .split_whitespace()
        .collect();
    assert_eq!(
        first.lines[4],
        format!(
            "enroll: gatehouse://enroll?hub={}&org={ORG}&key_id=hub-2026-01&fingerprint={fingerprint}",
            first.url.replace(':', "%3A").replace('/', "%2F")
        ),
        "the enrollment link names this hub, its org and its key"
    );
    assert_eq!(first.lines[5], "serial: 1");
    assert_eq!(serial(&first).await, 1);
    drop(first);

    write_files(&dir, &[("policy/org.yaml", "min_cert_level: 2\n")]);
    let second = start(&dir, &own, &[]);
    assert_eq!(
        serial(&second).await,
        2,
        "an edit while stopped is the next serial"
    );
    drop(second);

    let third = start(&dir, &own, &[]);
    assert_eq!(serial(&third).await, 2, "a restart alone changes nothing");
    assert_eq!(third.lines[5], "serial: 2");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(own.join("key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn startup_errors_are_clear_and_fail() {
    let root = tempfile::tempdir().unwrap();
    let (dir, own) = (root.path().join("org"), root.path().join("own"));
    write_files(&dir, FILES);
    write_files(&dir, &[("policy/mandatory.yaml", "min_cert_level: 7\n")]);
    let output = command(&dir, &own, "127.0.0.1:0").output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with("error: ")
            && stderr.contains("mandatory.yaml")
            && stderr.contains("min_cert_level"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty(), "no address: it never listened");

    write_files(&dir, FILES);
    std::fs::remove_file(dir.join("policy/mandatory.yaml")).unwrap();
    let output = command(&dir, &own, "0.0.0.0:0")
        .arg("--faults")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--faults"));

    std::fs::write(own.join("key"), "not a key").unwrap();
    let output = command(&dir, &own, "127.0.0.1:0").output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("not a signing key"));
}
