//! Signed policy snapshots as the hub sent them (HUB_API.md B1).
//!
//! The store keeps the exact signed bytes and never interprets them: checking the signature,
//! the org and the serial is the hub client's job, before [`Store::store_snapshot`] and again
//! on every load.

use rusqlite::OptionalExtension;
use time::OffsetDateTime;

use crate::audit::AuditEvent;
use crate::audit_log::insert_event;
use crate::error::{Error, Result, is_unique_violation};
use crate::open::Store;
use crate::time_text::{from_text, to_text};

const TABLE: &str = "snapshots";

/// A verified bundle to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSnapshot {
    pub org: String,
    pub serial: u64,
    pub key_id: String,
    /// The exact bytes the signature covers (the decoded `payload` of the envelope).
    pub payload: Vec<u8>,
    pub signature: Vec<u8>,
    pub etag: Option<String>,
    /// When it was fetched; also its first verified time.
    pub fetched_at: OffsetDateTime,
}

/// A stored bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub id: i64,
    pub org: String,
    pub serial: u64,
    pub key_id: String,
    pub payload: Vec<u8>,
    pub signature: Vec<u8>,
    pub etag: Option<String>,
    /// When this bundle was first stored.
    pub fetched_at: OffsetDateTime,
    /// The last 200 or 304 from the hub for it: the policy's age is measured from here.
    pub verified_at: OffsetDateTime,
}

impl Store {
    /// Stores `snapshot` and its `policy_synced` event in one transaction, so the log never
    /// claims a sync that did not land, nor misses one that did. Returns the new row id.
    ///
    /// An (org, serial) already stored gives [`Error::DuplicateSnapshot`], and then neither
    /// the snapshot nor the event is stored.
    pub async fn store_snapshot(&self, snapshot: &NewSnapshot, event: &AuditEvent) -> Result<i64> {
        let serial = i64::try_from(snapshot.serial).map_err(|_| Error::OutOfRange {
            what: "snapshot serial",
            value: snapshot.serial.to_string(),
        })?;
        let fetched_at = to_text(snapshot.fetched_at)?;
        let mut tx = self.begin_write().await?;
        // The event goes first: if the snapshot then fails, dropping `tx` rolls both back.
        insert_event(&mut tx, event).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO snapshots \
             (org, serial, key_id, payload, signature, etag, fetched_at, verified_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(&snapshot.org)
        .bind(serial)
        .bind(&snapshot.key_id)
        .bind(&snapshot.payload)
        .bind(&snapshot.signature)
        .bind(&snapshot.etag)
        .bind(&fetched_at)
        .bind(&fetched_at)
        .fetch_one(&mut *tx)
        .await
        .map_err(|error| {
            if is_unique_violation(&error) {
                Error::DuplicateSnapshot {
                    org: snapshot.org.clone(),
                    serial: snapshot.serial,
                }
            } else {
                Error::from(error)
            }
        })?;
        tx.commit().await?;
        Ok(id)
    }

    /// Stored snapshots, most recently stored first, at most `limit`. The newest is the
    /// policy in force or there is none: a caller never falls back to an older row, which
    /// anyone able to edit this file could otherwise choose (DESIGN.md "Tamper evidence").
    pub async fn snapshots_newest_first(&self, limit: u32) -> Result<Vec<Snapshot>> {
        let rows: Vec<SnapshotRow> = self
            .direct()
            .read(move |conn| {
                let mut statement = conn.prepare_cached(
                    "SELECT id, org, serial, key_id, payload, signature, etag, fetched_at, \
                     verified_at FROM snapshots ORDER BY id DESC LIMIT ?1",
                )?;
                let rows = statement.query_map([limit], |row| {
                    Ok(SnapshotRow {
                        id: row.get(0)?,
                        org: row.get(1)?,
                        serial: row.get(2)?,
                        key_id: row.get(3)?,
                        payload: row.get(4)?,
                        signature: row.get(5)?,
                        etag: row.get(6)?,
                        fetched_at: row.get(7)?,
                        verified_at: row.get(8)?,
                    })
                })?;
                Ok(rows.collect::<rusqlite::Result<_>>()?)
            })
            .await?;
        rows.into_iter().map(Snapshot::try_from).collect()
    }

    /// The serial of the most recently stored snapshot. One index lookup: a running launcher
    /// polls it to notice a new policy.
    pub async fn latest_snapshot_serial(&self) -> Result<Option<u64>> {
        let serial: Option<i64> = self
            .direct()
            .read(|conn| {
                let mut statement =
                    conn.prepare_cached("SELECT serial FROM snapshots ORDER BY id DESC LIMIT 1")?;
                Ok(statement.query_row([], |row| row.get(0)).optional()?)
            })
            .await?;
        serial.map(to_serial).transpose()
    }

    /// Records a 200 or 304 from the hub for snapshot `id`. Returns whether it exists.
    pub async fn mark_snapshot_verified(&self, id: i64, at: OffsetDateTime) -> Result<bool> {
        let done = sqlx::query("UPDATE snapshots SET verified_at = ? WHERE id = ?")
            .bind(to_text(at)?)
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Deletes all but the `keep` most recently stored snapshots (payloads can be large and a
    /// sync stores one per new serial). Returns how many were deleted.
    pub async fn prune_snapshots(&self, keep: u32) -> Result<u64> {
        let done = sqlx::query(
            "DELETE FROM snapshots WHERE id NOT IN \
             (SELECT id FROM snapshots ORDER BY id DESC LIMIT ?)",
        )
        .bind(keep)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected())
    }
}

#[derive(Debug, sqlx::FromRow)]
struct SnapshotRow {
    id: i64,
    org: String,
    serial: i64,
    key_id: String,
    payload: Vec<u8>,
    signature: Vec<u8>,
    etag: Option<String>,
    fetched_at: String,
    verified_at: String,
}

impl TryFrom<SnapshotRow> for Snapshot {
    type Error = Error;

    fn try_from(row: SnapshotRow) -> Result<Snapshot> {
        Ok(Snapshot {
            id: row.id,
            org: row.org,
            serial: to_serial(row.serial)?,
            key_id: row.key_id,
            payload: row.payload,
            signature: row.signature,
            etag: row.etag,
            fetched_at: from_text(TABLE, &row.fetched_at)?,
            verified_at: from_text(TABLE, &row.verified_at)?,
        })
    }
}

fn to_serial(serial: i64) -> Result<u64> {
    u64::try_from(serial).map_err(|_| Error::InvalidRow {
        table: TABLE,
        detail: format!("negative serial {serial}"),
    })
}
