//! A verified copy through the whole install: judged first, downloaded bytes checked,
//! unpacked into `<data>/servers/<id>/`, recorded and read-only, verified at launch, then
//! every kind of later change caught by the sync's re-check, and removal taking it all
//! away. An `.mcpb` is used here since it needs neither npm nor pip; the e2e tests install
//! real npm and PyPI packages.

use std::io::Write as _;
use std::path::Path;

use ed25519_dalek::SigningKey;
use gatehouse_hub::{DownloadedArtifact, PackageArtifact, PublicError};
use gatehouse_store::AuditKind;
use serde_json::json;
use sha2::{Digest as _, Sha256};

use crate::context::Context;
use crate::identity::{Standing, TreeCheck};
use crate::install::{InstallOutcome, InstallRequest};
use crate::ports::{PackagesPort, RecordingNotifier, RegistryPort};
use crate::sync::{Change, recheck};

fn key() -> SigningKey {
    SigningKey::from_bytes(&[5; 32])
}

/// An `.mcpb` whose manifest runs `node ${__dirname}/server/index.js`.
fn mcpb() -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let manifest = json!({
        "manifest_version": "0.3", "name": "notes", "version": "1.0.0",
        "server": {"type": "node", "entry_point": "server/index.js",
            "mcp_config": {"command": "node", "args": ["${__dirname}/server/index.js"]}},
    });
    for (name, content) in [
        ("manifest.json", manifest.to_string()),
        ("server/index.js", "console.log('notes');\n".to_owned()),
        ("server/lib/util.js", "module.exports = 1;\n".to_owned()),
    ] {
        writer.start_file(name, options).unwrap();
        writer.write_all(content.as_bytes()).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

const URL: &str = "https://bundles.example/notes-1.0.0.mcpb";

/// A bundle certifying the `.mcpb` with SHA-256 `certified` as `@acme/notes` 1.0.0.
fn envelope(certified: &str) -> Vec<u8> {
    let payload = json!({
        "schema": 1, "org": "acme", "serial": 1, "issued_at": "2026-11-20T10:00:00Z",
        "org_policy": {"min_cert_level": 2},
        "catalog": [{"name": "@acme/notes", "version": "1.0.0", "origin": "verified",
            "cert_level": 3, "score": 91, "status": "published",
            "packages": [{"registryType": "mcpb", "identifier": URL, "version": "1.0.0",
                "fileSha256": certified}]}],
    });
    crate::test_support::signed(&payload, &key())
}

/// Serves `bytes` for any package and checks them as the real client does.
struct Serving(Vec<u8>);

impl PackagesPort for Serving {
    async fn download(
        &self,
        package: &PackageArtifact,
        out: &mut (dyn std::io::Write + Send),
    ) -> Result<DownloadedArtifact, PublicError> {
        out.write_all(&self.0).unwrap();
        let actual = sha256(&self.0);
        if actual != package.file_sha256 {
            return Err(PublicError::Mismatch {
                registry: "test",
                identifier: package.identifier.clone(),
                version: package.version.clone(),
                actual,
            });
        }
        Ok(DownloadedArtifact {
            bytes: self.0.len() as u64,
            file_name: "notes-1.0.0.mcpb".to_owned(),
        })
    }
}

/// A registry that must not be asked: a certified copy never goes to it.
struct NoRegistry;

impl RegistryPort for NoRegistry {
    async fn resolve(
        &self,
        _: &str,
        _: &str,
        _: &str,
    ) -> Result<gatehouse_hub::Resolved, gatehouse_hub::ClientError> {
        panic!("a verified copy is not resolved in the organization's registry")
    }
    async fn manifest(
        &self,
        _: &str,
        _: &gatehouse_hub::ArtifactDigest,
    ) -> Result<Vec<u8>, gatehouse_hub::ClientError> {
        panic!("no manifest is fetched for a verified copy")
    }
    async fn download_bundle(
        &self,
        _: &str,
        _: &gatehouse_hub::ArtifactDigest,
        _: &mut (dyn std::io::Write + Send),
    ) -> Result<gatehouse_hub::Downloaded, gatehouse_hub::ClientError> {
        panic!("no bundle is downloaded for a verified copy")
    }
}

async fn following(dir: &tempfile::TempDir, certified: &str) -> Context {
    let ctx = crate::test_support::following_acme(dir, &key()).await;
    crate::sync::accept(
        &ctx,
        &envelope(certified),
        None,
        &RecordingNotifier::default(),
    )
    .await
    .unwrap();
    ctx
}

async fn install(ctx: &Context, served: Vec<u8>) -> crate::Result<InstallOutcome> {
    let request = InstallRequest {
        package: "@acme/notes@1.0.0".to_owned(),
    };
    super::super::install(ctx, &NoRegistry, &Serving(served), &request).await
}

fn writable(path: &Path) {
    crate::identity::tree::make_writable(path).unwrap();
    for entry in walk(path) {
        let mut permissions = std::fs::metadata(&entry).unwrap().permissions();
        #[allow(
            clippy::permissions_set_readonly_false,
            reason = "a test edits the tree"
        )]
        permissions.set_readonly(false);
        std::fs::set_permissions(&entry, permissions).unwrap();
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[tokio::test]
async fn a_certified_copy_installs_read_only_and_is_verified_at_launch() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = mcpb();
    let ctx = following(&dir, &sha256(&bytes)).await;
    let InstallOutcome::Installed(installed) = install(&ctx, bytes.clone()).await.unwrap() else {
        panic!("a certified copy installs");
    };
    let folder = ctx.data_dir.join("servers/@acme/notes");
    assert_eq!(installed.server.command, "node");
    assert_eq!(
        installed.server.args,
        vec![folder.join("server/index.js").display().to_string()]
    );
    assert_eq!(installed.facts.cert_level, Some(3), "the catalog's facts");
    let metadata = std::fs::metadata(folder.join("server/index.js")).unwrap();
    assert!(
        metadata.permissions().readonly(),
        "installed files are read-only"
    );
    let kept = ctx
        .data_dir
        .join("artifacts")
        .join(format!("{}.mcpb", sha256(&bytes)));
    assert_eq!(std::fs::read(&kept).unwrap(), bytes, "the artifact is kept");

    let identity = ctx
        .identity_of(&installed.server, TreeCheck::Full)
        .await
        .unwrap();
    assert!(!identity.artifact_modified);
    let sources = ctx
        .policy_sources(crate::policy::Scope::ManyServers)
        .await
        .unwrap();
    let facts = sources.server_policy(&identity).unwrap().compile().1;
    assert_eq!(identity.standing(&facts), Standing::Verified);
    assert_eq!(facts.score, Some(91));

    let events = ctx.store.audit(None, 100).await.unwrap();
    let installed_event = events
        .iter()
        .find(|event| event.kind == AuditKind::ServerInstalled)
        .expect("audited");
    let detail = installed_event.detail.clone().unwrap();
    assert_eq!(detail["source"], "copy");
    assert_eq!(detail["standing"], "verified");
}

