//! Shared builders for test data.

use std::path::PathBuf;

use gatehouse_store::{AuditEvent, AuditKind, NewSnapshot, Server, ServerSource, Store};
use tempfile::TempDir;
use time::OffsetDateTime;
use time::macros::datetime;
use uuid::Uuid;

/// A new store in its own temporary directory (kept alive by the returned `TempDir`).
pub async fn new_store() -> (TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&db_path(&dir)).await.unwrap();
    (dir, store)
}

pub fn db_path(dir: &TempDir) -> PathBuf {
    dir.path().join("data").join("gatehouse.db")
}

pub const T0: OffsetDateTime = datetime!(2026-11-20 10:00:00 UTC);

pub fn event(kind: AuditKind, time: OffsetDateTime) -> AuditEvent {
    AuditEvent {
        id: Uuid::new_v4(),
        time,
        device: "device-1".into(),
        user: "alice".into(),
        kind,
        server: Some("fs".into()),
        version: Some("1.2.0".into()),
        digest: Some("sha256:abc".into()),
        verdict: Some("warn".into()),
        codes: vec!["cert_level_below_min".into()],
        overrides: None,
        detail: Some(serde_json::json!({"why": "test"})),
        hostname: Some("test-host".into()),
        app_version: Some("0.0.0".into()),
    }
}

pub fn snapshot(org: &str, serial: u64) -> NewSnapshot {
    NewSnapshot {
        org: org.into(),
        serial,
        key_id: "hub-2026-01".into(),
        payload: format!("{{\"org\":\"{org}\",\"serial\":{serial}}}").into_bytes(),
        signature: vec![0xde, 0xad, 0xbe, 0xef, 0x00, 0xff],
        etag: Some(format!("\"{serial}\"")),
        fetched_at: T0,
    }
}

pub fn server(id: &str) -> Server {
    Server {
        id: id.into(),
        name: "@modelcontextprotocol/server-filesystem".into(),
        version: Some("1.2.3".into()),
        command: "npx".into(),
        args: vec![
            "-y".into(),
            "@modelcontextprotocol/server-filesystem@1.2.3".into(),
        ],
        env_names: vec!["HOME".into(), "API_TOKEN".into()],
        source: ServerSource::Client,
        client: Some("claude".into()),
        bundle_digest: None,
        created_at: T0,
    }
}
