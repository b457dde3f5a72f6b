//! `gatehouse install`: install a server from the organization's registry (HUB_API.md
//! section A) and register it.
//!
//! Order matters: resolve; refuse a revoked or quarantined version; evaluate the policy with
//! the facts of the signed catalog (else the registry's, with the score unknown) and stop on
//! `block` before any artifact is fetched; fetch the manifest (digest and package id
//! checked) and choose the entrypoint for this machine; stream the bundle (digest checked),
//! unpack it safely in a partial folder and rename it into its content-addressed place;
//! then register the server, its install record and the `server_installed` event in one
//! transaction. A failure at any step leaves no files and no registered server.

mod apps;
pub(crate) mod catalog;
mod manifest;
mod package_ref;
mod progress;
mod staging;

use std::path::{Component, Path, PathBuf};

use gatehouse_hub::Resolved;
use gatehouse_policy::{ServerFacts, Status, Verdict, block_report, evaluate};
use gatehouse_store::{AuditKind, Install, Server, ServerSource};
use serde_json::json;

use crate::context::Context;
use crate::error::{Error, Result};
use crate::policy::Scope;
use crate::ports::{Clock, RegistryPort};

pub use crate::error::InstallError;
pub use apps::install_into_apps;
pub use catalog::{CatalogEntryView, CatalogSearch, CatalogSource, search};
pub use manifest::{Entrypoint, Manifest};
pub use package_ref::PackageRef;
pub use progress::{InstallStep, Progress, silent};
pub use staging::{bundle_dir, bundles_dir};

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
    /// The client apps' files given an entry for it ([`install_into_apps`]).
    pub added_to: Vec<(gatehouse_clients::ClientApp, PathBuf)>,
}

/// Installs `request.package` from `registry`.
pub async fn install<C: Clock>(
    ctx: &Context<C>,
    registry: &impl RegistryPort,
    request: &InstallRequest,
) -> Result<InstallOutcome> {
    install_with_progress(ctx, registry, request, &silent).await
}

/// [`install`], telling `progress` each step as it starts.
pub async fn install_with_progress<C: Clock>(
    ctx: &Context<C>,
    registry: &impl RegistryPort,
    request: &InstallRequest,
    progress: Progress<'_>,
) -> Result<InstallOutcome> {
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
    let sources = ctx.policy_sources(Scope::ManyServers).await?;
    let mut policy = sources.server_policy(&id, Some(&version))?;
    if !sources.catalog_lists(&id, &version) {
        policy.facts = registry_facts(&id, &resolved);
    }
    let (effective, facts) = policy.compile();
    let decision = evaluate(&effective, &facts, &ctx.request_now());
    if decision.verdict == Verdict::Block {
        return Ok(InstallOutcome::Blocked {
            message: format!(
                "{}\nNothing was downloaded or installed.",
                block_report(&facts, &decision)
            ),
        });
    }

    progress(InstallStep::FetchingManifest);
    let manifest_bytes = registry
        .manifest(&package.org, &resolved.manifest_digest)
        .await?;
    let manifest = Manifest::parse(&manifest_bytes).map_err(|reason| InstallError::Manifest {
        package: id.clone(),
        reason,
    })?;
    if gatehouse_policy::normalize_name(&manifest.package_id) != normalized {
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

    let bundles = bundles_dir(&ctx.data_dir);
    let staging = staging::Staging::new(&bundles)?;
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
    progress(InstallStep::Unpacking);
    let root = staging.unpack(archive)?;
    let command = program_in(&root, &entrypoint.command)?;
    let target = bundles.join(resolved.bundle_digest.hex());
    if target.is_dir()
        && ctx
            .store
            .servers_using_bundle(resolved.bundle_digest.as_str())
            .await?
            == 0
    {
        // A leftover nobody uses: replace it with the bytes just checked.
        std::fs::remove_dir_all(&target).map_err(|source| Error::Io {
            path: target.clone(),
            source,
        })?;
    }
    let moved = staging.commit(&root, &target)?;
    drop(staging);

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
        bundle_digest: Some(resolved.bundle_digest.to_string()),
        created_at: ctx.clock.now(),
    };
    let stated = json!({
        "origin": resolved.origin,
        "certification_level": resolved.certification_level,
        "status": resolved.status,
        "git_sha": resolved.git_sha,
        "manifest_certification": manifest.certification,
    });
    let install = Install {
        manifest_digest: resolved.manifest_digest.to_string(),
        bundle_digest: resolved.bundle_digest.to_string(),
        permissions: manifest.permissions.clone(),
        registry_facts: stated.clone(),
        installed_at: ctx.clock.now(),
    };
    let mut event = ctx.event(AuditKind::ServerInstalled);
    event.server = Some(id.clone());
    event.version = Some(version);
    event.digest = Some(resolved.bundle_digest.to_string());
    event.verdict = Some(decision.verdict.name().to_owned());
    event.codes = decision
        .violations
        .iter()
        .map(|v| v.code.name().to_owned())
        .collect();
    event.detail = Some(json!({"id": id, "source": "registry", "registry": stated}));
    if let Err(error) = ctx
        .store
        .add_installed_server(&server, &install, Some(&event))
        .await
    {
        if moved {
            let _ = std::fs::remove_dir_all(&target);
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
        added_to: Vec::new(),
    })))
}

/// The facts the registry stated, for a version the signed catalog does not list: its
/// origin, certification level and status, with the score unknown (HUB_API.md section A).
fn registry_facts(id: &str, resolved: &Resolved) -> ServerFacts {
    let value = json!({
        "name": id,
        "version": resolved.version,
        "origin": resolved.origin,
        "cert_level": resolved.certification_level,
        "status": resolved.status,
        "digest": resolved.bundle_digest.as_str(),
    });
    ServerFacts::from_value(&value).unwrap_or_else(|_| {
        let mut facts = ServerFacts::named(id);
        facts.status = Status::Unknown;
        facts
    })
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
