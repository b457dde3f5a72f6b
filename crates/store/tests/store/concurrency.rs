//! Many writers at once: separate OS processes (as `gatehouse run` launches are) and many
//! handles in one process. No writer may fail with "database is locked", and every event
//! must be stored exactly once.
//!
//! The child processes are this test binary itself, re-run with `--exact CHILD --ignored`
//! and environment variables that say what to write.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use gatehouse_store::{AuditKind, ConfirmationKey, Store};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::fixtures::{event, snapshot};

const CHILD_TEST: &str = "concurrency::child_process";
const ENV_DB: &str = "GATEHOUSE_STORE_TEST_DB";
const ENV_ROLE: &str = "GATEHOUSE_STORE_TEST_ROLE";
const ENV_INDEX: &str = "GATEHOUSE_STORE_TEST_INDEX";
const ENV_COUNT: &str = "GATEHOUSE_STORE_TEST_COUNT";

/// What one child process does, chosen by the parent through the environment.
#[derive(Debug, Clone, Copy)]
enum Role {
    /// Records `count` audit events, each tagged with the child's index.
    Events,
    /// Stores `count` snapshots with serials `index * 1000 + 1 ..`, each with its event.
    Snapshots,
}

impl Role {
    fn name(self) -> &'static str {
        match self {
            Role::Events => "events",
            Role::Snapshots => "snapshots",
        }
    }
}

/// The child side. Ignored in a normal run; the parent runs it by name with `--ignored`.
#[tokio::test]
#[ignore = "entry point of the child processes of the concurrency tests"]
async fn child_process() {
    let Ok(db) = std::env::var(ENV_DB) else {
        return; // run by hand with --ignored: nothing to do
    };
    let role = std::env::var(ENV_ROLE).unwrap();
    let index: u64 = std::env::var(ENV_INDEX).unwrap().parse().unwrap();
    let count: u64 = std::env::var(ENV_COUNT).unwrap().parse().unwrap();
    let store = Store::open(Path::new(&db)).await.unwrap();
    println!("device_id={}", store.device_id().await.unwrap());
    match role.as_str() {
        "events" => {
            for n in 0..count {
                let mut e = event(AuditKind::LaunchAllowed, OffsetDateTime::now_utc());
                e.detail = Some(serde_json::json!({ "child": index, "n": n }));
                store.record(&e).await.unwrap();
            }
        }
        "snapshots" => {
            for n in 1..=count {
                let serial = index * 1000 + n;
                let synced = event(AuditKind::PolicySynced, OffsetDateTime::now_utc());
                store
                    .store_snapshot(&snapshot("acme", serial), &synced)
                    .await
                    .unwrap();
                assert_eq!(store.latest_snapshot_serial().await.unwrap(), Some(serial));
            }
        }
        other => panic!("unknown role `{other}`"),
    }
}

