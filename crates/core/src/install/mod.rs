//! `gatehouse install`: install a server from the organization's registry (HUB_API.md
//! section A) and register it.
//!
//! Order matters: resolve; refuse a revoked or quarantined version; refuse bytes other than
//! the ones the signed catalog certified for that version; evaluate the policy with the
//! facts the server will have when it runs (the catalog's for these bytes, else none) and
//! stop on `block` before any artifact is fetched; fetch the manifest (digest and package
//! id checked) and choose the entrypoint for this machine; stream the bundle (digest
//! checked), unpack it safely in a partial folder, record every file, move it into its
//! content-addressed place and make it read-only; keep the artifact; then register the
//! server, its install record, the record of its files and the `server_installed` event in
//! one transaction. A failure at any step leaves no files and no registered server.

mod apps;
pub(crate) mod catalog;
pub(crate) mod copy;
mod manifest;
mod package_ref;
mod progress;
pub(crate) mod staging;

use std::path::{Component, Path, PathBuf};

use gatehouse_policy::{ServerFacts, Verdict, block_report};
use gatehouse_store::{AuditKind, Install, Server, ServerSource, TreeKind, VerifiedTree};
use serde_json::json;

use crate::context::Context;
use crate::error::{Error, Result};
use crate::identity::{Identity, TreeCheck, tree};
use crate::policy::{Evaluation, Scope};
use crate::ports::{Clock, PackagesPort, RegistryPort};

pub use crate::error::InstallError;
pub use apps::install_into_apps;
pub use catalog::{CatalogEntryView, CatalogSearch, CatalogSource, search};
pub use copy::{CopyRequest, copy_dir, servers_dir};
pub use manifest::{Entrypoint, Manifest};
pub use package_ref::PackageRef;
pub use progress::{InstallStep, Progress, silent};
pub use staging::{artifacts_dir, bundle_dir, bundles_dir};

/// Where an install's bundle comes from.
#[derive(Debug, Clone, Copy)]
pub enum InstallFrom<'a, R, P> {
    /// The organization's registry (HUB_API.md section A), or for a package the signed
    /// catalog certifies as a verified copy, its public registry.
    Registry { registry: &'a R, packages: &'a P },
    /// A bundle and its manifest on disk, checked against the signed catalog all the same.
    Files {
        bundle: &'a Path,
        manifest: &'a Path,
    },
}

/// What to install.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstallRequest {
    /// `@org/name[@ref]`, `org/name[@ref]` or `name[@ref]` (the configured organization).
    pub package: String,
}

/// What an install did.
#[derive(Debug)]
pub enum InstallOutcome {
    /// Installed and registered.
    Installed(Box<Installed>),
    /// Refused by policy or by the version's status before anything was downloaded
    /// (exit 4); `message` is for the person.
    Blocked { message: String },
}

/// A server that was installed.
#[derive(Debug)]
pub struct Installed {
    pub server: Server,
    pub facts: ServerFacts,
    pub verdict: Verdict,
    /// The warnings in plain words (a `warn` verdict does not stop an install; the person
    /// confirms at the first run).
    pub warnings: Vec<String>,
    pub bundle_dir: PathBuf,
    /// A verified copy of a public package, not a bundle from the organization's registry.
    pub verified_copy: bool,
    /// The client apps' files given an entry for it ([`install_into_apps`]).
    pub added_to: Vec<(gatehouse_clients::ClientApp, PathBuf)>,
}

/// Installs `request.package` from `registry` (or, for a verified copy, from `packages`).
pub async fn install<C: Clock>(
    ctx: &Context<C>,
    registry: &impl RegistryPort,
    packages: &impl PackagesPort,
    request: &InstallRequest,
) -> Result<InstallOutcome> {
    install_with_progress(ctx, registry, packages, request, &silent).await
}

