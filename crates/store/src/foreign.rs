//! Reading other apps' state databases: the VS Code family's `state.vscdb` and Zed's
//! `db.sqlite`, for the projects a person opened (DESIGN.md "Every path onto the machine").
//!
//! These files belong to apps that may be running and writing them, so each is opened
//! read-only (SQLite's `SQLITE_OPEN_READONLY`: no journal, no schema change, no file
//! created), with one connection that is closed at once, and a short wait for the app's
//! write lock. Only the values are returned; making sense of them is `gatehouse-clients`'s.

use std::path::Path;
use std::time::Duration;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection, Row, SqliteConnection};

use crate::error::{Error, Result, is_corrupt};

/// How long to wait for an app that holds its database's write lock.
const FOREIGN_BUSY_TIMEOUT: Duration = Duration::from_millis(500);

/// What to read from another app's database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForeignRead<'k> {
    /// The value of one key of a VS Code family `ItemTable`.
    ItemTableValue(&'k str),
    /// The `paths` of Zed's local workspaces (no remote connection), newest first.
    ZedWorkspacePaths,
}

/// Reads `what` from the database at `path`: `Ok(None)` when the file does not exist,
/// else the texts found (empty when the table or key is not there: an older or newer
/// version of the app).
pub async fn read_foreign(path: &Path, what: ForeignRead<'_>) -> Result<Option<Vec<String>>> {
    if !path.is_file() {
        return Ok(None);
    }
    let options = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .create_if_missing(false)
        .busy_timeout(FOREIGN_BUSY_TIMEOUT)
        .disable_statement_logging();
    let mut conn = SqliteConnection::connect_with(&options)
        .await
        .map_err(|error| foreign_error(path, error))?;
    let rows = match what {
        ForeignRead::ItemTableValue(key) => {
            sqlx::query("SELECT CAST(value AS TEXT) FROM ItemTable WHERE key = ?1")
                .bind(key)
                .fetch_all(&mut conn)
                .await
        }
        ForeignRead::ZedWorkspacePaths => {
            sqlx::query(
                "SELECT paths FROM workspaces \
                 WHERE remote_connection_id IS NULL AND paths IS NOT NULL \
                 ORDER BY timestamp DESC",
            )
            .fetch_all(&mut conn)
            .await
        }
    };
    let result = match rows {
        Ok(rows) => Ok(Some(
            rows.iter()
                .filter_map(|row| row.try_get::<Option<String>, _>(0).ok().flatten())
                .collect(),
        )),
        // Another version of the app, with another schema: nothing we know how to read.
        Err(sqlx::Error::Database(db)) if db.message().starts_with("no such") => {
            Ok(Some(Vec::new()))
        }
        Err(error) => Err(foreign_error(path, error)),
    };
    let _ = conn.close().await;
    result
}

fn foreign_error(path: &Path, error: sqlx::Error) -> Error {
    if is_corrupt(&error) {
        Error::Corrupt {
            path: path.to_owned(),
        }
    } else {
        Error::from(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::Executor;

    async fn make(path: &Path, sql: &'static str) {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true);
        let mut conn = SqliteConnection::connect_with(&options).await.unwrap();
        conn.execute(sql).await.unwrap();
        conn.close().await.unwrap();
    }

    #[tokio::test]
    async fn reads_an_item_table_value_without_changing_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.vscdb");
        make(
            &path,
            r#"CREATE TABLE ItemTable (key TEXT UNIQUE ON CONFLICT REPLACE, value BLOB);
               INSERT INTO ItemTable VALUES ('history.recentlyOpenedPathsList', '{"entries":[]}');
               INSERT INTO ItemTable VALUES ('other', 'x');"#,
        )
        .await;
        let before = std::fs::read(&path).unwrap();
        let found = read_foreign(
            &path,
            ForeignRead::ItemTableValue("history.recentlyOpenedPathsList"),
        )
        .await
        .unwrap();
        assert_eq!(found, Some(vec![r#"{"entries":[]}"#.to_owned()]));
        assert_eq!(
            std::fs::read(&path).unwrap(),
            before,
            "read-only: not a byte changed"
        );
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "no journal or other file left: {names:?}");
    }

    #[tokio::test]
    async fn reads_zed_local_workspaces_newest_first() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite");
        make(
            &path,
            "CREATE TABLE workspaces (workspace_id INTEGER PRIMARY KEY, paths TEXT, \
             paths_order TEXT, remote_connection_id INTEGER, timestamp TEXT NOT NULL);
             INSERT INTO workspaces VALUES (1, '/home/ana/old', '0', NULL, '2026-01-01 00:00:00');
             INSERT INTO workspaces VALUES (2, '/home/ana/new', '0', NULL, '2026-06-01 00:00:00');
             INSERT INTO workspaces VALUES (3, '/srv/remote', '0', 1, '2026-07-01 00:00:00');",
        )
        .await;
        let found = read_foreign(&path, ForeignRead::ZedWorkspacePaths)
            .await
            .unwrap();
        assert_eq!(
            found,
            Some(vec!["/home/ana/new".to_owned(), "/home/ana/old".to_owned()])
        );
    }

    #[tokio::test]
    async fn another_schema_a_missing_file_and_a_non_database_are_told_apart() {
        let dir = tempfile::tempdir().unwrap();
        let other = dir.path().join("other.sqlite");
        make(&other, "CREATE TABLE something (x TEXT);").await;
        assert_eq!(
            read_foreign(&other, ForeignRead::ZedWorkspacePaths)
                .await
                .unwrap(),
            Some(Vec::new())
        );
        let missing = dir.path().join("missing.sqlite");
        assert_eq!(
            read_foreign(&missing, ForeignRead::ZedWorkspacePaths)
                .await
                .unwrap(),
            None
        );
        assert!(!missing.exists(), "a missing database is never created");
        let junk = dir.path().join("junk.sqlite");
        std::fs::write(&junk, vec![7u8; 4096]).unwrap();
        assert!(matches!(
            read_foreign(&junk, ForeignRead::ZedWorkspacePaths).await,
            Err(Error::Corrupt { .. })
        ));
    }
}