#[tokio::test]
async fn other_bytes_than_the_certified_ones_install_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = following(&dir, &sha256(&mcpb())).await;
    let mut other = mcpb();
    other.extend_from_slice(b"tampered");
    let error = install(&ctx, other).await.unwrap_err();
    assert_eq!(error.code(), crate::error::ErrorCode::Tampered, "{error}");
    assert!(ctx.store.servers().await.unwrap().is_empty());
    let leftovers: Vec<_> = std::fs::read_dir(ctx.data_dir.join("servers"))
        .unwrap()
        .collect();
    assert!(leftovers.is_empty(), "nothing left behind: {leftovers:?}");
}

/// Installs the copy, changes it with `change`, and returns what the sync's re-check found
/// and what the launch then sees.
async fn changed(change: impl FnOnce(&Context, &Path, &Path)) -> (Vec<Change>, bool, usize) {
    let dir = tempfile::tempdir().unwrap();
    let bytes = mcpb();
    let ctx = following(&dir, &sha256(&bytes)).await;
    install(&ctx, bytes.clone()).await.unwrap();
    let folder = ctx.data_dir.join("servers/@acme/notes");
    let kept = ctx
        .data_dir
        .join("artifacts")
        .join(format!("{}.mcpb", sha256(&bytes)));
    change(&ctx, &folder, &kept);
    let notifier = RecordingNotifier::default();
    let found = recheck(&ctx, &notifier).await.unwrap();
    // A second sync reports nothing new: the change was recorded once.
    assert!(recheck(&ctx, &notifier).await.unwrap().is_empty());
    let server = ctx.store.server("@acme/notes").await.unwrap().unwrap();
    let identity = ctx.identity_of(&server, TreeCheck::Full).await.unwrap();
    let events = ctx.store.audit(None, 100).await.unwrap();
    let modified = events
        .iter()
        .filter(|event| event.kind == AuditKind::ArtifactModified)
        .count();
    assert_eq!(notifier.sent().len(), found.len(), "one notification each");
    (
        found.into_iter().map(|m| m.change).collect(),
        identity.artifact_modified,
        modified,
    )
}

