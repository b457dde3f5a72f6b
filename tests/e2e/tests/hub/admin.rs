//! What the admin sees (HUB_API.md B1, B2, B4): every device with its inventory, whether it
//! complies and why not, and the gaps in its audit log, from the reference hub's
//! `GET /api/v1/orgs/{org}/devices` after real syncs of the real binary.

use gatehouse_e2e::Sandbox;
use gatehouse_e2e::http_as;
use serde_json::{Value, json};

use crate::{ORG, RefHub, TOKEN};

fn devices(hub: &RefHub) -> Value {
    let path = format!("/api/v1/orgs/{ORG}/devices");
    let (status, body) = http_as(&hub.url, "GET", &path, None, Some(TOKEN));
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

/// `gatehouse sync` with the client apps' files under the sandbox's home.
fn sync(sandbox: &Sandbox) -> (i32, String) {
    let output = sandbox
        .gatehouse(&["sync"])
        .env("GATEHOUSE_HUB_TOKEN", TOKEN)
        .env("XDG_CONFIG_HOME", sandbox.path().join("home/.config"))
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn the_admin_sees_each_device_with_its_inventory_and_why_it_does_not_comply() {
    let hub = RefHub::start();
    let sandbox = hub.sandbox();
    let (code, _, err) = sandbox.run(&["servers", "add", "notes", "--", "/bin/true"]);
    assert_eq!(code, 0, "{err}");
    let config = sandbox
        .path()
        .join("home/.config/Claude/claude_desktop_config.json");
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    let text = json!({"mcpServers": {
        "db": {"command": "npx", "args": ["-y", "mcp-db", "postgres://app:hunter2@db/app"]},
        "linear": {"type": "sse", "url": "https://mcp.linear.app/sse?token=abcdef"},
    }});
    std::fs::write(&config, text.to_string()).unwrap();
    let (code, err) = sync(&sandbox);
    assert_eq!(code, 0, "{err}");

    let list = devices(&hub);
    let all = list["devices"].as_array().unwrap();
    assert_eq!(all.len(), 1, "{list:#}");
    let device = &all[0];
    assert!(
        device["hostname"].as_str().is_some_and(|h| !h.is_empty()),
        "{device:#}"
    );
    assert_eq!(device["app_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(device["serial"], list["published_serial"]);
    assert_eq!(device["managed"], false);
    assert_eq!(device["compliant"], false);
    let problems = device["problems"].to_string();
    assert!(problems.contains("managed settings"), "{problems}");
    assert!(
        problems.contains("1 server(s) run outside Gatehouse"),
        "{problems}"
    );
    assert_eq!(device["audit_gaps"], json!([]), "{device:#}");
    let inventory = &device["inventory"];
    assert_eq!(inventory["servers"][0]["id"], "notes", "{inventory:#}");
    assert_eq!(inventory["unrouted"][0]["entry"], "db", "{inventory:#}");
    assert_eq!(inventory["remote"][0]["entry"], "linear", "{inventory:#}");
    let sent = inventory.to_string();
    assert!(
        !sent.contains("hunter2") && !sent.contains("abcdef"),
        "no secret leaves the machine: {sent}"
    );
    assert!(sent.contains("<redacted>"), "{sent}");
    // Every event names its host and version, and is numbered in a chain; the admin reads
    // them with the org's token, not only through the test routes.
    let path = format!("/api/v1/orgs/{ORG}/audit");
    let (status, body) = http_as(&hub.url, "GET", &path, None, Some(TOKEN));
    assert_eq!(status, 200, "{body}");
    let listed: Value = serde_json::from_str(&body).unwrap();
    let received = listed["events"].as_array().unwrap().clone();
    assert_eq!(received, hub.received());
    assert!(!received.is_empty());
    for (index, event) in received.iter().enumerate() {
        assert_eq!(event["seq"], index as u64 + 1, "{event}");
        assert_eq!(event["hostname"], device["hostname"], "{event}");
        assert_eq!(event["app_version"], env!("CARGO_PKG_VERSION"), "{event}");
    }
}

#[test]
fn events_deleted_before_a_sync_are_a_gap_the_admin_sees() {
    let hub = RefHub::start();
    let sandbox = hub.sandbox();
    assert_eq!(sync(&sandbox).0, 0);
    for id in ["one", "two"] {
        let (code, _, err) = sandbox.run(&["servers", "add", id, "--", "/bin/true"]);
        assert_eq!(code, 0, "{err}");
    }
    // A same-rights user removes what the last two commands recorded, before the hub saw it.
    let deleted = sandbox.sql("DELETE FROM audit_events WHERE kind = 'server_installed'");
    assert_eq!(deleted, 2);
    let (code, err) = sync(&sandbox);
    assert_eq!(code, 0, "{err}");

    let list = devices(&hub);
    let device = &list["devices"][0];
    let gaps = device["audit_gaps"].as_array().unwrap();
    assert_eq!(gaps.len(), 1, "{device:#}");
    assert_eq!(
        gaps[0][1].as_u64().unwrap() - gaps[0][0].as_u64().unwrap(),
        1,
        "two events"
    );
    assert_eq!(device["compliant"], false);
    assert!(device["problems"].to_string().contains("gap"), "{device:#}");
}

#[test]
fn a_forced_launch_reaches_the_hub_before_the_server_starts() {
    let hub = RefHub::start();
    std::fs::write(
        hub.org_dir().join("policy/org.yaml"),
        "min_cert_level: 1\nallowed_origins: [official, verified, community]\n",
    )
    .unwrap();
    let sandbox = hub.sandbox();
    assert_eq!(sync(&sandbox).0, 0);
    // Unbound: no certification, so the org's minimum blocks it unless forced.
    let (code, _, err) = sandbox.run(&["servers", "add", "slow", "--", "/bin/sleep", "20"]);
    assert_eq!(code, 0, "{err}");
    let mut child = sandbox
        .gatehouse(&["run", "slow", "--force", "--min-cert-level", "0"])
        .env("GATEHOUSE_HUB_TOKEN", TOKEN)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let forced = loop {
        let forced = hub
            .received()
            .into_iter()
            .find(|event| event["kind"] == "launch_forced");
        if forced.is_some() || std::time::Instant::now() > deadline {
            break forced;
        }
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
            panic!("the forced server ended early ({status}): {err}");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    let _ = child.kill();
    let output = child.wait_with_output().unwrap();
    let forced = forced.unwrap_or_else(|| {
        panic!(
            "the hub got launch_forced while the server ran: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    assert_eq!(forced["server"], "slow", "{forced}");
}