/// [`install`], telling `progress` each step as it starts. A name the signed catalog
/// certifies as a public package (and not as a registry bundle) is installed as a verified
/// copy; anything else comes from the organization's registry.
pub async fn install_with_progress<C: Clock>(
    ctx: &Context<C>,
    registry: &impl RegistryPort,
    packages: &impl PackagesPort,
    request: &InstallRequest,
    progress: Progress<'_>,
) -> Result<InstallOutcome> {
    if let Some(copy) = copy_for(ctx, &request.package).await? {
        return copy::install_copy(ctx, packages, &copy, progress).await;
    }
    let settings = ctx.hub_settings().await?;
    let package = PackageRef::parse(&request.package, settings.organization.as_deref())?;
    let id = package.id();
    if ctx.store.server(&id).await?.is_some() {
        return Err(InstallError::AlreadyInstalled(id).into());
    }
    progress(InstallStep::Resolving);
    let resolved = registry
        .resolve(&package.org, &package.name, &package.reference)
        .await?;
    let normalized = gatehouse_policy::normalize_name(&id);
    if gatehouse_policy::normalize_name(&resolved.package) != normalized {
        return Err(InstallError::WrongPackage {
            asked: id,
            found: resolved.package,
        }
        .into());
    }
    let version = resolved.version.clone();
    let status = resolved.status.as_deref().unwrap_or("unknown");
    if matches!(status, "revoked" | "quarantined") {
        return Ok(InstallOutcome::Blocked {
            message: format!(
                "`{id}@{version}` is {status} in the registry and is never installed; nothing was downloaded."
            ),
        });
    }
    // The policy check, before any artifact is fetched.
    progress(InstallStep::CheckingPolicy {
        version: version.clone(),
    });
    let judged = match judge_bundle(ctx, &id, &version, &resolved.bundle_digest).await? {
        Judgement::Refused(message) => return Ok(InstallOutcome::Blocked { message }),
        Judgement::Allowed(judged) => judged,
    };

    progress(InstallStep::FetchingManifest);
    let manifest_bytes = registry
        .manifest(&package.org, &resolved.manifest_digest)
        .await?;
    let staging = staging::Staging::new(&bundles_dir(&ctx.data_dir))?;
    let (archive, archive_path) = staging.archive_file()?;
    let mut counting = progress::Counting::new(archive, resolved.bundle_size, progress);
    registry
        .download_bundle(&package.org, &resolved.bundle_digest, &mut counting)
        .await?;
    let archive = counting.finish();
    archive.sync_all().map_err(|source| Error::Io {
        path: archive_path,
        source,
    })?;
    let stated = json!({
        "origin": resolved.origin,
        "certification_level": resolved.certification_level,
        "status": resolved.status,
        "git_sha": resolved.git_sha,
    });
    finish(
        ctx,
        Downloaded {
            id,
            version,
            digest: resolved.bundle_digest,
            manifest_digest: resolved.manifest_digest.to_string(),
            manifest_bytes,
            staging,
            archive,
            stated,
            source: "registry",
        },
        judged,
        progress,
    )
    .await
}

/// The verified copy `package` (`name[@version]`) asks for, when the signed catalog
/// certifies one for it and no registry bundle under that name and version.
async fn copy_for<C: Clock>(ctx: &Context<C>, package: &str) -> Result<Option<CopyRequest>> {
    let (name, version) = split_version(package);
    let Ok(sources) = ctx.policy_sources(Scope::ManyServers).await else {
        // No policy to find a copy in; the registry path reports why it cannot go on.
        return Ok(None);
    };
    let Some((entry, artifact)) = sources.certified_copy(name, version) else {
        return Ok(None);
    };
    if entry.digest.is_some()
        && gatehouse_policy::normalize_name(&entry.name) == gatehouse_policy::normalize_name(name)
    {
        return Ok(None);
    }
    // The name asked for is the id: the package's own name (`@scope/pkg`, a PyPI project)
    // or the catalog entry's, whichever the person used.
    let id = name.to_owned();
    crate::servers::validate_id(&id)?;
    Ok(Some(CopyRequest {
        id,
        package: artifact.clone(),
    }))
}

