//! Each sync re-checks every verified server's code (DESIGN.md "Server identity"): the
//! kept artifact must still have the SHA-256 its record states (and that the signed catalog
//! certified: a record claiming other bytes is no longer certified by the catalog), the
//! record must still describe the artifact's own files, and the installed files must still
//! be the record's. The launcher checks only the last before a spawn, cheaply; a change to
//! both the files and the record, which passes that check, is caught here. A change is
//! recorded once (`artifact_modified`, with a desktop notification) and blocks the server
//! from then on, until it is installed again.

use std::path::Path;

use gatehouse_store::{AuditKind, TreeFile, VerifiedTree};
use sha2::{Digest as _, Sha256};

use crate::context::Context;
use crate::error::Result;
use crate::identity::tree::{self, TreeCheck};
use crate::install::copy;
use crate::install::staging::{Staging, bundles_dir};
use crate::ports::{Clock, Notification, Notifier};

/// What a check found changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// The kept artifact is gone or cannot be read.
    ArtifactMissing,
    /// The kept artifact is not the bytes the record says were installed.
    ArtifactChanged,
    /// The record no longer describes the artifact's files (edited in the store).
    RecordChanged,
    /// The installed files are not the record's: one changed, was added or removed.
    FilesChanged,
}

impl Change {
    /// The stable name in the audit event's detail.
    pub fn name(self) -> &'static str {
        match self {
            Change::ArtifactMissing => "artifact_missing",
            Change::ArtifactChanged => "artifact_changed",
            Change::RecordChanged => "record_changed",
            Change::FilesChanged => "files_changed",
        }
    }

    fn words(self) -> &'static str {
        match self {
            Change::ArtifactMissing => "The copy Gatehouse kept of what was installed is gone.",
            Change::ArtifactChanged | Change::RecordChanged => {
                "Gatehouse's record of what was installed was changed."
            }
            Change::FilesChanged => "Its installed files were changed after it was installed.",
        }
    }
}

/// A verified server found changed by [`recheck`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Modified {
    pub server_id: String,
    pub change: Change,
}

/// Re-checks every verified server not already marked changed; marks, audits and notifies
/// each one found changed, and returns them. A server that cannot be checked for a reason
/// of this device's own (no space for the temporary copy) is left as it is and logged.
pub async fn recheck<C: Clock>(
    ctx: &Context<C>,
    notifier: &impl Notifier,
) -> Result<Vec<Modified>> {
    let mut found = Vec::new();
    for (id, tree) in ctx.store.verified_trees().await? {
        if tree.modified_at.is_some() {
            continue;
        }
        let change = match check(&ctx.data_dir, &tree) {
            Ok(change) => change,
            Err(error) => {
                tracing::warn!("could not re-check the files of `{id}`: {error}");
                continue;
            }
        };
        let Some(change) = change else {
            continue;
        };
        let mut event = ctx.event(AuditKind::ArtifactModified);
        event.server = Some(id.clone());
        event.version = Some(tree.version.clone());
        event.digest = Some(format!("sha256:{}", tree.artifact_sha256));
        event.verdict = Some("block".to_owned());
        event.codes = vec!["artifact_modified".to_owned()];
        event.detail = Some(serde_json::json!({
            "id": id,
            "change": change.name(),
            "found_by": "sync",
        }));
        if ctx
            .store
            .mark_tree_modified(&id, ctx.clock.now(), &event)
            .await?
        {
            notifier.notify(&Notification {
                title: format!("{id} was changed and is blocked"),
                body: format!(
                    "{} It will not run until it is installed again from Gatehouse. If you \
                     did not change it, tell your admin.",
                    change.words()
                ),
                server_id: id.clone(),
            });
            found.push(Modified {
                server_id: id,
                change,
            });
        }
    }
    Ok(found)
}

/// What changed in `tree`, if anything. `Err` only for a failure of this device's own
/// (the temporary copy could not be made), never for anything the tree holds.
pub fn check(data_dir: &Path, tree: &VerifiedTree) -> std::io::Result<Option<Change>> {
    let artifact = Path::new(&tree.artifact);
    let Ok(sha256) = sha256_of(artifact) else {
        return Ok(Some(Change::ArtifactMissing));
    };
    if !sha256.eq_ignore_ascii_case(&tree.artifact_sha256) {
        return Ok(Some(Change::ArtifactChanged));
    }
    let staging = Staging::new(&bundles_dir(data_dir)).map_err(std::io::Error::other)?;
    let fits = match artifact_files(&staging, tree) {
        Ok(expected) => expected.fits(&tree.files),
        // The artifact has the certified SHA-256, so it unpacked at install: failing now
        // means the record's kind or type was edited to something that does not fit it.
        Err(_) => false,
    };
    if !fits {
        return Ok(Some(Change::RecordChanged));
    }
    if !tree::matches(Path::new(&tree.root), &tree.files, TreeCheck::Full) {
        return Ok(Some(Change::FilesChanged));
    }
    Ok(None)
}

/// The files an artifact puts into an installed tree.
pub(crate) struct Expected {
    /// Where the artifact's files are inside the tree (`""` for its root).
    pub prefix: String,
    pub files: Vec<TreeFile>,
    /// The tree holds nothing else (a bundle, an `.mcpb`); a package installed with its
    /// dependencies holds more, which only the record describes.
    pub exact: bool,
}

impl Expected {
    /// Whether `recorded` holds each of these files, under the prefix, with the same size
    /// and hash (and, when exact, nothing else).
    fn fits(&self, recorded: &[TreeFile]) -> bool {
        let by_path: std::collections::BTreeMap<&str, &TreeFile> =
            recorded.iter().map(|f| (f.path.as_str(), f)).collect();
        let each = self.files.iter().all(|file| {
            let path = format!("{}{}", self.prefix, file.path);
            by_path
                .get(path.as_str())
                .is_some_and(|r| r.size == file.size && r.hash == file.hash)
        });
        each && (!self.exact || recorded.len() == self.files.len())
    }
}

fn artifact_files(staging: &Staging, tree: &VerifiedTree) -> crate::error::Result<Expected> {
    match tree.kind {
        gatehouse_store::TreeKind::Registry => {
            let archive =
                std::fs::File::open(&tree.artifact).map_err(|source| crate::error::Error::Io {
                    path: tree.artifact.clone().into(),
                    source,
                })?;
            let root = staging.unpack(archive)?;
            let files = tree::record(&root).map_err(|source| crate::error::Error::Io {
                path: root.clone(),
                source,
            })?;
            Ok(Expected {
                prefix: String::new(),
                files,
                exact: true,
            })
        }
        gatehouse_store::TreeKind::Package => copy::artifact_files(staging, tree),
    }
}

fn sha256_of(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher)?;
    Ok(hex::encode(hasher.finalize()))
}
