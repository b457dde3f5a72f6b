//! The outbox: audit events waiting for the hub's acknowledgement (HUB_API.md B2).
//!
//! Rows are marked delivered, never deleted before that, so nothing is lost while offline;
//! re-sending is safe because the hub deduplicates by event id.

use time::OffsetDateTime;
use uuid::Uuid;

use crate::audit::AuditEvent;
use crate::audit_log::{EventRow, event_columns};
use crate::error::{Error, Result};
use crate::open::Store;
use crate::time_text::to_text;

impl Store {
    /// Undelivered events due at `now` (never tried, or their next attempt is not later than
    /// `now`), oldest first, at most `limit`.
    pub async fn pending_outbox(&self, limit: u32, now: OffsetDateTime) -> Result<Vec<AuditEvent>> {
        let rows: Vec<EventRow> = sqlx::query_as(concat!(
            "SELECT ",
            event_columns!(),
            " FROM audit_outbox o JOIN audit_events e ON e.id = o.event_id \
              WHERE o.delivered_at IS NULL \
                AND (o.next_attempt_at IS NULL OR o.next_attempt_at <= ?1) \
              ORDER BY e.time, e.seq LIMIT ?2"
        ))
        .bind(to_text(now)?)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.into_iter().map(AuditEvent::try_from).collect()
    }

    /// The same undelivered events as [`Store::pending_outbox`], in chain order, each as
    /// its id and the canonical bytes made when it was stored: exactly what the hub gets.
    pub async fn pending_wire(
        &self,
        limit: u32,
        now: OffsetDateTime,
    ) -> Result<Vec<(Uuid, serde_json::Value)>> {
        let rows: Vec<(String, Option<String>)> = sqlx::query_as(
            "SELECT e.id, e.canonical FROM audit_outbox o JOIN audit_events e ON e.id = o.event_id \
              WHERE o.delivered_at IS NULL \
                AND (o.next_attempt_at IS NULL OR o.next_attempt_at <= ?1) \
              ORDER BY e.seq LIMIT ?2",
        )
        .bind(to_text(now)?)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.into_iter()
            .map(|(id, canonical)| {
                let invalid = |detail: String| Error::InvalidRow {
                    table: "audit_events",
                    detail,
                };
                let uuid = Uuid::parse_str(&id).map_err(|e| invalid(format!("id `{id}`: {e}")))?;
                let text =
                    canonical.ok_or_else(|| invalid(format!("event `{id}` has no chain link")))?;
                let value = serde_json::from_str(&text)
                    .map_err(|e| invalid(format!("event `{id}`: {e}")))?;
                Ok((uuid, value))
            })
            .collect()
    }

    /// The latest event of the chain, reported with every policy request; `None` before
    /// the first event.
    pub async fn audit_head(&self) -> Result<Option<crate::chain::AuditHead>> {
        let mut conn = self.pool().acquire().await?;
        let recorded = crate::chain::stored_head(&mut conn).await?;
        let row: Option<(i64, Option<String>)> =
            sqlx::query_as("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1")
                .fetch_optional(&mut *conn)
                .await?;
        let newest = row.and_then(|(seq, hash)| {
            Some(crate::chain::AuditHead {
                seq: u64::try_from(seq).ok()?,
                hash: hash?,
            })
        });
        // The further of the two: a deleted tail leaves the recorded head ahead of the rows.
        Ok(match (recorded, newest) {
            (Some(recorded), Some(newest)) if newest.seq > recorded.seq => Some(newest),
            (Some(recorded), _) => Some(recorded),
            (None, newest) => newest,
        })
    }

    /// Marks the events the hub acknowledged. Returns how many were newly marked (ids that
    /// are unknown or already delivered are skipped).
    pub async fn mark_delivered(&self, ids: &[Uuid], at: OffsetDateTime) -> Result<u64> {
        let at = to_text(at)?;
        let mut tx = self.begin_write().await?;
        let mut marked = 0;
        for id in ids {
            marked += sqlx::query(
                "UPDATE audit_outbox SET delivered_at = ? WHERE event_id = ? AND delivered_at IS NULL",
            )
            .bind(&at)
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        }
        tx.commit().await?;
        Ok(marked)
    }

    /// Records a failed delivery of these undelivered events: one more attempt, and no new
    /// try before `next_attempt_at` (the caller computes the backoff). Returns how many rows
    /// changed.
    pub async fn mark_attempt_failed(
        &self,
        ids: &[Uuid],
        next_attempt_at: OffsetDateTime,
    ) -> Result<u64> {
        let next = to_text(next_attempt_at)?;
        let mut tx = self.begin_write().await?;
        let mut marked = 0;
        for id in ids {
            marked += sqlx::query(
                "UPDATE audit_outbox SET attempts = attempts + 1, next_attempt_at = ? \
                 WHERE event_id = ? AND delivered_at IS NULL",
            )
            .bind(&next)
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        }
        tx.commit().await?;
        Ok(marked)
    }

    /// How many events the hub has not acknowledged yet, due or not.
    pub async fn pending_count(&self) -> Result<u64> {
        let count: i64 =
            sqlx::query_scalar("SELECT count(*) FROM audit_outbox WHERE delivered_at IS NULL")
                .fetch_one(self.pool())
                .await?;
        u64::try_from(count).map_err(|_| Error::InvalidRow {
            table: "audit_outbox",
            detail: format!("negative count {count}"),
        })
    }
}