/// `name@version` split at the version's `@` (a scope's leading `@` is not one).
fn split_version(package: &str) -> (&str, Option<&str>) {
    let search_from = usize::from(package.starts_with('@'));
    match package[search_from..].rfind('@') {
        Some(at) => {
            let at = at + search_from;
            let version = &package[at + 1..];
            let version = (!version.is_empty() && version != "latest").then_some(version);
            (&package[..at], version)
        }
        None => (package, None),
    }
}

/// Installs `request.package` (`@org/name@version`) from a bundle and manifest on disk, for
/// machines that cannot reach the registry: the bundle's bytes are checked against the
/// signed catalog exactly as a download's would be, and only certified bytes are verified.
pub async fn install_from_files<C: Clock>(
    ctx: &Context<C>,
    request: &InstallRequest,
    bundle: &Path,
    manifest: &Path,
) -> Result<InstallOutcome> {
    let settings = ctx.hub_settings().await?;
    let package = PackageRef::parse(&request.package, settings.organization.as_deref())?;
    let id = package.id();
    if package.reference == "latest" || package.reference.starts_with("sha256:") {
        return Err(Error::Usage(format!(
            "`{}` names no version: give the version the files are, as `{id}@1.2.3`",
            request.package
        )));
    }
    if ctx.store.server(&id).await?.is_some() {
        return Err(InstallError::AlreadyInstalled(id).into());
    }
    let read = |path: &Path| {
        std::fs::read(path).map_err(|source| Error::Io {
            path: path.to_owned(),
            source,
        })
    };
    let manifest_bytes = read(manifest)?;
    let bundle_bytes = read(bundle)?;
    let digest = gatehouse_hub::ArtifactDigest::of(&bundle_bytes);
    let version = package.reference.clone();
    let judged = match judge_bundle(ctx, &id, &version, &digest).await? {
        Judgement::Refused(message) => return Ok(InstallOutcome::Blocked { message }),
        Judgement::Allowed(judged) => judged,
    };
    let staging = staging::Staging::new(&bundles_dir(&ctx.data_dir))?;
    let (mut archive, archive_path) = staging.archive_file()?;
    let io = |source| Error::Io {
        path: archive_path.clone(),
        source,
    };
    std::io::Write::write_all(&mut archive, &bundle_bytes).map_err(io)?;
    archive.sync_all().map_err(io)?;
    finish(
        ctx,
        Downloaded {
            id,
            version,
            digest,
            manifest_digest: gatehouse_hub::ArtifactDigest::of(&manifest_bytes).to_string(),
            manifest_bytes,
            staging,
            archive,
            stated: json!({"from": "files"}),
            source: "files",
        },
        judged,
        &silent,
    )
    .await
}

/// What the policy said before anything was fetched.
pub(crate) struct Judged {
    pub(crate) facts: ServerFacts,
    pub(crate) decision: gatehouse_policy::Decision,
}

pub(crate) enum Judgement {
    Allowed(Judged),
    /// Refused; the message says why, for the person.
    Refused(String),
}

/// The policy check of an install, with the facts the server will have when it runs (one
/// function decides both, with the same identity `run` will derive): the signed catalog's
/// for these bytes, or none at all. What a registry states is never used.
pub(crate) async fn judge<C: Clock>(ctx: &Context<C>, identity: &Identity) -> Result<Judgement> {
    let sources = ctx.policy_sources(Scope::ManyServers).await?;
    let evaluation = Evaluation::new(&sources, identity, &ctx.request_now())?;
    let (facts, decision) = (evaluation.facts, evaluation.decision);
    if decision.verdict == Verdict::Block {
        return Ok(Judgement::Refused(format!(
            "{}\nNothing was downloaded or installed.",
            block_report(&facts, &decision)
        )));
    }
    Ok(Judgement::Allowed(Judged { facts, decision }))
}

