//! The one error type of the store.

use std::path::PathBuf;

use uuid::Uuid;

/// What can go wrong when storing or loading.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The file exists but is not an SQLite database, or SQLite found it damaged. The store
    /// never re-creates it: the caller decides whether to move it aside.
    #[error("`{}` is not a readable gatehouse database (not a database, or damaged)", path.display())]
    Corrupt { path: PathBuf },

    /// The database was migrated by a newer Gatehouse; running older code on it could lose data.
    #[error(
        "`{}` has schema version {found}, newer than the {supported} this gatehouse knows",
        path.display()
    )]
    SchemaTooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },

    #[error("a server with id `{0}` already exists")]
    DuplicateServer(String),

    #[error("a policy snapshot for org `{org}` with serial {serial} is already stored")]
    DuplicateSnapshot { org: String, serial: u64 },

    #[error("an audit event with id `{0}` is already stored")]
    DuplicateEvent(Uuid),

    /// Another process held the write lock for longer than the busy timeout.
    #[error("the database stayed locked by another process for longer than the busy timeout")]
    Busy,

    #[error("could not access `{}`", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// A value the caller gave cannot be stored as it is (e.g. a serial above `i64::MAX`).
    #[error("{what} `{value}` is out of the range the store can hold")]
    OutOfRange { what: &'static str, value: String },

    /// A stored row does not decode: the file was edited by something other than this crate.
    #[error("a row of table `{table}` is invalid: {detail}")]
    InvalidRow { table: &'static str, detail: String },

    #[error("could not migrate the database schema")]
    Migrate(#[from] sqlx::migrate::MigrateError),

    #[error("could not encode a value as json")]
    Json(#[from] serde_json::Error),

    #[error("database error")]
    Database(#[source] sqlx::Error),

    /// An error of the launch path's own connection (`direct.rs`).
    #[error("database error")]
    Sqlite(#[source] rusqlite::Error),

    /// A statement's blocking thread ended before it answered (its runtime shut down).
    #[error("a database task stopped: {0}")]
    Task(String),
}

/// The store's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

// SQLite primary result codes (the low byte of an extended code).
const SQLITE_BUSY: i64 = 5;
const SQLITE_CORRUPT: i64 = 11;
const SQLITE_NOTADB: i64 = 26;

/// The primary SQLite result code of an error, when it came from SQLite.
pub(crate) fn sqlite_code(error: &sqlx::Error) -> Option<i64> {
    let sqlx::Error::Database(db) = error else {
        return None;
    };
    let extended: i64 = db.code()?.parse().ok()?;
    Some(extended & 0xff)
}

pub(crate) fn is_busy(error: &sqlx::Error) -> bool {
    sqlite_code(error) == Some(SQLITE_BUSY)
}

pub(crate) fn is_corrupt(error: &sqlx::Error) -> bool {
    matches!(sqlite_code(error), Some(SQLITE_CORRUPT | SQLITE_NOTADB))
}

pub(crate) fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.is_unique_violation())
}

impl From<sqlx::Error> for Error {
    fn from(error: sqlx::Error) -> Self {
        // A busy error only escapes SQLite after the busy timeout ran out: callers may retry
        // it, so it gets its own variant.
        if is_busy(&error) {
            Error::Busy
        } else {
            Error::Database(error)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_lower_case_sentences_with_input_in_backticks() {
        let message = Error::DuplicateServer("fs".into()).to_string();
        assert_eq!(message, "a server with id `fs` already exists");
        let message = Error::Corrupt {
            path: PathBuf::from("/x/gatehouse.db"),
        }
        .to_string();
        assert!(message.starts_with("`/x/gatehouse.db` is not"), "{message}");
    }

    #[test]
    fn non_sqlite_errors_have_no_code() {
        assert_eq!(sqlite_code(&sqlx::Error::RowNotFound), None);
        assert!(!is_busy(&sqlx::Error::PoolTimedOut));
    }
}
