//! Verified copies of public packages (DESIGN.md "Server identity", 2): the npm tarball,
//! PyPI wheel or `.mcpb` bundle the signed catalog certifies (`packages`, HUB_API.md B1)
//! is downloaded, checked against its `fileSha256`, installed into `<data>/servers/<id>/`
//! with install scripts off (dependencies resolved once, now, then frozen in the recorded
//! tree), and launched from there. The artifact is kept, so each sync can check the record
//! of the package's own files against it ([`artifact_files`]).
//!
//! Order, as for a registry install: judge first (the same function as `run`), then
//! download, unpack and install in a partial folder, record every file, move the folder
//! into place and make it read-only, and register everything in one transaction. A failure
//! at any step leaves no files and no registered server.

mod mcpb;
mod npm;
mod pypi;

use std::path::{Component, Path, PathBuf};

use gatehouse_hub::{PackageArtifact, RegistryType};
use gatehouse_store::{AuditKind, Server, ServerSource, TreeKind, VerifiedTree};
use serde_json::json;

use super::progress::{self, InstallStep, Progress};
use super::staging::{Staging, artifacts_dir};
use super::{InstallError, InstallOutcome, Installed, Judgement, judge};
use crate::context::{Context, Environment};
use crate::error::{Error, Result};
use crate::identity::{Identity, tree};
use crate::ports::{Clock, PackagesPort};
use crate::sync::trees::Expected;

/// The folder holding every verified copy, one folder per server id.
pub fn servers_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("servers")
}

/// Stands for the copy's folder in an entry's arguments (the `.mcpb` spelling).
pub(crate) const DIRNAME: &str = "${__dirname}";

/// What runs a prepared copy, with paths relative to its folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    /// A program found on the system's path (`node`, `python3`) that runs `script`; `None`
    /// when `script` is the program itself.
    pub interpreter: Option<String>,
    /// Flags for the interpreter that come before the script.
    pub flags: Vec<String>,
    /// The script, relative to the copy's folder.
    pub script: String,
    /// Arguments after the script.
    pub args: Vec<String>,
    /// Environment variable names the package declares.
    pub env_names: Vec<String>,
}

/// A copy to install: the certified package and the id to register it as.
#[derive(Debug, Clone)]
pub struct CopyRequest {
    pub id: String,
    pub package: PackageArtifact,
}

/// Installs the certified copy `request.package` as server `request.id`.
pub(crate) async fn install_copy<C: Clock>(
    ctx: &Context<C>,
    packages: &impl PackagesPort,
    request: &CopyRequest,
    progress: Progress<'_>,
) -> Result<InstallOutcome> {
    let CopyRequest { id, package } = request;
    if ctx.store.server(id).await?.is_some() {
        return Err(InstallError::AlreadyInstalled(id.clone()).into());
    }
    progress(InstallStep::CheckingPolicy {
        version: package.version.clone(),
    });
    let identity = Identity::of_copy(
        package.registry_type,
        &package.identifier,
        &package.version,
        &package.file_sha256,
    );
    let judged = match judge(ctx, &identity).await? {
        Judgement::Refused(message) => return Ok(InstallOutcome::Blocked { message }),
        Judgement::Allowed(judged) => judged,
    };
    let prepared = prepare(ctx, packages, id, package, progress).await?;
    progress(InstallStep::Registering);
    let Prepared {
        staging,
        target,
        artifact,
        server,
        tree: verified,
    } = prepared;
    let mut event = ctx.event(AuditKind::ServerInstalled);
    event.server = Some(id.clone());
    event.version = Some(package.version.clone());
    event.digest = Some(format!("sha256:{}", package.file_sha256));
    event.verdict = Some(judged.decision.verdict.name().to_owned());
    event.codes = judged
        .decision
        .violations
        .iter()
        .map(|v| v.code.name().to_owned())
        .collect();
    event.detail = Some(json!({
        "id": id,
        "source": "copy",
        "standing": "verified",
        "registry_type": package.registry_type.as_str(),
        "package": package.identifier,
    }));
    if let Err(error) = ctx
        .store
        .add_installed_server(&server, None, Some(&verified), Some(&event))
        .await
    {
        undo(&target, &artifact, ctx).await;
        return Err(match error {
            gatehouse_store::Error::DuplicateServer(id) => {
                InstallError::AlreadyInstalled(id).into()
            }
            other => other.into(),
        });
    }
    drop(staging);
    Ok(InstallOutcome::Installed(Box::new(Installed {
        server,
        warnings: judged
            .decision
            .violations
            .iter()
            .map(|v| v.message.clone())
            .collect(),
        verdict: judged.decision.verdict,
        facts: judged.facts,
        bundle_dir: target,
        verified_copy: true,
        added_to: Vec::new(),
    })))
}

