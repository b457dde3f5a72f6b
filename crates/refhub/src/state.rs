//! The hub's own SQLite file (`--state`): the last published bundle, so a restart neither
//! goes back in serial nor re-issues a serial with different bytes, and the audit events
//! received from devices.
//!
//! This is rusqlite, not the app's `gatehouse-store`: the hub is a different program with a
//! different database, and the workspace keeps `sqlx` to the store alone. Every write is one
//! transaction; the file is in WAL mode so a reader (a test, `sqlite3`) never blocks the hub.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension as _, params};
use serde_json::Value;
use uuid::Uuid;

use crate::error::{Error, Result};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS published (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    serial INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    payload BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    org TEXT NOT NULL,
    received_at TEXT NOT NULL,
    event TEXT NOT NULL
);
";

/// The device side (see `devices.rs`): each device's audit chain as received, the heads it
/// reported, and its latest inventory.
pub(crate) const DEVICE_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS chain (
    org TEXT NOT NULL,
    device TEXT NOT NULL,
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL,
    prev TEXT,
    PRIMARY KEY (org, device, seq)
);
CREATE TABLE IF NOT EXISTS heads (
    org TEXT NOT NULL,
    device TEXT NOT NULL,
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL,
    reported_at TEXT NOT NULL,
    PRIMARY KEY (org, device, seq, hash)
);
CREATE TABLE IF NOT EXISTS devices (
    org TEXT NOT NULL,
    device TEXT NOT NULL,
    inventory TEXT,
    inventory_at TEXT,
    last_seen TEXT NOT NULL,
    PRIMARY KEY (org, device)
);
";

/// The bundle last published: served again as is while the directory is unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBundle {
    pub serial: u64,
    pub content_hash: String,
    pub issued_at: String,
    /// The exact signed bytes: a serial always stands for one payload.
    pub payload: Vec<u8>,
}

/// An open state file.
#[derive(Debug)]
pub struct StateDb {
    pub(crate) conn: Connection,
    path: PathBuf,
}

impl StateDb {
    /// Opens or creates the file (and its directory).
    pub fn open(path: &Path) -> Result<StateDb> {
        if let Some(parent) = path
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty())
        {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        let fail = |source| Error::State {
            path: path.to_owned(),
            source,
        };
        let conn = Connection::open(path).map_err(fail)?;
        conn.busy_timeout(Duration::from_secs(5)).map_err(fail)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(fail)?;
        conn.execute_batch(SCHEMA).map_err(fail)?;
        conn.execute_batch(DEVICE_SCHEMA).map_err(fail)?;
        Ok(StateDb {
            conn,
            path: path.to_owned(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn fail(&self, source: rusqlite::Error) -> Error {
        Error::State {
            path: self.path.clone(),
            source,
        }
    }

    pub fn published(&self) -> Result<Option<StoredBundle>> {
        self.conn
            .query_row(
                "SELECT serial, content_hash, issued_at, payload FROM published WHERE id = 1",
                [],
                |row| {
                    Ok(StoredBundle {
                        serial: row.get::<_, i64>(0)?.try_into().unwrap_or(0),
                        content_hash: row.get(1)?,
                        issued_at: row.get(2)?,
                        payload: row.get(3)?,
                    })
                },
            )
            .optional()
            .map_err(|e| self.fail(e))
    }

    /// Records a newly published bundle. A serial that is not above the stored one is not
    /// written (and reported as `false`): the file only ever moves forward.
    pub fn save_published(&self, bundle: &StoredBundle) -> Result<bool> {
        let serial = i64::try_from(bundle.serial).unwrap_or(i64::MAX);
        let changed = self
            .conn
            .execute(
                "INSERT INTO published (id, serial, content_hash, issued_at, payload)
                 VALUES (1, ?1, ?2, ?3, ?4)
                 ON CONFLICT (id) DO UPDATE SET serial = excluded.serial,
                     content_hash = excluded.content_hash, issued_at = excluded.issued_at,
                     payload = excluded.payload
                 WHERE excluded.serial > published.serial",
                params![
                    serial,
                    bundle.content_hash,
                    bundle.issued_at,
                    bundle.payload
                ],
            )
            .map_err(|e| self.fail(e))?;
        Ok(changed == 1)
    }

    /// Stores a batch of events in one transaction; an id already stored (or repeated in the
    /// batch) counts as a duplicate and is not stored again. Returns (accepted, duplicates).
    pub fn store_events(
        &mut self,
        org: &str,
        received_at: &str,
        events: &[(Uuid, Value)],
    ) -> Result<(usize, usize)> {
        let path = self.path.clone();
        let fail = |source| Error::State {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(fail)?;
        let mut accepted = 0;
        {
            let mut insert = tx
                .prepare(
                    "INSERT INTO audit_events (id, org, received_at, event) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (id) DO NOTHING",
                )
                .map_err(fail)?;
            for (id, event) in events {
                let new = insert
                    .execute(params![id.to_string(), org, received_at, event.to_string()])
                    .map_err(fail)?;
                accepted += new;
                if new == 1 {
                    crate::devices::link(&tx, org, received_at, event).map_err(fail)?;
                }
            }
        }
        tx.commit().map_err(fail)?;
        Ok((accepted, events.len() - accepted))
    }

    /// Every stored event, oldest first, as received.
    pub fn events(&self) -> Result<Vec<Value>> {
        let mut query = self
            .conn
            .prepare("SELECT event FROM audit_events ORDER BY seq")
            .map_err(|e| self.fail(e))?;
        let rows = query
            .query_map([], |row| row.get::<_, String>(0))
            .map_err(|e| self.fail(e))?;
        let mut events = Vec::new();
        for row in rows {
            let text = row.map_err(|e| self.fail(e))?;
            // Stored by `store_events` from a parsed value: it parses back.
            events.push(serde_json::from_str(&text).unwrap_or(Value::String(text)));
        }
        Ok(events)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn bundle(serial: u64) -> StoredBundle {
        StoredBundle {
            serial,
            content_hash: format!("h{serial}"),
            issued_at: "2026-01-01T00:00:00Z".into(),
            payload: vec![1, 2, 3],
        }
    }

    #[test]
    fn the_published_serial_only_moves_forward() {
        let dir = tempfile::tempdir().unwrap();
        let db = StateDb::open(&dir.path().join("state.db")).unwrap();
        assert_eq!(db.published().unwrap(), None);
        assert!(db.save_published(&bundle(2)).unwrap());
        assert!(!db.save_published(&bundle(1)).unwrap(), "never backwards");
        assert!(
            !db.save_published(&bundle(2)).unwrap(),
            "never the same serial twice"
        );
        assert_eq!(db.published().unwrap(), Some(bundle(2)));
        assert!(db.save_published(&bundle(3)).unwrap());
        let reopened = StateDb::open(&dir.path().join("state.db")).unwrap();
        assert_eq!(reopened.published().unwrap(), Some(bundle(3)));
    }

    #[test]
    fn events_are_stored_once_by_id() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = StateDb::open(&dir.path().join("state.db")).unwrap();
        let a = (Uuid::from_u128(1), json!({"id": "a"}));
        let b = (Uuid::from_u128(2), json!({"id": "b"}));
        assert_eq!(
            db.store_events("o", "t", &[a.clone(), b.clone(), a.clone()])
                .unwrap(),
            (2, 1)
        );
        assert_eq!(db.store_events("o", "t", &[b]).unwrap(), (0, 1));
        assert_eq!(
            db.events().unwrap(),
            vec![json!({"id": "a"}), json!({"id": "b"})]
        );
    }
}