fn spawn_child(db: &Path, role: Role, index: u64, count: u64) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            CHILD_TEST,
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(ENV_DB, db)
        .env(ENV_ROLE, role.name())
        .env(ENV_INDEX, index.to_string())
        .env(ENV_COUNT, count.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits for every child; asserts each ran the child test and passed. Returns the device
/// ids the children printed.
fn wait_all(children: Vec<Child>) -> Vec<String> {
    let mut device_ids = Vec::new();
    for child in children {
        let output = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            !stdout.contains("database is locked") && !stderr.contains("database is locked"),
            "a writer hit the lock instead of waiting for it:\n{stdout}\n{stderr}"
        );
        assert!(output.status.success(), "child failed:\n{stdout}\n{stderr}");
        assert!(
            stdout.contains("1 passed"),
            "the child must actually run `{CHILD_TEST}`:\n{stdout}"
        );
        // libtest may print the child's line after its own "test … " on the same line.
        device_ids.extend(
            stdout
                .split("device_id=")
                .skip(1)
                .map(|rest| rest.chars().take(36).collect::<String>()),
        );
    }
    device_ids
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Every (child, n) tag of the stored events, checking that ids are unique.
async fn event_tags(store: &Store) -> Vec<(u64, u64)> {
    let events = store.audit(None, u32::MAX).await.unwrap();
    let ids: BTreeSet<Uuid> = events.iter().map(|e| e.id).collect();
    assert_eq!(ids.len(), events.len(), "event ids are unique");
    let mut tags: Vec<(u64, u64)> = events
        .iter()
        .filter(|e| e.kind == AuditKind::LaunchAllowed)
        .map(|e| {
            let detail = e.detail.as_ref().unwrap();
            (
                detail["child"].as_u64().unwrap(),
                detail["n"].as_u64().unwrap(),
            )
        })
        .collect();
    tags.sort_unstable();
    tags
}

fn expected_tags(children: u64, count: u64) -> Vec<(u64, u64)> {
    (0..children)
        .flat_map(|child| (0..count).map(move |n| (child, n)))
        .collect()
}

#[test]
fn fifty_processes_record_while_another_stores_snapshots() {
    const WRITERS: u64 = 50;
    const EVENTS: u64 = 20;
    const SNAPSHOTS: u64 = 20;
    let dir = tempfile::tempdir().unwrap();
    let db: PathBuf = dir.path().join("gatehouse.db");
    runtime().block_on(async { Store::open(&db).await.unwrap().close().await });

    let mut children = vec![spawn_child(&db, Role::Snapshots, 1, SNAPSHOTS)];
    children.extend((0..WRITERS).map(|i| spawn_child(&db, Role::Events, i, EVENTS)));
    wait_all(children);

    runtime().block_on(async {
        let store = Store::open(&db).await.unwrap();
        assert_eq!(
            event_tags(&store).await,
            expected_tags(WRITERS, EVENTS),
            "every event stored exactly once"
        );
        let snapshots = store.snapshots_newest_first(u32::MAX).await.unwrap();
        assert_eq!(snapshots.len() as u64, SNAPSHOTS);
        assert_eq!(
            store.latest_snapshot_serial().await.unwrap(),
            Some(1000 + SNAPSHOTS)
        );
        assert_eq!(
            store.pending_count().await.unwrap(),
            WRITERS * EVENTS + SNAPSHOTS,
            "one outbox row per event, policy_synced included"
        );
    });
}

#[test]
fn processes_racing_to_create_the_database_all_succeed() {
    const WRITERS: u64 = 12;
    const EVENTS: u64 = 5;
    let dir = tempfile::tempdir().unwrap();
    // Not created beforehand: the children race to create, migrate and name the device.
    let db: PathBuf = dir.path().join("new").join("gatehouse.db");
    let children = (0..WRITERS)
        .map(|i| spawn_child(&db, Role::Events, i, EVENTS))
        .collect();
    let device_ids = wait_all(children);

    assert_eq!(device_ids.len() as u64, WRITERS);
    assert!(
        device_ids.windows(2).all(|w| w[0] == w[1]),
        "one device id for all: {device_ids:?}"
    );
    runtime().block_on(async {
        let store = Store::open(&db).await.unwrap();
        assert_eq!(event_tags(&store).await, expected_tags(WRITERS, EVENTS));
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tasks_on_separate_handles_write_concurrently() {
    const HANDLES: u64 = 20;
    const EVENTS: u64 = 25;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("gatehouse.db");
    let mut tasks = Vec::new();
    for child in 0..HANDLES {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            let store = Store::open(&db).await.unwrap();
            for n in 0..EVENTS {
                let mut e = event(AuditKind::LaunchAllowed, OffsetDateTime::now_utc());
                e.detail = Some(serde_json::json!({ "child": child, "n": n }));
                store.record(&e).await.unwrap();
                // Other multi-row writes contend for the same lock.
                let tool = format!("tool-{n}");
                store
                    .pin_tools("shared", &[(tool.as_str(), "h")], e.time)
                    .await
                    .unwrap();
                let key = ConfirmationKey {
                    server_id: "fs".into(),
                    version: None,
                    digest: None,
                    rules_hash: format!("r{n}"),
                };
                store.remember_confirmation(&key, e.time).await.unwrap();
            }
            let ids: Vec<Uuid> = store
                .pending_outbox(5, OffsetDateTime::now_utc())
                .await
                .unwrap()
                .iter()
                .map(|e| e.id)
                .collect();
            store
                .mark_delivered(&ids, OffsetDateTime::now_utc())
                .await
                .unwrap()
        }));
    }
    let mut delivered = 0;
    for task in tasks {
        delivered += task.await.unwrap();
    }

    let store = Store::open(&db).await.unwrap();
    assert_eq!(event_tags(&store).await, expected_tags(HANDLES, EVENTS));
    assert_eq!(
        store.tool_pins("shared").await.unwrap().len() as u64,
        EVENTS
    );
    assert_eq!(
        store.forget_confirmations("fs").await.unwrap(),
        EVENTS,
        "no duplicates"
    );
    assert_eq!(
        store.pending_count().await.unwrap(),
        HANDLES * EVENTS - delivered,
        "an event marked by two handles at once is counted once"
    );
}