/// A copy downloaded, installed, recorded and moved into place, not yet registered.
pub(crate) struct Prepared {
    staging: Staging,
    pub target: PathBuf,
    pub artifact: PathBuf,
    pub server: Server,
    pub tree: VerifiedTree,
}

/// Downloads, checks and installs `package` for server `id` into its folder, recorded and
/// read-only, and returns what registering it needs. On error nothing is left behind.
pub(crate) async fn prepare<C: Clock>(
    ctx: &Context<C>,
    packages: &impl PackagesPort,
    id: &str,
    package: &PackageArtifact,
    progress: Progress<'_>,
) -> Result<Prepared> {
    let target = copy_dir(&ctx.data_dir, id)?;
    if target.exists() {
        // A folder no registered server uses (the store says `id` is free): a leftover of
        // an install that was interrupted before it was registered.
        tree::remove(&target).map_err(|source| Error::Io {
            path: target.clone(),
            source,
        })?;
    }
    let staging = Staging::new(&servers_dir(&ctx.data_dir))?;
    progress(InstallStep::Downloading {
        received: 0,
        total: None,
    });
    let (file, path) = staging.archive_file()?;
    let mut counting = progress::Counting::new(file, None, progress);
    let downloaded = match packages.download(package, &mut counting).await {
        Ok(downloaded) => downloaded,
        Err(error) => {
            if let gatehouse_hub::PublicError::Mismatch { actual, .. } = &error {
                // Its own event: bytes offered under a certified name are what an admin
                // looks for.
                let mut event = ctx.event(AuditKind::ArtifactModified);
                event.server = Some(id.to_owned());
                event.version = Some(package.version.clone());
                event.digest = Some(format!("sha256:{actual}"));
                event.detail = Some(json!({
                    "id": id,
                    "found_by": "install",
                    "package": package.identifier,
                    "certified": format!("sha256:{}", package.file_sha256),
                    "offered": format!("sha256:{actual}"),
                }));
                ctx.store.record(&event).await?;
            }
            return Err(InstallError::Public(error).into());
        }
    };
    let file = counting.finish();
    file.sync_all().map_err(|source| Error::Io {
        path: path.clone(),
        source,
    })?;
    drop(file);
    let extension = extension_of(package.registry_type, &downloaded.file_name)?;
    progress(InstallStep::Unpacking);
    let root = staging.root()?;
    let entry = match package.registry_type {
        RegistryType::Npm => npm::install(&ctx.env, &path, &root, &package.identifier)?,
        RegistryType::Pypi => pypi::install(
            &ctx.env,
            &path,
            &downloaded.file_name,
            &root,
            &package.identifier,
        )?,
        RegistryType::Mcpb => mcpb::install(&path, &root)?,
    };
    let files = tree::record(&root).map_err(|source| Error::Io {
        path: root.clone(),
        source,
    })?;
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent).map_err(|source| Error::Io {
            path: parent.to_owned(),
            source,
        })?;
    }
    std::fs::rename(&root, &target).map_err(|source| Error::Io {
        path: target.clone(),
        source,
    })?;
    let artifact = match keep_artifact(&staging, &ctx.data_dir, &package.file_sha256, extension) {
        Ok(artifact) => artifact,
        Err(error) => {
            let _ = tree::remove(&target);
            return Err(error);
        }
    };
    let mut files = files;
    if let Err(source) =
        tree::make_read_only(&target).and_then(|()| tree::stamp(&target, &mut files))
    {
        let _ = tree::remove(&target);
        return Err(Error::Io {
            path: target,
            source,
        });
    }
    let script = target.join(&entry.script).to_string_lossy().into_owned();
    let folder = target.to_string_lossy().into_owned();
    let rest = entry.args.iter().map(|arg| arg.replace(DIRNAME, &folder));
    let (command, args) = match &entry.interpreter {
        Some(interpreter) => {
            let mut args = entry.flags.clone();
            args.push(script);
            args.extend(rest);
            (interpreter.clone(), args)
        }
        None => (script, rest.collect()),
    };
    let server = Server {
        id: id.to_owned(),
        name: id.to_owned(),
        version: Some(package.version.clone()),
        command,
        args,
        env_names: entry.env_names.clone(),
        source: ServerSource::Registry,
        client: None,
        bundle_digest: None,
        created_at: ctx.clock.now(),
    };
    let tree = VerifiedTree {
        kind: TreeKind::Package,
        name: package.identifier.clone(),
        version: package.version.clone(),
        registry_type: Some(package.registry_type.as_str().to_owned()),
        artifact_sha256: package.file_sha256.clone(),
        artifact: artifact.to_string_lossy().into_owned(),
        root: target.to_string_lossy().into_owned(),
        files,
        recorded_at: ctx.clock.now(),
        modified_at: None,
    };
    Ok(Prepared {
        staging,
        target,
        artifact,
        server,
        tree,
    })
}

