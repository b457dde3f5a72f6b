//! Installed and wired servers: how to launch each one, as the client config had it.

use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;
use time::OffsetDateTime;

use crate::audit::AuditEvent;
use crate::audit_log::insert_event;
use crate::error::{Error, Result, is_unique_violation};
use crate::open::Store;
use crate::time_text::{from_text, to_text};

const TABLE: &str = "servers";

/// The columns of `ServerRow`, as a literal for `concat!`.
macro_rules! server_columns {
    () => {
        "id, name, version, command, args, env_names, source, client, bundle_digest, created_at"
    };
}

/// Where a server came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum ServerSource {
    /// Added by hand (`servers add`).
    Manual,
    /// Imported from a client app's config file.
    Client,
    /// Installed from the org catalog.
    Registry,
}

impl ServerSource {
    pub fn as_str(self) -> &'static str {
        match self {
            ServerSource::Manual => "manual",
            ServerSource::Client => "client",
            ServerSource::Registry => "registry",
        }
    }

    pub fn from_name(name: &str) -> Option<ServerSource> {
        [
            ServerSource::Manual,
            ServerSource::Client,
            ServerSource::Registry,
        ]
        .into_iter()
        .find(|source| source.as_str() == name)
    }
}

/// A server as stored: both what [`Store::add_server`] takes and what it gives back.
///
/// It holds the NAMES of the environment variables the entry declared, never their values:
/// values are secrets more often than not, and they stay in the client config or the keyring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Server {
    /// Unique in the store: the key of the entry in a client config, or a catalog name.
    pub id: String,
    /// The policy name (catalog name, `--name`, or the package derived from the command).
    pub name: String,
    /// `None` when unknown (e.g. an unpinned `npx` entry).
    pub version: Option<String>,
    pub command: String,
    pub args: Vec<String>,
    /// Declared environment variable names only.
    pub env_names: Vec<String>,
    pub source: ServerSource,
    /// The client app the entry came from, for [`ServerSource::Client`].
    pub client: Option<String>,
    pub bundle_digest: Option<String>,
    pub created_at: OffsetDateTime,
}

/// What an install from the registry brought with a server (stored beside it, removed
/// with it).
#[derive(Debug, Clone, PartialEq)]
pub struct Install {
    pub manifest_digest: String,
    pub bundle_digest: String,
    /// The manifest's `permissions` / `permissions_requested`, as declared (`null` when none).
    pub permissions: serde_json::Value,
    /// What the registry stated at install time (origin, certification level, status).
    /// For display and audit only: decisions take facts from the signed catalog alone.
    pub registry_facts: serde_json::Value,
    pub installed_at: OffsetDateTime,
}

