//! Opening the database: the file, its connection settings and its schema.

use std::path::{Path, PathBuf};
use std::time::Duration;

use sqlx::migrate::MigrateError;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{AssertSqlSafe, ConnectOptions, Executor, Sqlite, SqliteConnection, Transaction};

use crate::direct::Direct;
use crate::error::{Error, Result, is_corrupt};

/// The schema, embedded at build time from `crates/store/migrations/`.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!();

/// How long a statement waits for another process's lock before failing with `Busy`.
pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Connections per handle of a long-lived program. SQLite has one writer at a time anyway;
/// a few connections let the tray app read while it writes.
const MAX_CONNECTIONS: u32 = 4;

/// How many connections a handle keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connections {
    /// A few, for a long-lived program that reads while it writes (the tray app).
    Pool,
    /// One, for a short command (a launch, a check). sqlx hands a used connection back to
    /// its pool from a spawned task, so on a single-threaded runtime the next query finds
    /// none idle and opens another: each one a thread, an open and a schema parse. A launch
    /// opened three. With one, the next query waits for it instead.
    One,
}

/// A handle on the database. Cheap to clone; clones share one connection pool.
#[derive(Debug, Clone)]
pub struct Store {
    pool: SqlitePool,
    /// The launch path's statements ([`Direct`]).
    direct: Direct,
    path: PathBuf,
}

impl Store {
    /// Opens the database at `path`, creating it (and its directory, owner-only on Unix) when
    /// missing, and brings its schema up to date.
    ///
    /// This is on the hot path of every server launch, so when the schema is current it costs
    /// one plain SQLite open and one `PRAGMA user_version`; the migrator runs only when that
    /// version differs. A short command's sqlx connection is opened at its first statement
    /// that needs one, which a launch may never make. A file that is not a database gives [`Error::Corrupt`] and is left untouched.
    pub async fn open(path: &Path) -> Result<Store> {
        Store::open_with(path, Connections::Pool).await
    }