/// Removes what [`prepare`] put in place, when registering it failed.
pub(crate) async fn undo<C: Clock>(target: &Path, artifact: &Path, ctx: &Context<C>) {
    let _ = tree::remove(target);
    let kept = artifact.to_string_lossy();
    if ctx.store.servers_using_artifact(&kept).await.unwrap_or(1) == 0 {
        let _ = std::fs::remove_file(artifact);
    }
}

/// `<data>/servers/<id>/`, where `id`'s `/` separates folders (`@scope/name`). The id was
/// validated, but it is checked again here: it names a folder that will be deleted.
pub fn copy_dir(data_dir: &Path, id: &str) -> Result<PathBuf> {
    let relative = Path::new(id);
    let plain = !id.is_empty()
        && relative
            .components()
            .all(|component| matches!(component, Component::Normal(_)));
    if !plain {
        return Err(Error::InvalidId {
            id: id.to_owned(),
            reason: "it cannot name a folder",
        });
    }
    Ok(servers_dir(data_dir).join(relative))
}

/// The file extension the artifact is kept with.
fn extension_of(registry_type: RegistryType, file_name: &str) -> Result<&'static str> {
    match registry_type {
        RegistryType::Npm => Ok("tgz"),
        RegistryType::Mcpb => Ok("mcpb"),
        RegistryType::Pypi if file_name.ends_with(".whl") => Ok("whl"),
        RegistryType::Pypi => Err(InstallError::NotACopy {
            package: file_name.to_owned(),
            reason: "only wheels are installed: a source archive would run its own build code"
                .to_owned(),
        }
        .into()),
    }
}

fn keep_artifact(
    staging: &Staging,
    data_dir: &Path,
    sha256: &str,
    extension: &str,
) -> Result<PathBuf> {
    let dir = artifacts_dir(data_dir);
    std::fs::create_dir_all(&dir).map_err(|source| Error::Io {
        path: dir.clone(),
        source,
    })?;
    let kept = dir.join(format!("{sha256}.{extension}"));
    if !kept.is_file() {
        std::fs::rename(staging.archive_path(), &kept).map_err(|source| Error::Io {
            path: kept.clone(),
            source,
        })?;
    }
    Ok(kept)
}

/// The files a kept artifact put into `tree`, for the sync's re-check: unpacked again into
/// `staging`, and placed where the install put them.
pub(crate) fn artifact_files(staging: &Staging, tree: &VerifiedTree) -> Result<Expected> {
    let registry_type = tree
        .registry_type
        .as_deref()
        .and_then(RegistryType::parse)
        .ok_or_else(|| Error::Usage("the record names no registry type".to_owned()))?;
    let root = staging.root()?;
    let artifact = Path::new(&tree.artifact);
    match registry_type {
        RegistryType::Npm => npm::artifact_files(artifact, &root, &tree.name),
        RegistryType::Pypi => pypi::artifact_files(artifact, &root),
        RegistryType::Mcpb => mcpb::artifact_files(artifact, &root),
    }
}

/// Runs `program` with `args` in `dir`, with the environment of `env` but nothing that
/// would run code at install (each ecosystem adds its own switches for that), and returns
/// why it failed, in words, when it did.
pub(crate) fn run_tool(
    env: &Environment,
    program: &str,
    args: &[&std::ffi::OsStr],
    dir: &Path,
    tool: &'static str,
) -> Result<()> {
    let Some(found) = env.find_program(program) else {
        return Err(InstallError::MissingTool {
            tool,
            program: program.to_owned(),
        }
        .into());
    };
    let output = std::process::Command::new(&found)
        .args(args)
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|source| Error::Io {
            path: found.clone(),
            source,
        })?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let last: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    let tail = last[last.len().saturating_sub(6)..].join("\n");
    Err(InstallError::ToolFailed {
        tool,
        reason: if tail.is_empty() {
            format!("it exited with {}", output.status)
        } else {
            tail
        },
    }
    .into())
}

/// The single top folder of an unpacked archive (npm tarballs put everything in one,
/// usually `package/`), or why there is none.
pub(crate) fn single_top(root: &Path) -> Result<PathBuf> {
    let io = |source| Error::Io {
        path: root.to_owned(),
        source,
    };
    let mut dirs = Vec::new();
    for entry in std::fs::read_dir(root).map_err(io)? {
        let entry = entry.map_err(io)?;
        if entry.file_type().map_err(io)?.is_dir() {
            dirs.push(entry.path());
        } else {
            return Err(bad("the archive holds files beside its package folder"));
        }
    }
    match dirs.as_slice() {
        [one] => Ok(one.clone()),
        _ => Err(bad("the archive does not hold exactly one package folder")),
    }
}

pub(crate) fn bad(reason: &str) -> Error {
    InstallError::NotACopy {
        package: String::new(),
        reason: reason.to_owned(),
    }
    .into()
}

#[cfg(test)]
mod tests;