impl Store {
    /// Adds `server`, and `event` (e.g. `server_installed`) in the same transaction.
    ///
    /// An id already stored gives [`Error::DuplicateServer`]; nothing is stored then.
    pub async fn add_server(&self, server: &Server, event: Option<&AuditEvent>) -> Result<()> {
        let mut tx = self.begin_write().await?;
        insert_server(&mut tx, server).await?;
        if let Some(event) = event {
            insert_event(&mut tx, event).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Adds `server` with what its install brought (the registry's install record, the
    /// record of its verified files), and `event`, in one transaction: either all of it is
    /// stored or none.
    pub async fn add_installed_server(
        &self,
        server: &Server,
        install: Option<&Install>,
        tree: Option<&crate::trees::VerifiedTree>,
        event: Option<&AuditEvent>,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        insert_server(&mut tx, server).await?;
        if let Some(tree) = tree {
            crate::trees::insert_tree(&mut tx, &server.id, tree).await?;
        }
        let Some(install) = install else {
            if let Some(event) = event {
                insert_event(&mut tx, event).await?;
            }
            tx.commit().await?;
            return Ok(());
        };
        sqlx::query(
            "INSERT INTO installs \
             (server_id, manifest_digest, bundle_digest, permissions, registry_facts, installed_at) \
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(&server.id)
        .bind(&install.manifest_digest)
        .bind(&install.bundle_digest)
        .bind(install.permissions.to_string())
        .bind(install.registry_facts.to_string())
        .bind(to_text(install.installed_at)?)
        .execute(&mut *tx)
        .await?;
        if let Some(event) = event {
            insert_event(&mut tx, event).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Makes server `id` run `copy` (a verified copy installed for it): its command,
    /// arguments and version become the copy's, it counts as installed by Gatehouse from
    /// then on, and the record of the copy's files and `event` are stored, all in one
    /// transaction. Its id, label, client and declared environment names stay, so the
    /// client entries that run it need no change. `false` when there is no such server.
    pub async fn switch_to_copy(
        &self,
        id: &str,
        copy: &Server,
        tree: &crate::trees::VerifiedTree,
        event: &AuditEvent,
    ) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let switched = sqlx::query(
            "UPDATE servers SET command = ?, args = ?, version = ?, source = 'registry', \
             bundle_digest = NULL WHERE id = ?",
        )
        .bind(&copy.command)
        .bind(serde_json::to_string(&copy.args)?)
        .bind(&copy.version)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !switched {
            return Ok(false);
        }
        sqlx::query("DELETE FROM verified_trees WHERE server_id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        crate::trees::insert_tree(&mut tx, id, tree).await?;
        insert_event(&mut tx, event).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// What the install of server `id` brought, if it was installed from the registry.
    pub async fn install(&self, id: &str) -> Result<Option<Install>> {
        let row: Option<(String, String, String, String, String)> = sqlx::query_as(
            "SELECT manifest_digest, bundle_digest, permissions, registry_facts, installed_at \
             FROM installs WHERE server_id = ?",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        row.map(|(manifest_digest, bundle_digest, permissions, facts, at)| {
            let json = |text: &str| {
                serde_json::from_str(text).map_err(|e| Error::InvalidRow {
                    table: "installs",
                    detail: format!("json `{text}`: {e}"),
                })
            };
            Ok(Install {
                manifest_digest,
                bundle_digest,
                permissions: json(&permissions)?,
                registry_facts: json(&facts)?,
                installed_at: from_text("installs", &at)?,
            })
        })
        .transpose()
    }

    /// Removes server `id` with its remembered confirmations, and records `event` (e.g.
    /// `server_removed`) in the same transaction. Returns `false`, recording nothing, when
    /// there was no such server.
    ///
    /// Confirmations go with the server so that one added again later under the same id is
    /// asked about again rather than inheriting an old "Always".
    pub async fn remove_server(&self, id: &str, event: Option<&AuditEvent>) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let removed = sqlx::query("DELETE FROM servers WHERE id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if removed == 0 {
            return Ok(false); // dropping `tx` rolls back; nothing was written
        }
        sqlx::query("DELETE FROM confirmations WHERE server_id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if let Some(event) = event {
            insert_event(&mut tx, event).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Server `id`, if stored.
    pub async fn server(&self, id: &str) -> Result<Option<Server>> {
        let id = id.to_owned();
        let row: Option<ServerRow> = self
            .direct()
            .read(move |conn| {
                let mut statement = conn.prepare_cached(concat!(
                    "SELECT ",
                    server_columns!(),
                    " FROM servers WHERE id = ?1"
                ))?;
                Ok(statement
                    .query_row([&id], |row| {
                        Ok(ServerRow {
                            id: row.get(0)?,
                            name: row.get(1)?,
                            version: row.get(2)?,
                            command: row.get(3)?,
                            args: row.get(4)?,
                            env_names: row.get(5)?,
                            source: row.get(6)?,
                            client: row.get(7)?,
                            bundle_digest: row.get(8)?,
                            created_at: row.get(9)?,
                        })
                    })
                    .optional()?)
            })
            .await?;
        row.map(Server::try_from).transpose()
    }

    /// Every server, ordered by id.
    pub async fn servers(&self) -> Result<Vec<Server>> {
        let rows: Vec<ServerRow> = sqlx::query_as(concat!(
            "SELECT ",
            server_columns!(),
            " FROM servers ORDER BY id"
        ))
        .fetch_all(self.pool())
        .await?;
        rows.into_iter().map(Server::try_from).collect()
    }

    /// How many servers use the installed bundle with `digest` (so it can be deleted at 0).
    pub async fn servers_using_bundle(&self, digest: &str) -> Result<u64> {
        let count: i64 = sqlx::query_scalar("SELECT count(*) FROM servers WHERE bundle_digest = ?")
            .bind(digest)
            .fetch_one(self.pool())
            .await?;
        u64::try_from(count).map_err(|_| invalid(format!("negative count {count}")))
    }
}

/// Inserts `server` in the transaction of `conn`; an id already stored gives
/// [`Error::DuplicateServer`].
pub(crate) async fn insert_server(conn: &mut SqliteConnection, server: &Server) -> Result<()> {
    let args = serde_json::to_string(&server.args)?;
    let env_names = serde_json::to_string(&server.env_names)?;
    let created_at = to_text(server.created_at)?;
    sqlx::query(
        "INSERT INTO servers \
         (id, name, version, command, args, env_names, source, client, bundle_digest, created_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&server.id)
    .bind(&server.name)
    .bind(&server.version)
    .bind(&server.command)
    .bind(args)
    .bind(env_names)
    .bind(server.source.as_str())
    .bind(&server.client)
    .bind(&server.bundle_digest)
    .bind(created_at)
    .execute(&mut *conn)
    .await
    .map_err(|error| {
        if is_unique_violation(&error) {
            Error::DuplicateServer(server.id.clone())
        } else {
            Error::from(error)
        }
    })?;
    Ok(())
}

#[derive(Debug, sqlx::FromRow)]
struct ServerRow {
    id: String,
    name: String,
    version: Option<String>,
    command: String,
    args: String,
    env_names: String,
    source: String,
    client: Option<String>,
    bundle_digest: Option<String>,
    created_at: String,
}

impl TryFrom<ServerRow> for Server {
    type Error = Error;

    fn try_from(row: ServerRow) -> Result<Server> {
        let source = ServerSource::from_name(&row.source)
            .ok_or_else(|| invalid(format!("unknown source `{}`", row.source)))?;
        Ok(Server {
            args: string_list(&row.args)?,
            env_names: string_list(&row.env_names)?,
            created_at: from_text(TABLE, &row.created_at)?,
            id: row.id,
            name: row.name,
            version: row.version,
            command: row.command,
            source,
            client: row.client,
            bundle_digest: row.bundle_digest,
        })
    }
}

fn string_list(text: &str) -> Result<Vec<String>> {
    serde_json::from_str(text).map_err(|e| invalid(format!("json `{text}`: {e}")))
}

fn invalid(detail: String) -> Error {
    Error::InvalidRow {
        table: TABLE,
        detail,
    }
}