#[tokio::test]
async fn an_intact_copy_is_left_alone() {
    let (found, modified, events) = changed(|_, _, _| {}).await;
    assert!(found.is_empty());
    assert!(!modified);
    assert_eq!(events, 0);
}

#[tokio::test]
async fn an_edited_file_is_caught_and_blocks_from_then_on() {
    let (found, modified, events) = changed(|_, folder, _| {
        writable(folder);
        std::fs::write(
            folder.join("server/index.js"),
            "require('child_process');\n",
        )
        .unwrap();
    })
    .await;
    assert_eq!(found, vec![Change::FilesChanged]);
    assert!(modified);
    assert_eq!(events, 1);
}

#[tokio::test]
async fn files_and_record_edited_together_are_caught_by_the_kept_artifact() {
    let (found, modified, _) = changed(|ctx, folder, _| {
        writable(folder);
        std::fs::write(folder.join("server/index.js"), "evil();\n").unwrap();
        // The record rewritten to fit, as someone with the user's rights could.
        let files = crate::identity::tree::record(folder).unwrap();
        let db = ctx.data_dir.join("gatehouse.db");
        let conn = rusqlite_free_update(&db, &serde_json::to_string(&files).unwrap());
        assert_eq!(conn, 1);
    })
    .await;
    assert_eq!(found, vec![Change::RecordChanged]);
    assert!(
        modified,
        "marked, so the launch blocks although files fit the record"
    );
}

#[tokio::test]
async fn a_replaced_or_missing_artifact_is_caught() {
    let (found, _, _) = changed(|_, _, kept| {
        std::fs::write(kept, b"other bytes").unwrap();
    })
    .await;
    assert_eq!(found, vec![Change::ArtifactChanged]);
    let (found, _, _) = changed(|_, _, kept| {
        std::fs::remove_file(kept).unwrap();
    })
    .await;
    assert_eq!(found, vec![Change::ArtifactMissing]);
}

#[tokio::test]
async fn removing_the_server_removes_its_folder_and_artifact() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = mcpb();
    let ctx = following(&dir, &sha256(&bytes)).await;
    install(&ctx, bytes.clone()).await.unwrap();
    let secrets = crate::ports::testing::MemorySecrets::default();
    assert!(
        crate::servers::remove_server(&ctx, &secrets, "@acme/notes")
            .await
            .unwrap()
    );
    assert!(!ctx.data_dir.join("servers/@acme/notes").exists());
    let artifacts: Vec<_> = std::fs::read_dir(ctx.data_dir.join("artifacts"))
        .unwrap()
        .collect();
    assert!(artifacts.is_empty(), "{artifacts:?}");
}

/// `UPDATE verified_trees SET files = ?` through SQLite itself (Python's module, as a
/// person or a script with the user's rights could), returning the rows changed.
fn rusqlite_free_update(db: &Path, files: &str) -> usize {
    let script = "import sqlite3, sys\n\
                  db = sqlite3.connect(sys.argv[1])\n\
                  n = db.execute('UPDATE verified_trees SET files = ?', (sys.argv[2],)).rowcount\n\
                  db.commit()\n\
                  print(n)\n";
    let output = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(db)
        .arg(files)
        .output()
        .expect("python3 runs the tests' SQL");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .unwrap()
}
