//! Many launches at once against one database while another process writes snapshots: no
//! "database is locked", every decision audited exactly once.

use std::io::Write;
use std::process::Stdio;
use std::time::Duration;

use gatehouse_e2e::Sandbox;
use gatehouse_store::{AuditEvent, AuditKind, NewSnapshot, Store};
use time::OffsetDateTime;

use crate::wire::add_fake_server;

const LAUNCHES: usize = 50;
const SNAPSHOTS: u64 = 40;
const WRITER_ENV: &str = "GATEHOUSE_E2E_SNAPSHOT_WRITER_DB";

/// Not a test of its own: the body of the snapshot-writing child process that
/// [`fifty_launches_while_snapshots_are_written`] starts (the test binary, re-run).
#[test]
fn snapshot_writer_child() {
    let Some(db) = std::env::var_os(WRITER_ENV) else {
        return;
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let store = Store::open(std::path::Path::new(&db)).await.unwrap();
        for serial in 1..=SNAPSHOTS {
            let now = OffsetDateTime::now_utc();
            let snapshot = NewSnapshot {
                org: "acme".into(),
                serial,
                key_id: "test".into(),
                payload: format!("{{\"serial\":{serial}}}").into_bytes(),
                signature: vec![0; 64],
                etag: None,
                fetched_at: now,
            };
            let event = AuditEvent {
                id: uuid::Uuid::new_v4(),
                time: now,
                device: "writer".into(),
                user: "writer".into(),
                kind: AuditKind::PolicySynced,
                server: None,
                version: None,
                digest: None,
                verdict: None,
                codes: Vec::new(),
                overrides: None,
                detail: None,
                hostname: None,
                app_version: None,
            };
            store.store_snapshot(&snapshot, &event).await.unwrap();
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    });
}

#[test]
fn fifty_launches_while_snapshots_are_written() {
    let sandbox = Sandbox::new();
    add_fake_server(&sandbox, "fake");
    let writer = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "concurrency::snapshot_writer_child",
            "--nocapture",
        ])
        .env(WRITER_ENV, sandbox.data_dir().join("gatehouse.db"))
        .stdout(Stdio::null())
        .spawn()
        .unwrap();

    let init = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"e2e","version":"1"}}}"#;
    let children: Vec<_> = (0..LAUNCHES)
        .map(|_| {
            let mut child = sandbox
                .gatehouse(&["run", "fake"])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            let mut stdin = child.stdin.take().unwrap();
            writeln!(stdin, "{init}").unwrap();
            drop(stdin); // the client leaves after its request: the session ends by itself
            child
        })
        .collect();
    for child in children {
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            !stderr.contains("locked"),
            "no launch may meet a locked database: {stderr}"
        );
        assert_eq!(output.status.code(), Some(0), "every launch ran: {stderr}");
        assert!(
            String::from_utf8_lossy(&output.stdout).contains("serverInfo"),
            "and answered"
        );
    }
    let writer = writer.wait_with_output().unwrap();
    assert!(
        writer.status.success(),
        "the snapshot writer met no lock either"
    );

    let events = sandbox.audit();
    let count = |kind: &str| events.iter().filter(|e| e["kind"] == kind).count();
    assert_eq!(
        count("launch_allowed"),
        LAUNCHES,
        "every decision is audited exactly once"
    );
    assert_eq!(
        count("launch_ended"),
        LAUNCHES,
        "every end is audited exactly once"
    );
    assert_eq!(
        count("policy_synced"),
        SNAPSHOTS as usize,
        "every snapshot landed"
    );
    let ids: std::collections::BTreeSet<_> = events.iter().map(|e| e["id"].to_string()).collect();
    assert_eq!(ids.len(), events.len(), "event ids are unique");
}
