//! Key-value settings, and the device id kept among them.

use rusqlite::OptionalExtension;
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::open::Store;

/// The settings key of the device id (DESIGN.md, "Settings and files").
const DEVICE_ID: &str = "device_id";

impl Store {
    /// Sets `key` to `value` (removes it for `None`) and records `event` (its
    /// `settings_changed`) in one transaction; `delivered_at` marks the event as already
    /// acknowledged by the hub, when the change waited for that.
    pub async fn change_setting(
        &self,
        key: &str,
        value: Option<&str>,
        event: &crate::AuditEvent,
        delivered_at: Option<time::OffsetDateTime>,
    ) -> Result<()> {
        let answer = self
            .change_setting_acknowledged(key, value, event, |_| async move {
                Ok::<_, std::convert::Infallible>(delivered_at)
            })
            .await?;
        match answer {
            Ok(()) => Ok(()),
            Err(never) => match never {},
        }
    }

    /// [`Store::change_setting`], but the change commits only once `acknowledge` accepted
    /// the event's wire form (its canonical JSON, chain fields included, as the outbox would
    /// send it); its `Ok(Some(at))` marks the event delivered at `at`. An `Err` changes
    /// nothing and is returned inside `Ok`. The write lock is held meanwhile, so no other
    /// event can take this one's place in the chain: `acknowledge` must be quick (a request
    /// with a time limit).
    pub async fn change_setting_acknowledged<F, Fut, E>(
        &self,
        key: &str,
        value: Option<&str>,
        event: &crate::AuditEvent,
        acknowledge: F,
    ) -> Result<std::result::Result<(), E>>
    where
        F: FnOnce(serde_json::Value) -> Fut,
        Fut: std::future::Future<Output = std::result::Result<Option<time::OffsetDateTime>, E>>,
    {
        self.change_settings_acknowledged(&[(key, value, event)], |mut wire| {
            acknowledge(wire.pop().unwrap_or_default())
        })
        .await
    }

