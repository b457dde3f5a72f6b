//! Remembered "Always for this version" answers to warn verdicts (POLICY.md section 4).
//!
//! The key holds everything whose change must ask again: the server, its version and
//! digest, and a hash of the effective rules and violations for that server, which the
//! caller computes. The store compares keys; it does not know what they mean.

use time::OffsetDateTime;

use crate::error::Result;
use crate::open::Store;
use crate::time_text::to_text;

/// What a remembered confirmation is for. `version` and `digest` are `None` when unknown,
/// and `None` matches only `None`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ConfirmationKey {
    pub server_id: String,
    pub version: Option<String>,
    pub digest: Option<String>,
    /// Opaque to the store.
    pub rules_hash: String,
}

// `IS` rather than `=`: it treats two NULLs as equal, which is what an unknown version or
// digest needs (a UNIQUE key would treat them as distinct).
// A macro so that it can be spliced into `concat!`.
macro_rules! key_matches {
    () => {
        "server_id = ?1 AND version IS ?2 AND digest IS ?3 AND rules_hash = ?4"
    };
}

impl Store {
    /// Whether the user said "Always" for exactly this key.
    pub async fn has_confirmation(&self, key: &ConfirmationKey) -> Result<bool> {
        let key = key.clone();
        self.direct()
            .read(move |conn| {
                let mut statement = conn.prepare_cached(concat!(
                    "SELECT 1 FROM confirmations WHERE ",
                    key_matches!(),
                    " LIMIT 1"
                ))?;
                Ok(statement.exists(rusqlite::params![
                    key.server_id,
                    key.version,
                    key.digest,
                    key.rules_hash
                ])?)
            })
            .await
    }

    /// Remembers "Always" for `key`. Returns `false` when it was already remembered.
    ///
    /// One statement, so the check and the insert are atomic even across processes.
    pub async fn remember_confirmation(
        &self,
        key: &ConfirmationKey,
        at: OffsetDateTime,
    ) -> Result<bool> {
        let done = sqlx::query(concat!(
            "INSERT INTO confirmations (server_id, version, digest, rules_hash, created_at) \
             SELECT ?1, ?2, ?3, ?4, ?5 WHERE NOT EXISTS (SELECT 1 FROM confirmations WHERE ",
            key_matches!(),
            ")"
        ))
        .bind(&key.server_id)
        .bind(&key.version)
        .bind(&key.digest)
        .bind(&key.rules_hash)
        .bind(to_text(at)?)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// How many "Always" answers are remembered, per server: one query for a whole list.
    pub async fn confirmation_counts(&self) -> Result<std::collections::HashMap<String, u32>> {
        let rows: Vec<(String, i64)> =
            sqlx::query_as("SELECT server_id, COUNT(*) FROM confirmations GROUP BY server_id")
                .fetch_all(self.pool())
                .await?;
        Ok(rows
            .into_iter()
            .map(|(id, count)| (id, u32::try_from(count).unwrap_or(u32::MAX)))
            .collect())
    }

    /// Forgets every remembered answer for server `server_id` and records `event` in the
    /// same transaction. Returns how many were forgotten (none: nothing is recorded).
    pub async fn forget_confirmations_recorded(
        &self,
        server_id: &str,
        event: &crate::AuditEvent,
    ) -> Result<u64> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("DELETE FROM confirmations WHERE server_id = ?")
            .bind(server_id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Ok(0);
        }
        let mut event = event.clone();
        event.detail = Some(serde_json::json!({ "approvals": done.rows_affected() }));
        crate::audit_log::insert_event(&mut tx, &event).await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }

    /// Forgets every remembered answer for server `server_id`. Returns how many.
    pub async fn forget_confirmations(&self, server_id: &str) -> Result<u64> {
        let done = sqlx::query("DELETE FROM confirmations WHERE server_id = ?")
            .bind(server_id)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected())
    }
}
