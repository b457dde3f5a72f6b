//! Opening: migrations, reopening, corrupt files, cost.

use std::time::{Duration, Instant};

use gatehouse_store::{AuditKind, Error, Store};
use sqlx::{Connection, SqliteConnection};

use crate::fixtures::{T0, db_path, event, new_store};

/// A raw connection that bypasses the store, to look at what it wrote.
async fn raw(store: &Store) -> SqliteConnection {
    let url = format!("sqlite://{}", store.path().display());
    SqliteConnection::connect(&url).await.unwrap()
}

/// The versions of the migration files (`0003_install.sql` → 3).
fn migration_versions() -> Vec<i64> {
    std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        .unwrap()
        .map(|entry| {
            let name = entry.unwrap().file_name().into_string().unwrap();
            name.split('_').next().unwrap().parse().unwrap()
        })
        .collect()
}

async fn table_names(conn: &mut SqliteConnection) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .fetch_all(conn)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_new_file_gets_the_whole_schema() {
    let (_dir, store) = new_store().await;
    let mut conn = raw(&store).await;
    assert_eq!(
        table_names(&mut conn).await,
        [
            "_sqlx_migrations",
            "audit_events",
            "audit_outbox",
            "client_wirings",
            "confirmations",
            "identity_upgrade",
            "installs",
            "servers",
            "settings",
            "snapshots",
            "tool_pins",
            "verified_trees"
        ],
        "the migrations create every table"
    );
    let version: i64 = sqlx::query_scalar("PRAGMA user_version")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        version,
        migration_versions().into_iter().max().unwrap(),
        "user_version records the applied schema for the fast path"
    );
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(mode, "wal", "readers must not block the writer");
}

#[tokio::test]
async fn reopening_keeps_data_and_skips_the_migrator() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let store = Store::open(&path).await.unwrap();
    store
        .set_setting("hub_url", "https://hub.example")
        .await
        .unwrap();
    store
        .record(&event(AuditKind::LaunchAllowed, T0))
        .await
        .unwrap();
    // Break the migrator's bookkeeping: if `open` ran the migrator again it would fail
    // with a checksum mismatch, so a successful reopen shows it was skipped.
    let mut conn = raw(&store).await;
    sqlx::query("UPDATE _sqlx_migrations SET checksum = x'00'")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    store.close().await;

    let store = Store::open(&path).await.unwrap();
    assert_eq!(
        store.setting("hub_url").await.unwrap().as_deref(),
        Some("https://hub.example")
    );
    assert_eq!(
        store.audit(None, 10).await.unwrap().len(),
        1,
        "the event survives"
    );
    let mut conn = raw(&store).await;
    let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        applied,
        migration_versions().len() as i64,
        "no migration was applied twice"
    );
}

#[tokio::test]
async fn an_old_user_version_runs_the_migrator_which_checks_its_bookkeeping() {
    // The other side of the test above: when user_version says the schema is behind, the
    // migrator does run (and here refuses, because the recorded checksum was altered).
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let store = Store::open(&path).await.unwrap();
    let mut conn = raw(&store).await;
    sqlx::query("UPDATE _sqlx_migrations SET checksum = x'00'")
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::query("PRAGMA user_version = 0")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    store.close().await;
    let result = Store::open(&path).await;
    assert!(matches!(result, Err(Error::Migrate(_))), "{result:?}");
}

#[tokio::test]
async fn a_database_from_a_newer_gatehouse_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let store = Store::open(&path).await.unwrap();
    let mut conn = raw(&store).await;
    sqlx::query("PRAGMA user_version = 99")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    store.close().await;
    match Store::open(&path).await {
        Err(Error::SchemaTooNew {
            found, supported, ..
        }) => assert_eq!(
            (found, supported),
            (99, migration_versions().into_iter().max().unwrap())
        ),
        other => panic!("expected SchemaTooNew, got {other:?}"),
    }
}

#[tokio::test]
async fn a_file_that_is_not_a_database_is_corrupt_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gatehouse.db");
    // 4 KiB of random bytes (v4 UUIDs are random), clearly not an SQLite header.
    let bytes: Vec<u8> = (0..256)
        .flat_map(|_| *uuid::Uuid::new_v4().as_bytes())
        .collect();
    std::fs::write(&path, &bytes).unwrap();

    match Store::open(&path).await {
        Err(Error::Corrupt { path: reported }) => assert_eq!(reported, path),
        other => panic!("expected Corrupt, got {other:?}"),
    }
    assert_eq!(
        std::fs::read(&path).unwrap(),
        bytes,
        "the file is not rewritten"
    );
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["gatehouse.db"], "no database is created beside it");
}