    /// [`Store::open`] with `connections` connections at most.
    pub async fn open_with(path: &Path, connections: Connections) -> Result<Store> {
        create_parent_dir(path)?;
        create_private_file(path)?;
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT)
            // Every statement would otherwise go through sqlx's query logger, which parses
            // its SQL for a summary whenever any subscriber might want it: time on every
            // launch for a log nobody reads. Slow statements are still logged.
            .log_statements(log::LevelFilter::Off);
        // Many processes opening a new file at once (launchers on a fresh machine) can meet
        // SQLITE_BUSY without the busy timeout applying: switching a new file to WAL needs
        // an exclusive lock, and SQLite answers at once rather than risk a deadlock between
        // two readers that both want to write. Opening again shortly after succeeds.
        let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
        loop {
            match Store::open_once(path, options.clone(), connections).await {
                Err(Error::Busy) if std::time::Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                opened => return opened,
            }
        }
    }

    async fn open_once(
        path: &Path,
        options: SqliteConnectOptions,
        connections: Connections,
    ) -> Result<Store> {
        let (direct, found) = Direct::open(path, connections)?;
        let pool = connect(options, connections)
            .await
            .map_err(|error| open_error(path, error))?;
        let store = Store {
            pool,
            direct,
            path: path.to_path_buf(),
        };
        if found != schema_version() {
            store.migrate().await?;
        }
        Ok(store)
    }

    /// How many connections this handle holds open now (diagnostics and tests).
    pub fn open_connections(&self) -> u32 {
        self.pool.size()
    }

    /// The file this store was opened from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Closes the sqlx connections of this handle and its clones. The plain connection
    /// (`direct.rs`) closes with the last of them, and leaves the write-ahead log in place
    /// for the next process; [`Store::checkpoint`] empties it. The database is therefore the
    /// file and its `-wal` beside it: a copy of `gatehouse.db` alone can miss the newest rows.
    pub async fn close(self) {
        self.pool.close().await;
    }

    /// Says that this process's thread proxies a session from now on (a launcher, once its
    /// server is about to start): the statements of this handle and its clones then run on
    /// blocking threads, so that a checkpoint's syncs or a commit never hold up a message.
    pub fn leave_thread_to_session(&self) {
        self.direct.leave_thread();
    }

    /// Copies the pages the write-ahead log holds into the database file, without waiting
    /// for any other connection (SQLite's PASSIVE checkpoint), so the log can start over.
    ///
    /// A launcher ends without closing its connection (nobody waits for it), so the
    /// checkpoint SQLite makes when the last connection closes never comes, and every
    /// launch adds its rows to the log. The next process that opens the file alone has to
    /// read the whole log back before its first query: a 4 MB log cost about 1.8 ms of the
    /// 8 ms a launch added to the first byte. A launcher calls this once its server runs,
    /// off the path to the server's first byte.
    pub async fn checkpoint(&self) -> Result<()> {
        self.direct
            .write(|conn| {
                conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
                Ok(())
            })
            .await
    }

    pub(crate) fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    pub(crate) fn direct(&self) -> &Direct {
        &self.direct
    }

    /// Starts a write transaction that holds the write lock from its first statement.
    ///
    /// A DEFERRED transaction that reads first and then writes cannot wait for the lock:
    /// SQLite answers SQLITE_BUSY at once because its read snapshot may be stale. IMMEDIATE
    /// takes the lock up front, so the busy timeout applies and concurrent writers queue.
    /// (With a plain `BEGIN`, the creation-race tests fail: migrating reads `user_version`
    /// before it writes.)
    pub(crate) async fn begin_write(&self) -> Result<Transaction<'static, Sqlite>> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }

    async fn migrate(&self) -> Result<()> {
        let target = schema_version();
        let found = user_version(&self.pool)
            .await
            .map_err(|error| open_error(&self.path, error))?;
        if found == target {
            return Ok(());
        }
        self.check_not_newer(found, target)?;
        // Several processes may open a new database at once: the write lock makes one of them
        // migrate while the others wait, then see the new version and do nothing.
        let mut tx = self.begin_write().await?;
        let found = user_version(&mut *tx).await?;
        self.check_not_newer(found, target)?;
        if found < target {
            run_migrator(&mut tx).await?;
            // Once, on the upgrade that made the chain: older events join it in order.
            crate::chain::link_unlinked(&mut tx).await?;
            // PRAGMA takes no parameters; `target` is a number from the embedded migrations.
            let set = format!("PRAGMA user_version = {target}");
            sqlx::query(AssertSqlSafe(set)).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    fn check_not_newer(&self, found: i64, target: i64) -> Result<()> {
        if found > target {
            return Err(Error::SchemaTooNew {
                path: self.path.clone(),
                found,
                supported: target,
            });
        }
        Ok(())
    }
}

/// Runs the embedded migrations on a connection inside the caller's write transaction
/// (each migration then runs in a savepoint).
///
/// `Migrator::run` takes an `Acquire`, and awaiting it makes every future that contains it
/// (so `Store::open`) fail the `Send` check `tokio::spawn` needs ("implementation of
/// `Acquire` is not general enough", a compiler limitation). `run_direct` is the entry point
/// sqlx keeps for exactly this case; it is `#[doc(hidden)]`, so an sqlx upgrade must re-check
/// it (the concurrency tests spawn `Store::open` and would stop compiling).
async fn run_migrator(conn: &mut SqliteConnection) -> Result<(), MigrateError> {
    MIGRATOR.run_direct(None, conn, false).await
}

/// The schema version this build writes: the highest embedded migration.
pub(crate) fn schema_version() -> i64 {
    MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

async fn user_version<'e, E>(executor: E) -> Result<i64, sqlx::Error>
where
    E: Executor<'e, Database = Sqlite>,
{
    sqlx::query_scalar("PRAGMA user_version")
        .fetch_one(executor)
        .await
}

async fn connect(
    options: SqliteConnectOptions,
    connections: Connections,
) -> Result<SqlitePool, sqlx::Error> {
    let pool = SqlitePoolOptions::new()
        .max_connections(match connections {
            Connections::Pool => MAX_CONNECTIONS,
            Connections::One => 1,
        })
        // A local file has no connection to lose: the ping sqlx sends before handing out a
        // pooled connection is one more round trip to the connection's thread per query, on
        // the hot path of every launch.
        .test_before_acquire(false);
    match connections {
        Connections::Pool => pool.connect_with(options).await,
        Connections::One => Ok(pool.connect_lazy_with(options)),
    }
}

fn open_error(path: &Path, error: sqlx::Error) -> Error {
    if is_corrupt(&error) {
        Error::Corrupt {
            path: path.to_path_buf(),
        }
    } else {
        Error::from(error)
    }
}

fn create_parent_dir(path: &Path) -> Result<()> {
    let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) else {
        return Ok(());
    };
    if parent.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        // The data dir holds the audit log and client config backups: owner only.
        builder.mode(0o700);
    }
    builder.create(parent).map_err(|source| Error::Io {
        path: parent.to_path_buf(),
        source,
    })
}

/// Creates an empty database file readable by its owner only. SQLite gives the `-wal` and
/// `-shm` files the same permissions. An existing file is left as it is.
fn create_private_file(path: &Path) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(source) => Err(Error::Io {
            path: path.to_path_buf(),
            source,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_version_is_the_last_migration() {
        let versions: Vec<i64> = MIGRATOR.iter().map(|m| m.version).collect();
        assert!(!versions.is_empty(), "migrations are embedded");
        assert_eq!(schema_version(), *versions.iter().max().unwrap());
        assert!(
            i32::try_from(schema_version()).is_ok(),
            "user_version is a 32-bit integer: migration versions must be small numbers"
        );
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn new_directory_and_file_are_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/gatehouse.db");
        Store::open(&path).await.unwrap();
        let dir_mode = std::fs::metadata(path.parent().unwrap())
            .unwrap()
            .permissions()
            .mode();
        let file_mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(dir_mode & 0o777, 0o700, "the data dir holds the audit log");
        assert_eq!(file_mode & 0o777, 0o600, "the database is the user's alone");
    }
}
