//! The store's plain SQLite connection, for the statements every launch makes.
//!
//! sqlx runs each SQLite connection on a thread of its own and hands it every statement over
//! a channel: measured here, a round trip of 60–80 µs per statement, about fifteen of them
//! before a launched server could start, and 0.6 ms more to open than SQLite's own open. The
//! reads a launch makes and the audit row it commits go through this connection instead:
//! rusqlite on the same `libsqlite3-sys` as sqlx, so the same SQLite library, file format
//! and locks, and the two kinds of connection see each other's commits like any two
//! processes. Everything else (transactions over many tables, migrations) stays on sqlx.
//!
//! A short command (a launch, until its session starts) runs its statements on its own
//! thread, with nothing in between.
//! A write there must not wait for the write lock: the lock may be held by an sqlx
//! transaction of this very process, whose task needs the thread that would wait. So it
//! tries without waiting, and only when another connection holds the lock does it run
//! again on one of Tokio's blocking threads, where it tries until the lock is free (for up
//! to the busy timeout), releasing the connection between tries so that others can use it
//! meanwhile. SQLite's own busy handler is off: it would wait with the connection held, and
//! the tray app's reads would queue behind one write that waits. The tray app's statements
//! all run on blocking threads: they must not hold up its runtime's workers. So do a
//! launcher's once its thread proxies a session ([`Direct::leave_thread`]): a checkpoint's
//! syncs, or the first commit into an emptied log, would hold up the messages.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use rusqlite::config::DbConfig;
use rusqlite::{Connection, ErrorCode, OpenFlags};

use crate::error::{Error, Result};
use crate::open::{BUSY_TIMEOUT, Connections};

/// One connection, shared by a store handle and its clones.
#[derive(Clone)]
pub(crate) struct Direct {
    conn: Arc<Mutex<Connection>>,
    /// Whether statements may run on the caller's thread: a short command's, until
    /// [`Direct::leave_thread`].
    inline: Arc<AtomicBool>,
}

impl std::fmt::Debug for Direct {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Direct")
            .field("inline", &self.inline)
            .finish_non_exhaustive()
    }
}