#[tokio::test]
async fn an_empty_file_is_a_new_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gatehouse.db");
    std::fs::write(&path, b"").unwrap();
    let store = Store::open(&path).await.unwrap();
    assert_eq!(store.servers().await.unwrap(), []);
}

#[tokio::test]
async fn opening_an_existing_database_is_cheap() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    Store::open(&path).await.unwrap().close().await;

    let runs = 50;
    let mut times: Vec<Duration> = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        let store = Store::open(&path).await.unwrap();
        // What a launcher does next: read the current policy serial.
        store.latest_snapshot_serial().await.unwrap();
        times.push(started.elapsed());
        store.close().await;
    }
    times.sort();
    let median = times[runs / 2];
    eprintln!(
        "Store::open + one query on an existing database: median {median:?}, min {:?}, max {:?}",
        times[0],
        times[runs - 1]
    );
    // Generous: the target is a few ms; this catches a regression such as running the
    // migrator on every open, not scheduler noise on a shared machine.
    assert!(
        median < Duration::from_millis(50),
        "median open took {median:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opening_waits_for_a_lock_held_elsewhere() {
    // A new database must be switched to WAL, which needs an exclusive lock. Another
    // connection holds one for a while: open must wait for it, not fail.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gatehouse.db");
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let mut other = SqliteConnection::connect(&url).await.unwrap();
    sqlx::query("BEGIN EXCLUSIVE")
        .execute(&mut other)
        .await
        .unwrap();
    sqlx::query("CREATE TABLE held (x)")
        .execute(&mut other)
        .await
        .unwrap();
    let hold = Duration::from_millis(300);
    let release = tokio::spawn(async move {
        tokio::time::sleep(hold).await;
        sqlx::query("COMMIT").execute(&mut other).await.unwrap();
        other.close().await.unwrap();
    });
    let started = Instant::now();
    let store = Store::open(&path).await.unwrap();
    assert!(
        started.elapsed() >= hold,
        "open returned before the lock was released"
    );
    release.await.unwrap();
    assert_eq!(
        store.servers().await.unwrap(),
        [],
        "and the schema is there"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_held_past_the_busy_timeout_is_a_busy_error() {
    let (_dir, store) = new_store().await;
    let url = format!("sqlite://{}", store.path().display());
    let mut other = SqliteConnection::connect(&url).await.unwrap();
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut other)
        .await
        .unwrap();
    let started = Instant::now();
    let result = store.record(&event(AuditKind::LaunchAllowed, T0)).await;
    assert!(matches!(result, Err(Error::Busy)), "{result:?}");
    assert!(
        started.elapsed() >= Duration::from_secs(4),
        "it waited for the busy timeout first ({:?})",
        started.elapsed()
    );
    sqlx::query("ROLLBACK").execute(&mut other).await.unwrap();
    store
        .record(&event(AuditKind::LaunchAllowed, T0))
        .await
        .unwrap();
}

/// A command's store keeps to one connection however many queries it makes in a row; a
/// pool on the same single-threaded runtime opens more (each a thread, an open and a schema
/// parse), because sqlx hands a used connection back from a task that has not run yet.
#[tokio::test(flavor = "current_thread")]
async fn a_commands_store_keeps_to_one_connection() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    for (connections, most) in [
        (gatehouse_store::Connections::One, 1),
        (gatehouse_store::Connections::Pool, 4),
    ] {
        let store = Store::open_with(&path, connections).await.unwrap();
        for n in 0..10 {
            // Statements on sqlx's connections (a launch's reads and its audit row go
            // through the store's plain connection, counted apart).
            store.set_setting("n", &n.to_string()).await.unwrap();
            store.settings_with_prefix("n").await.unwrap();
            store.audit(None, 1).await.unwrap();
        }
        let open = store.open_connections();
        assert!(open >= 1 && open <= most, "{connections:?}: {open}");
        match connections {
            gatehouse_store::Connections::One => assert_eq!(open, 1),
            gatehouse_store::Connections::Pool => assert!(
                open > 1,
                "a pool opens more for queries in a row (why commands use One): {open}"
            ),
        }
        store.close().await;
    }
}

/// A launcher never closes its connection, so SQLite's own checkpoint at the last close
/// never comes: `checkpoint` is what moves its rows out of the write-ahead log (a long log
/// is read back whole by the next process to open the file alone).
#[tokio::test]
async fn a_checkpoint_moves_what_was_recorded_into_the_database_file() {
    let (dir, store) = new_store().await;
    store
        .record(&event(AuditKind::LaunchAllowed, T0))
        .await
        .unwrap();
    let alone = dir.path().join("alone.db");
    let rows_in_file_alone = || async {
        // The database file without its log, as it would be read if the log were gone.
        std::fs::copy(db_path(&dir), &alone).unwrap();
        let url = format!("sqlite://{}?mode=ro", alone.display());
        let mut conn = SqliteConnection::connect(&url).await.unwrap();
        let count: Result<i64, _> = sqlx::query_scalar("SELECT count(*) FROM audit_events")
            .fetch_one(&mut conn)
            .await;
        conn.close().await.unwrap();
        std::fs::remove_file(&alone).unwrap();
        count.unwrap_or(0)
    };
    assert_eq!(rows_in_file_alone().await, 0, "the row is in the log only");
    store.checkpoint().await.unwrap();
    assert_eq!(rows_in_file_alone().await, 1);
}