/// [`judge`] for a registry bundle: bytes other than the ones the signed catalog certified
/// for this version are refused outright, before the policy is asked.
async fn judge_bundle<C: Clock>(
    ctx: &Context<C>,
    id: &str,
    version: &str,
    digest: &gatehouse_hub::ArtifactDigest,
) -> Result<Judgement> {
    let sources = ctx.policy_sources(Scope::ManyServers).await?;
    if let Some(signed) = sources
        .catalog_entry(id, version)
        .and_then(|entry| entry.digest.as_deref())
        && !signed.eq_ignore_ascii_case(digest.as_str())
    {
        // Its own event: bytes offered under a certified name are what an admin looks for.
        let mut event = ctx.event(AuditKind::ArtifactModified);
        event.server = Some(id.to_owned());
        event.version = Some(version.to_owned());
        event.digest = Some(digest.to_string());
        event.detail = Some(json!({
            "id": id,
            "found_by": "install",
            "certified": signed,
            "offered": digest.to_string(),
        }));
        ctx.store.record(&event).await?;
        return Err(InstallError::NotTheCertifiedBundle {
            package: format!("{id}@{version}"),
            signed: signed.to_owned(),
            offered: digest.to_string(),
        }
        .into());
    }
    judge(ctx, &Identity::of_install(id, version, digest.as_str())).await
}

/// A bundle fetched and checked against its digest, waiting in its staging folder.
struct Downloaded {
    id: String,
    version: String,
    digest: gatehouse_hub::ArtifactDigest,
    manifest_digest: String,
    manifest_bytes: Vec<u8>,
    staging: staging::Staging,
    archive: std::fs::File,
    /// What the source stated (the registry's facts): kept for display and audit only.
    stated: serde_json::Value,
    source: &'static str,
}

