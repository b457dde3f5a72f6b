//! Client app entries routed through `gatehouse run`, and what unwiring puts back.

use time::OffsetDateTime;

use crate::audit::AuditEvent;
use crate::audit_log::insert_event;
use crate::error::{Error, Result, is_unique_violation};
use crate::open::Store;
use crate::servers::Server;
use crate::time_text::{from_text, to_text};

const TABLE: &str = "client_wirings";

/// One wired entry. `restore` is opaque to the store (JSON text made by the caller); it
/// never holds secret values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wiring {
    /// The client app's name (`cursor`, `vscode`, …).
    pub client: String,
    pub config_path: String,
    /// The keys from the top of the config file to the entry.
    pub entry_path: Vec<String>,
    pub server_id: String,
    pub restore: String,
    /// Names of env variables whose values are in the OS keyring.
    pub secret_env: Vec<String>,
    pub launch_digest: String,
    pub wired_at: OffsetDateTime,
}

impl Store {
    /// Records `wiring`, registering `new_server` first when the entry is a server not
    /// stored yet, and `event`, all in one transaction.
    pub async fn add_wiring(
        &self,
        wiring: &Wiring,
        new_server: Option<&Server>,
        event: Option<&AuditEvent>,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        if let Some(server) = new_server {
            crate::servers::insert_server(&mut tx, server).await?;
        }
        sqlx::query(
            "INSERT OR REPLACE INTO client_wirings \
             (client, config_path, entry_path, server_id, restore, secret_env, launch_digest, wired_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&wiring.client)
        .bind(&wiring.config_path)
        .bind(serde_json::to_string(&wiring.entry_path)?)
        .bind(&wiring.server_id)
        .bind(&wiring.restore)
        .bind(serde_json::to_string(&wiring.secret_env)?)
        .bind(&wiring.launch_digest)
        .bind(to_text(wiring.wired_at)?)
        .execute(&mut *tx)
        .await
        .map_err(|error| {
            if is_unique_violation(&error) {
                Error::DuplicateServer(wiring.server_id.clone())
            } else {
                Error::from(error)
            }
        })?;
        if let Some(event) = event {
            insert_event(&mut tx, event).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Every wiring, ordered by client, file and entry.
    pub async fn wirings(&self) -> Result<Vec<Wiring>> {
        let rows: Vec<WiringRow> = sqlx::query_as(
            "SELECT client, config_path, entry_path, server_id, restore, secret_env, \
             launch_digest, wired_at FROM client_wirings ORDER BY client, config_path, entry_path",
        )
        .fetch_all(self.pool())
        .await?;
        rows.into_iter().map(Wiring::try_from).collect()
    }

    /// The env names of server `id` whose values are in the keyring (empty for a server
    /// that was never wired from a client app, or whose entry held no secret).
    pub async fn secret_env(&self, id: &str) -> Result<Vec<String>> {
        let id = id.to_owned();
        let lists: Vec<String> = self
            .direct()
            .read(move |conn| {
                let mut statement = conn
                    .prepare_cached("SELECT secret_env FROM client_wirings WHERE server_id = ?1")?;
                let rows = statement.query_map([&id], |row| row.get(0))?;
                Ok(rows.collect::<rusqlite::Result<_>>()?)
            })
            .await?;
        let mut names = std::collections::BTreeSet::new();
        for list in lists {
            names.extend(string_list(&list)?);
        }
        Ok(names.into_iter().collect())
    }

    /// Forgets the wiring of one entry, with `event`. When it was the last wiring of a
    /// server that came from a client app, the server goes too (with its confirmations):
    /// it was registered only to run that entry. Returns whether the server went.
    pub async fn remove_wiring(&self, wiring: &Wiring, event: Option<&AuditEvent>) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "DELETE FROM client_wirings WHERE client = ? AND config_path = ? AND entry_path = ?",
        )
        .bind(&wiring.client)
        .bind(&wiring.config_path)
        .bind(serde_json::to_string(&wiring.entry_path)?)
        .execute(&mut *tx)
        .await?;
        let removed = sqlx::query(
            "DELETE FROM servers WHERE id = ?1 AND source = 'client' \
             AND NOT EXISTS (SELECT 1 FROM client_wirings WHERE server_id = ?1)",
        )
        .bind(&wiring.server_id)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            > 0;
        if removed {
            sqlx::query("DELETE FROM confirmations WHERE server_id = ?")
                .bind(&wiring.server_id)
                .execute(&mut *tx)
                .await?;
        }
        if let Some(event) = event {
            insert_event(&mut tx, event).await?;
        }
        tx.commit().await?;
        Ok(removed)
    }
}

#[derive(Debug, sqlx::FromRow)]
struct WiringRow {
    client: String,
    config_path: String,
    entry_path: String,
    server_id: String,
    restore: String,
    secret_env: String,
    launch_digest: String,
    wired_at: String,
}

impl TryFrom<WiringRow> for Wiring {
    type Error = Error;

    fn try_from(row: WiringRow) -> Result<Wiring> {
        Ok(Wiring {
            entry_path: string_list(&row.entry_path)?,
            secret_env: string_list(&row.secret_env)?,
            wired_at: from_text(TABLE, &row.wired_at)?,
            client: row.client,
            config_path: row.config_path,
            server_id: row.server_id,
            restore: row.restore,
            launch_digest: row.launch_digest,
        })
    }
}

fn string_list(text: &str) -> Result<Vec<String>> {
    serde_json::from_str(text).map_err(|e| Error::InvalidRow {
        table: TABLE,
        detail: format!("json `{text}`: {e}"),
    })
}