    /// Several settings changed together, each with its event, all or none: the events
    /// take consecutive places in the chain and `acknowledge` gets their wire forms in that
    /// order, in one call (an enrollment changes the hub, organization, area and key at
    /// once, and a half-applied one would follow a hub with another hub's key).
    pub async fn change_settings_acknowledged<F, Fut, E>(
        &self,
        changes: &[(&str, Option<&str>, &crate::AuditEvent)],
        acknowledge: F,
    ) -> Result<std::result::Result<(), E>>
    where
        F: FnOnce(Vec<serde_json::Value>) -> Fut,
        Fut: std::future::Future<Output = std::result::Result<Option<time::OffsetDateTime>, E>>,
    {
        let mut tx = self.begin_write().await?;
        let mut wire = Vec::with_capacity(changes.len());
        for (key, value, event) in changes {
            match value {
                Some(value) => write_setting(&mut *tx, key, value).await?,
                None => {
                    sqlx::query("DELETE FROM settings WHERE key = ?")
                        .bind(key)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            let link = crate::audit_log::insert_event(&mut tx, event).await?;
            wire.push(serde_json::from_str(&link.canonical)?);
        }
        let delivered_at = match acknowledge(wire).await {
            Ok(at) => at,
            // Dropping the transaction rolls the changes and the events back.
            Err(error) => return Ok(Err(error)),
        };
        if let Some(at) = delivered_at {
            let at = crate::time_text::to_text(at)?;
            for (_, _, event) in changes {
                sqlx::query("UPDATE audit_outbox SET delivered_at = ? WHERE event_id = ?")
                    .bind(&at)
                    .bind(event.id.to_string())
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(Ok(()))
    }

    /// The value of setting `key`, if set.
    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        let key = key.to_owned();
        self.direct()
            .read(move |conn| read_setting_direct(conn, &key))
            .await
    }

    /// The settings among `keys` that are set, in one query: a launch reads the hub's five
    /// settings at once rather than paying a statement per key.
    pub async fn settings_among(
        &self,
        keys: &[&str],
    ) -> Result<std::collections::HashMap<String, String>> {
        let keys = serde_json::to_string(keys)?;
        self.direct()
            .read(move |conn| {
                let mut statement = conn.prepare_cached(
                    "SELECT key, value FROM settings WHERE key IN (SELECT value FROM json_each(?1))",
                )?;
                let rows = statement.query_map([&keys], |row| Ok((row.get(0)?, row.get(1)?)))?;
                Ok(rows.collect::<rusqlite::Result<_>>()?)
            })
            .await
    }

    /// Every setting whose key starts with `prefix`, as (key, value), in key order: one query
    /// for a family of keys such as one per server.
    pub async fn settings_with_prefix(&self, prefix: &str) -> Result<Vec<(String, String)>> {
        Ok(sqlx::query_as(
            "SELECT key, value FROM settings WHERE substr(key, 1, length(?1)) = ?1 ORDER BY key",
        )
        .bind(prefix)
        .fetch_all(self.pool())
        .await?)
    }

    /// Sets `key` to `value`, replacing any earlier value.
    pub async fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        write_setting(self.pool(), key, value).await
    }

    /// Removes `key`. Returns whether it was set.
    pub async fn remove_setting(&self, key: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM settings WHERE key = ?")
            .bind(key)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// This device's id: a random UUID made the first time it is asked for, then kept.
    ///
    /// Processes racing on a new database all get the same id: each offers its own with
    /// `INSERT OR IGNORE`, one wins, and everyone reads the winner. The plain read comes
    /// first because every launch asks and should not need the write lock for it.
    pub async fn device_id(&self) -> Result<Uuid> {
        let text = match self.setting(DEVICE_ID).await? {
            Some(text) => text,
            None => {
                sqlx::query("INSERT OR IGNORE INTO settings (key, value) VALUES (?, ?)")
                    .bind(DEVICE_ID)
                    .bind(Uuid::new_v4().to_string())
                    .execute(self.pool())
                    .await?;
                sqlx::query_scalar(READ_SETTING)
                    .bind(DEVICE_ID)
                    .fetch_one(self.pool())
                    .await?
            }
        };
        Uuid::parse_str(&text).map_err(|e| Error::InvalidRow {
            table: "settings",
            detail: format!("{DEVICE_ID} `{text}`: {e}"),
        })
    }
}

/// The statement that reads one setting (both kinds of connection).
const READ_SETTING: &str = "SELECT value FROM settings WHERE key = ?1";

/// The statement that sets one setting, replacing any earlier value.
const WRITE_SETTING: &str = "INSERT INTO settings (key, value) VALUES (?1, ?2) \
     ON CONFLICT (key) DO UPDATE SET value = excluded.value";

/// [`read_setting`] on the plain connection (`direct.rs`).
pub(crate) fn read_setting_direct(
    conn: &rusqlite::Connection,
    key: &str,
) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached(READ_SETTING)?
        .query_row([key], |row| row.get(0))
        .optional()?)
}

/// [`write_setting`] on the plain connection (`direct.rs`).
pub(crate) fn write_setting_direct(
    conn: &rusqlite::Connection,
    key: &str,
    value: &str,
) -> Result<()> {
    conn.prepare_cached(WRITE_SETTING)?.execute([key, value])?;
    Ok(())
}

/// The value of setting `key` through `executor` (the pool, or a connection inside a
/// transaction).
pub(crate) async fn read_setting<'c>(
    executor: impl sqlx::SqliteExecutor<'c>,
    key: &str,
) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(READ_SETTING)
        .bind(key)
        .fetch_optional(executor)
        .await?)
}

/// Sets `key` to `value` through `executor`, replacing any earlier value.
pub(crate) async fn write_setting<'c>(
    executor: impl sqlx::SqliteExecutor<'c>,
    key: &str,
    value: &str,
) -> Result<()> {
    sqlx::query(WRITE_SETTING)
        .bind(key)
        .bind(value)
        .execute(executor)
        .await?;
    Ok(())
}