/// The rest of an install once its bundle is checked: the manifest (package and
/// entrypoint), the files unpacked and recorded, the tree made read-only and put in place,
/// the artifact kept, and the server, its install record, the record of its files and its
/// `server_installed` event stored in one transaction.
async fn finish<C: Clock>(
    ctx: &Context<C>,
    downloaded: Downloaded,
    judged: Judged,
    progress: Progress<'_>,
) -> Result<InstallOutcome> {
    let Downloaded {
        id,
        version,
        digest,
        manifest_digest,
        manifest_bytes,
        staging,
        archive,
        stated,
        source,
    } = downloaded;
    let Judged { facts, decision } = judged;
    let manifest = Manifest::parse(&manifest_bytes).map_err(|reason| InstallError::Manifest {
        package: id.clone(),
        reason,
    })?;
    if gatehouse_policy::normalize_name(&manifest.package_id)
        != gatehouse_policy::normalize_name(&id)
    {
        return Err(InstallError::ManifestPackage {
            asked: id,
            found: manifest.package_id,
        }
        .into());
    }
    let (os, arch) = (std::env::consts::OS, std::env::consts::ARCH);
    let entrypoint =
        manifest
            .entrypoint_for(os, arch)
            .ok_or_else(|| InstallError::NoEntrypoint {
                package: id.clone(),
                os,
                arch,
            })?;
    progress(InstallStep::Unpacking);
    let root = staging.unpack(archive)?;
    let command = program_in(&root, &entrypoint.command)?;
    // Every file as it came from the checked bundle, before it is moved into place.
    let files = tree::record(&root).map_err(|source| Error::Io {
        path: root.clone(),
        source,
    })?;
    let target = bundles_dir(&ctx.data_dir).join(digest.hex());
    let leftover = target.is_dir()
        && (ctx.store.servers_using_bundle(digest.as_str()).await? == 0
            || !tree::matches(&target, &files, TreeCheck::Full));
    if leftover {
        // A leftover nobody uses, or a shared folder whose files were changed: replace it
        // with the bytes just checked.
        tree::remove(&target).map_err(|source| Error::Io {
            path: target.clone(),
            source,
        })?;
    }
    let moved = staging.commit(&root, &target)?;
    let artifact = staging.keep_archive(&artifacts_dir(&ctx.data_dir), digest.hex())?;
    drop(staging);
    tree::make_read_only(&target).map_err(|source| Error::Io {
        path: target.clone(),
        source,
    })?;
    let mut files = files;
    tree::stamp(&target, &mut files).map_err(|source| Error::Io {
        path: target.clone(),
        source,
    })?;

    progress(InstallStep::Registering);
    let server = Server {
        id: id.clone(),
        name: id.clone(),
        version: Some(version.clone()),
        command: command.map_or(entrypoint.command, |relative| {
            target.join(relative).to_string_lossy().into_owned()
        }),
        args: entrypoint.args,
        env_names: manifest.env_names.clone(),
        source: ServerSource::Registry,
        client: None,
        bundle_digest: Some(digest.to_string()),
        created_at: ctx.clock.now(),
    };
    let mut stated = stated;
    if let serde_json::Value::Object(map) = &mut stated {
        map.insert(
            "manifest_certification".to_owned(),
            manifest.certification.clone(),
        );
    }
    let verified = VerifiedTree {
        kind: TreeKind::Registry,
        name: id.clone(),
        version: version.clone(),
        registry_type: None,
        artifact_sha256: digest.hex().to_owned(),
        artifact: artifact.to_string_lossy().into_owned(),
        root: target.to_string_lossy().into_owned(),
        files,
        recorded_at: ctx.clock.now(),
        modified_at: None,
    };
    let install = Install {
        manifest_digest,
        bundle_digest: digest.to_string(),
        permissions: manifest.permissions.clone(),
        registry_facts: stated.clone(),
        installed_at: ctx.clock.now(),
    };
    let mut event = ctx.event(AuditKind::ServerInstalled);
    event.server = Some(id.clone());
    event.version = Some(version);
    event.digest = Some(digest.to_string());
    event.verdict = Some(decision.verdict.name().to_owned());
    event.codes = decision
        .violations
        .iter()
        .map(|v| v.code.name().to_owned())
        .collect();
    let standing = if facts.name.is_some() {
        "verified"
    } else {
        "unbound"
    };
    event.detail =
        Some(json!({"id": id, "source": source, "standing": standing, "registry": stated}));
    if let Err(error) = ctx
        .store
        .add_installed_server(&server, Some(&install), Some(&verified), Some(&event))
        .await
    {
        if moved {
            let _ = tree::remove(&target);
        }
        return Err(match error {
            gatehouse_store::Error::DuplicateServer(id) => {
                InstallError::AlreadyInstalled(id).into()
            }
            other => other.into(),
        });
    }
    Ok(InstallOutcome::Installed(Box::new(Installed {
        server,
        warnings: decision
            .violations
            .iter()
            .map(|v| v.message.clone())
            .collect(),
        verdict: decision.verdict,
        facts,
        bundle_dir: target,
        verified_copy: false,
        added_to: Vec::new(),
    })))
}

/// `Some(relative path)` when `command` names a file in the bundle (it holds a path
/// separator), checked to exist there; `None` for a program found on the `PATH` (`node`).
fn program_in(root: &Path, command: &str) -> Result<Option<PathBuf>> {
    if !command.contains(['/', '\\']) {
        return Ok(None);
    }
    let relative = Path::new(command);
    let plain = relative
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
    if !plain || !root.join(relative).is_file() {
        return Err(InstallError::MissingProgram(command.to_owned()).into());
    }
    Ok(Some(
        relative
            .components()
            .filter(|c| matches!(c, Component::Normal(_)))
            .collect(),
    ))
}
