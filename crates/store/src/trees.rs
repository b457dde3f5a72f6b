//! The record of a verified server's installed code: what was installed, the artifact kept
//! for re-checking it, and every file with its size and hash (see the `verified_trees`
//! migration for why each is kept).

use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;
use time::OffsetDateTime;

use crate::audit::AuditEvent;
use crate::error::{Error, Result};
use crate::open::Store;
use crate::time_text::{from_text, to_text};

/// What kind of code a verified server runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TreeKind {
    /// A bundle from the organization's registry.
    Registry,
    /// A copy of a public package (npm, PyPI, `.mcpb`) the catalog certifies.
    Package,
}

impl TreeKind {
    fn as_str(self) -> &'static str {
        match self {
            TreeKind::Registry => "registry",
            TreeKind::Package => "package",
        }
    }
}

/// One installed file: its path inside the tree (`/`-separated), size and hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreeFile {
    pub path: String,
    pub size: u64,
    /// The file's hash, hex (BLAKE3).
    pub hash: String,
    /// What the file system says about the installed file once it was made read-only
    /// (device, inode, change and modification times): a launch that finds the same
    /// stamp need not hash it again. Its change time moves on any write, rename or
    /// permission change and cannot be set back without admin rights; `None` where the
    /// platform gives no such time (the file is then hashed at every launch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stamp: Option<String>,
}

/// The record of one verified server's code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedTree {
    pub kind: TreeKind,
    /// The catalog name (a registry bundle) or the package identifier (a copy).
    pub name: String,
    pub version: String,
    /// For a copy: `npm`, `pypi` or `mcpb`.
    pub registry_type: Option<String>,
    /// The SHA-256 of the kept artifact, hex: the catalog's `digest` or `fileSha256`.
    pub artifact_sha256: String,
    /// Where the downloaded artifact is kept.
    pub artifact: String,
    /// The folder the files are in.
    pub root: String,
    /// Every file under `root`, sorted by path.
    pub files: Vec<TreeFile>,
    pub recorded_at: OffsetDateTime,
    /// When a check found it changed (see the migration); `None` while it is intact.
    pub modified_at: Option<OffsetDateTime>,
}