/// A database file with the schema in place, and no connection open on it.
async fn migrated_file() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    Store::open(&path).await.unwrap().close().await;
    (dir, path)
}

/// The store as `gatehouse run` opens it.
async fn launch_store(path: &std::path::Path) -> Store {
    Store::open_with(path, gatehouse_store::Connections::One)
        .await
        .unwrap()
}

/// A raw connection inside a write transaction: it holds the write lock until it ends.
async fn write_lock_held(store: &Store) -> SqliteConnection {
    let mut holder = raw(store).await;
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut holder)
        .await
        .unwrap();
    holder
}

/// What a launch does before its server starts (its server's row, the hub's settings, the
/// snapshot, its audit row) goes through the store's plain SQLite connection: no sqlx
/// connection, with its thread and its round trip per statement, is opened for it.
#[tokio::test]
async fn a_launchs_statements_open_no_sqlx_connection() {
    let (_dir, path) = migrated_file().await;
    let store = launch_store(&path).await;
    store.server("db").await.unwrap();
    store.settings_among(&["hub_url", "area"]).await.unwrap();
    store.snapshots_newest_first(1).await.unwrap();
    store
        .record(&event(AuditKind::LaunchAllowed, T0))
        .await
        .unwrap();
    assert_eq!(store.open_connections(), 0);
    assert_eq!(store.audit(None, 10).await.unwrap().len(), 1);
    assert_eq!(store.open_connections(), 1, "other statements use sqlx");
}

/// A launcher's connection closes when it exits. SQLite would then checkpoint and delete
/// the write-ahead log, and the next launch's audit row would be the first commit into a
/// new log: one that syncs the log's header to disk before the server can start. The log
/// stays, so that commit appends to it instead.
#[tokio::test]
async fn a_closed_launch_connection_leaves_the_log_in_place() {
    let (_dir, path) = migrated_file().await;
    let log = path.with_extension("db-wal");
    let store = launch_store(&path).await;
    store
        .record(&event(AuditKind::LaunchAllowed, T0))
        .await
        .unwrap();
    drop(store);
    let kept = std::fs::metadata(&log).map(|meta| meta.len()).unwrap_or(0);
    assert!(kept > 0, "the log was deleted at close");
    let store = launch_store(&path).await;
    assert_eq!(
        store.audit(None, 10).await.unwrap().len(),
        1,
        "nothing lost"
    );
}

/// A launch's write runs on its own thread without waiting for the write lock. When the
/// lock is held, here by another connection of the same process and thread, it must wait
/// elsewhere: waiting on this thread would stop the holder from ever committing (for the
/// whole busy timeout, then fail).
#[tokio::test]
async fn a_launchs_write_waits_for_a_lock_held_on_its_own_thread() {
    let (_dir, path) = migrated_file().await;
    let store = launch_store(&path).await;
    let mut holder = write_lock_held(&store).await;
    let release = async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        sqlx::query("COMMIT").execute(&mut holder).await.unwrap();
    };
    let allowed = event(AuditKind::LaunchAllowed, T0);
    let started = Instant::now();
    let (recorded, ()) = tokio::join!(store.record(&allowed), release);
    recorded.unwrap();
    // Not a speed target: a write that waited on this thread would hold everything up for
    // the whole busy timeout (5 s) before trying again elsewhere.
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "the write waited on the thread the lock's holder needs"
    );
    assert_eq!(store.audit(None, 10).await.unwrap().len(), 1);
}

/// The tray app's statements share one plain connection. A write that waits for another
/// process's lock must not hold it while it waits: the app's reads would queue behind it
/// (here, until the busy timeout, since the holder commits only after the read).
#[tokio::test]
async fn the_tray_apps_reads_do_not_queue_behind_a_write_that_waits() {
    let (_dir, store) = new_store().await;
    let mut holder = write_lock_held(&store).await;
    let waiting = tokio::spawn({
        let store = store.clone();
        async move { store.record(&event(AuditKind::LaunchAllowed, T0)).await }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(store.setting("absent").await.unwrap(), None);
    sqlx::query("COMMIT").execute(&mut holder).await.unwrap();
    waiting.await.unwrap().unwrap();
    assert_eq!(store.audit(None, 10).await.unwrap().len(), 1);
}