impl Direct {
    /// Opens `path` (an existing file) with the settings of the sqlx connections: WAL,
    /// `synchronous=NORMAL`, foreign keys, the busy timeout. Returns it with the schema
    /// version the file holds.
    pub(crate) fn open(path: &Path, connections: Connections) -> Result<(Direct, i64)> {
        let corrupt = |error: rusqlite::Error| match code(&error) {
            Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => Error::Corrupt {
                path: path.to_path_buf(),
            },
            _ => Error::from(error),
        };
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(corrupt)?;
        // Waiting is done by `retried`; a busy open is tried again by `Store::open_with`.
        conn.busy_timeout(Duration::ZERO).map_err(corrupt)?;
        // The first statement reads the header: a file that is not a database fails here.
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
            .map_err(corrupt)?;
        // Another connection that holds the file in rollback mode keeps it from switching
        // yet: SQLite then answers with the mode it is in, and the open is tried again.
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(Error::Busy);
        }
        conn.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")
            .map_err(corrupt)?;
        // SQLite checkpoints and deletes the write-ahead log when the last connection to the
        // file closes, as a launcher's does when it exits. The next launch then starts a new
        // log, and the first commit into a new or emptied log syncs the log's header (and,
        // for a new file, its folder): 0.8 ms of fsync on the path to every server's first
        // byte, the audit row's commit. Left open, the log keeps the rows of the launch
        // before (its `launch_ended`, written after its checkpoint), so the next commit
        // appends to it with no sync, and the log stays a few pages long: each launch
        // checkpoints it once its server runs (`Store::checkpoint`).
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true)
            .map_err(corrupt)?;
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .map_err(corrupt)?;
        let direct = Direct {
            conn: Arc::new(Mutex::new(conn)),
            inline: Arc::new(AtomicBool::new(connections == Connections::One)),
        };
        Ok((direct, version))
    }

    /// Runs `read` on the connection (see [`Direct::write`]; a read is seldom busy).
    pub(crate) async fn read<T, F>(&self, mut read: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnMut(&Connection) -> Result<T> + Send + 'static,
    {
        self.run(move |conn| read(conn)).await
    }

    /// Runs `write` on the connection: for a launch, on this thread when the connection and
    /// the write lock are free, else (and for the tray app) on a blocking thread that tries
    /// until the lock is free (see the module's note). `write` may run more than once, so it
    /// must write in one transaction: a run that found the lock taken wrote nothing.
    pub(crate) async fn write<T, F>(&self, write: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnMut(&mut Connection) -> Result<T> + Send + 'static,
    {
        self.run(write).await
    }

    async fn run<T, F>(&self, mut work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnMut(&mut Connection) -> Result<T> + Send + 'static,
    {
        if self.inline.load(Ordering::Relaxed)
            && let Ok(mut conn) = self.conn.try_lock()
        {
            match work(&mut conn) {
                Err(Error::Busy) => {}
                done => return done,
            }
        }
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || retried(&conn, work))
            .await
            .map_err(|error| Error::Task(error.to_string()))?
    }

    /// From now on, every statement runs on a blocking thread (this handle and its clones).
    pub(crate) fn leave_thread(&self) {
        self.inline.store(false, Ordering::Relaxed);
    }
}

/// How long a statement that found the database busy waits before it tries again.
const RETRY_AFTER: Duration = Duration::from_millis(5);

/// A wait for the lock this long is worth a line in the log (sqlx's threshold for a slow
/// statement).
const SLOW: Duration = Duration::from_secs(1);

/// Runs `work` until it does not find the database busy, for up to the busy timeout, with
/// the connection released between tries.
fn retried<T>(
    conn: &Mutex<Connection>,
    mut work: impl FnMut(&mut Connection) -> Result<T>,
) -> Result<T> {
    let started = Instant::now();
    loop {
        let tried = work(&mut lock(conn));
        match tried {
            Err(Error::Busy) if started.elapsed() < BUSY_TIMEOUT => {
                std::thread::sleep(RETRY_AFTER);
            }
            done => {
                let waited = started.elapsed();
                if waited >= SLOW {
                    log::warn!("a store statement waited {waited:?} for another process's lock");
                }
                return done;
            }
        }
    }
}

/// The connection, also after a panic elsewhere held it: SQLite's state does not depend on
/// the Rust code that panicked (an open transaction rolls back when its guard drops).
fn lock(conn: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    conn.lock().unwrap_or_else(PoisonError::into_inner)
}

/// SQLite's primary result code of `error`, when it came from SQLite.
pub(crate) fn code(error: &rusqlite::Error) -> Option<ErrorCode> {
    match error {
        rusqlite::Error::SqliteFailure(failure, _) => Some(failure.code),
        _ => None,
    }
}

/// Whether `error` is a UNIQUE or PRIMARY KEY violation (not a NOT NULL or CHECK one).
pub(crate) fn is_unique_violation(error: &rusqlite::Error) -> bool {
    matches!(
        error,
        rusqlite::Error::SqliteFailure(failure, _)
            if failure.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                || failure.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
    )
}

impl From<rusqlite::Error> for Error {
    fn from(error: rusqlite::Error) -> Self {
        // Busy is tried again (`retried`) until the busy timeout ran out, then escapes.
        match code(&error) {
            Some(ErrorCode::DatabaseBusy) => Error::Busy,
            _ => Error::Sqlite(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn thread_of(conn: &Connection) -> Result<std::thread::ThreadId> {
        conn.query_row("SELECT 1", [], |_| Ok(()))?;
        Ok(std::thread::current().id())
    }

    #[tokio::test]
    async fn a_short_commands_statements_run_on_its_thread_until_it_leaves_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gatehouse.db");
        let here = std::thread::current().id();
        let (pool, _) = Direct::open(&path, Connections::Pool).unwrap();
        assert_ne!(pool.read(thread_of).await.unwrap(), here, "the tray app's");
        let (short, _) = Direct::open(&path, Connections::One).unwrap();
        assert_eq!(short.read(thread_of).await.unwrap(), here);
        assert_eq!(short.write(|conn| thread_of(conn)).await.unwrap(), here);
        short.clone().leave_thread();
        assert_ne!(short.read(thread_of).await.unwrap(), here, "its clones too");
        assert_ne!(short.write(|conn| thread_of(conn)).await.unwrap(), here);
    }
}