pub(crate) async fn insert_tree(
    tx: &mut SqliteConnection,
    server_id: &str,
    tree: &VerifiedTree,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO verified_trees (server_id, kind, name, version, registry_type, \
         artifact_sha256, artifact, root, files, recorded_at, modified_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(server_id)
    .bind(tree.kind.as_str())
    .bind(&tree.name)
    .bind(&tree.version)
    .bind(&tree.registry_type)
    .bind(&tree.artifact_sha256)
    .bind(&tree.artifact)
    .bind(&tree.root)
    .bind(serde_json::to_string(&tree.files)?)
    .bind(to_text(tree.recorded_at)?)
    .bind(tree.modified_at.map(to_text).transpose()?)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

type TreeRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
);

/// The columns [`tree_of`] reads (a macro so queries stay literal strings).
macro_rules! select_trees {
    () => {
        "SELECT server_id, kind, name, version, registry_type, artifact_sha256, artifact, \
         root, files, recorded_at, modified_at FROM verified_trees"
    };
}

fn tree_of(row: TreeRow) -> Result<(String, VerifiedTree)> {
    let (id, kind, name, version, registry_type, sha, artifact, root, files, at, modified) = row;
    let invalid = |detail: String| Error::InvalidRow {
        table: "verified_trees",
        detail,
    };
    let kind = match kind.as_str() {
        "registry" => TreeKind::Registry,
        "package" => TreeKind::Package,
        other => return Err(invalid(format!("kind `{other}`"))),
    };
    let modified_at = modified
        .map(|text| from_text("verified_trees", &text))
        .transpose()?;
    Ok((
        id,
        VerifiedTree {
            kind,
            name,
            version,
            registry_type,
            artifact_sha256: sha,
            artifact,
            root,
            files: serde_json::from_str(&files).map_err(|e| invalid(format!("files: {e}")))?,
            recorded_at: from_text("verified_trees", &at)?,
            modified_at,
        },
    ))
}

impl Store {
    /// The record of server `id`'s verified code, if it has one.
    pub async fn verified_tree(&self, id: &str) -> Result<Option<VerifiedTree>> {
        let id = id.to_owned();
        let row: Option<TreeRow> = self
            .direct()
            .read(move |conn| {
                let mut statement =
                    conn.prepare_cached(concat!(select_trees!(), " WHERE server_id = ?1"))?;
                Ok(statement
                    .query_row([&id], |row| {
                        Ok((
                            row.get(0)?,
                            row.get(1)?,
                            row.get(2)?,
                            row.get(3)?,
                            row.get(4)?,
                            row.get(5)?,
                            row.get(6)?,
                            row.get(7)?,
                            row.get(8)?,
                            row.get(9)?,
                            row.get(10)?,
                        ))
                    })
                    .optional()?)
            })
            .await?;
        row.map(|row| tree_of(row).map(|(_, tree)| tree))
            .transpose()
    }

    /// Every server's record of verified code, by server id.
    pub async fn verified_trees(&self) -> Result<Vec<(String, VerifiedTree)>> {
        let rows: Vec<TreeRow> = sqlx::query_as(concat!(select_trees!(), " ORDER BY server_id"))
            .fetch_all(self.pool())
            .await?;
        rows.into_iter().map(tree_of).collect()
    }

    /// Marks server `id`'s code as changed at `at`, with the `artifact_modified` event that
    /// says so, in one transaction. `false` when it has no record or was already marked.
    pub async fn mark_tree_modified(
        &self,
        id: &str,
        at: OffsetDateTime,
        event: &AuditEvent,
    ) -> Result<bool> {
        let mut tx = self.pool().begin().await?;
        let marked = sqlx::query(
            "UPDATE verified_trees SET modified_at = ? WHERE server_id = ? AND modified_at IS NULL",
        )
        .bind(to_text(at)?)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if marked {
            crate::audit_log::insert_event(&mut tx, event).await?;
        }
        tx.commit().await?;
        Ok(marked)
    }

    /// Stores the record of server `id`'s files (replacing any), with `event`, in one
    /// transaction: for a server installed before files were recorded.
    pub async fn record_tree(
        &self,
        id: &str,
        tree: &VerifiedTree,
        event: Option<&AuditEvent>,
    ) -> Result<()> {
        let mut tx = self.pool().begin().await?;
        sqlx::query("DELETE FROM verified_trees WHERE server_id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        insert_tree(&mut tx, id, tree).await?;
        if let Some(event) = event {
            crate::audit_log::insert_event(&mut tx, event).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The servers registered before identity was bound to code that the first sync after
    /// the upgrade has not handled yet (see the `verified_trees` migration).
    pub async fn pending_upgrades(&self) -> Result<Vec<String>> {
        let rows: Vec<(String,)> =
            sqlx::query_as("SELECT server_id FROM identity_upgrade ORDER BY server_id")
                .fetch_all(self.pool())
                .await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// Whether server `id` still waits for the upgrade's first sync.
    pub async fn upgrade_pending(&self, id: &str) -> Result<bool> {
        let id = id.to_owned();
        self.direct()
            .read(move |conn| {
                let mut statement =
                    conn.prepare_cached("SELECT 1 FROM identity_upgrade WHERE server_id = ?1")?;
                Ok(statement.exists([&id])?)
            })
            .await
    }

    /// Marks server `id` as handled by the upgrade.
    pub async fn finish_upgrade(&self, id: &str) -> Result<()> {
        sqlx::query("DELETE FROM identity_upgrade WHERE server_id = ?")
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// How many servers keep the artifact at `artifact` (a removed server's artifact is
    /// deleted only when no other uses it).
    pub async fn servers_using_artifact(&self, artifact: &str) -> Result<u64> {
        let (count,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM verified_trees WHERE artifact = ?")
                .bind(artifact)
                .fetch_one(self.pool())
                .await?;
        Ok(u64::try_from(count).unwrap_or(0))
    }
}
