//! The first sync after the upgrade that bound identity to code (DESIGN.md "Server
//! identity"). Servers registered before it may have shown a catalog's facts through their
//! name alone, and installed ones have no record of their files. Each is handled once:
//!
//! - installed from the registry: its bundle is fetched again by digest and the installed
//!   folder compared with it; equal, its files are recorded (and kept read-only) and it is
//!   verified as before; different, it is recorded as changed (`artifact_modified`);
//! - named (a clean spec) whose package the catalog certifies as a verified copy: switched
//!   to that copy (audited as `server_installed`), and the person told once;
//! - anything else that used to show the catalog's facts by its name: the person is told
//!   once why its verdict changed and what the admin can do.
//!
//! What cannot be done now (the hub or a registry unreachable) stays for the next sync.

use gatehouse_store::{AuditKind, Server, ServerSource, TreeKind, VerifiedTree};
use serde_json::json;

use crate::context::Context;
use crate::error::Result;
use crate::identity::{Standing, TreeCheck, tree};
use crate::install::staging::{Staging, artifacts_dir, bundle_dir, bundles_dir};
use crate::policy::Scope;
use crate::ports::{Clock, Notification, Notifier, PackagesPort, RegistryPort};

/// What the upgrade did to one server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Upgraded {
    /// Its installed files match its bundle and are now recorded.
    Recorded(String),
    /// Its installed files differ from its bundle: blocked as changed.
    Modified(String),
    /// Switched from a named spec to the catalog's verified copy.
    SwitchedToCopy(String),
    /// Told why it no longer shows the catalog's facts.
    Explained(String),
    /// Nothing to do or say.
    Unchanged(String),
}

/// Handles every server still waiting for the upgrade; returns what was done. A server
/// whose step failed for a passing reason (no network) is left for the next sync.
pub async fn finish_identity_upgrade<C: Clock>(
    ctx: &Context<C>,
    registry: &impl RegistryPort,
    packages: &impl PackagesPort,
    notifier: &impl Notifier,
) -> Result<Vec<Upgraded>> {
    let pending = ctx.store.pending_upgrades().await?;
    if pending.is_empty() {
        return Ok(Vec::new());
    }
    // Nothing can be judged without a policy from the hub; the next sync tries again.
    let Ok(sources) = ctx.policy_sources(Scope::ManyServers).await else {
        return Ok(Vec::new());
    };
    if sources.hub.is_none() {
        return Ok(Vec::new());
    }
    let org = ctx.hub_settings().await?.organization;
    let mut done = Vec::new();
    for id in pending {
        let Some(server) = ctx.store.server(&id).await? else {
            ctx.store.finish_upgrade(&id).await?;
            continue;
        };
        let outcome = if server.source == ServerSource::Registry && server.bundle_digest.is_some() {
            match &org {
                Some(org) => record_installed(ctx, registry, org, &server, notifier).await,
                None => continue,
            }
        } else {
            named_or_claimed(ctx, packages, &server, notifier).await
        };
        match outcome {
            Ok(upgraded) => {
                ctx.store.finish_upgrade(&id).await?;
                done.push(upgraded);
            }
            Err(error) => {
                tracing::warn!("`{id}` will be checked again at the next sync: {error}");
            }
        }
    }
    Ok(done)
}

/// Fetches the bundle of registry install `server` again, compares its installed folder
/// with it, and records the folder's files (marked changed when they differ).
async fn record_installed<C: Clock>(
    ctx: &Context<C>,
    registry: &impl RegistryPort,
    org: &str,
    server: &Server,
    notifier: &impl Notifier,
) -> Result<Upgraded> {
    let digest_text = server.bundle_digest.clone().unwrap_or_default();
    let Some(digest) = gatehouse_hub::ArtifactDigest::parse(&digest_text) else {
        return Ok(Upgraded::Unchanged(server.id.clone()));
    };
    let Some(installed) = bundle_dir(&ctx.data_dir, &digest_text) else {
        return Ok(Upgraded::Unchanged(server.id.clone()));
    };
    let staging = Staging::new(&bundles_dir(&ctx.data_dir))?;
    let (mut file, _) = staging.archive_file()?;
    registry.download_bundle(org, &digest, &mut file).await?;
    let root = staging.unpack(file)?;
    let files = tree::record(&root).map_err(|source| crate::error::Error::Io {
        path: root.clone(),
        source,
    })?;
    let mut files = files;
    let same = tree::matches(&installed, &files, TreeCheck::Full);
    if same {
        let stamped =
            tree::make_read_only(&installed).and_then(|()| tree::stamp(&installed, &mut files));
        if let Err(error) = stamped {
            tracing::warn!(
                "could not make `{}` read-only: {error}",
                installed.display()
            );
        }
    }
    let artifact = staging.keep_archive(&artifacts_dir(&ctx.data_dir), digest.hex())?;
    let now = ctx.clock.now();
    let record = VerifiedTree {
        kind: TreeKind::Registry,
        name: server.name.clone(),
        version: server.version.clone().unwrap_or_default(),
        registry_type: None,
        artifact_sha256: digest.hex().to_owned(),
        artifact: artifact.to_string_lossy().into_owned(),
        root: installed.to_string_lossy().into_owned(),
        files,
        recorded_at: now,
        modified_at: (!same).then_some(now),
    };
    if same {
        if let Err(error) = tree::make_read_only(&installed) {
            tracing::warn!(
                "could not make `{}` read-only: {error}",
                installed.display()
            );
        }
        ctx.store.record_tree(&server.id, &record, None).await?;
        return Ok(Upgraded::Recorded(server.id.clone()));
    }
    let mut event = ctx.event(AuditKind::ArtifactModified);
    event.server = Some(server.id.clone());
    event.version = server.version.clone();
    event.digest = Some(digest_text);
    event.verdict = Some("block".to_owned());
    event.codes = vec!["artifact_modified".to_owned()];
    event.detail = Some(json!({"id": server.id, "change": "files_changed", "found_by": "upgrade"}));
    ctx.store
        .record_tree(&server.id, &record, Some(&event))
        .await?;
    notifier.notify(&Notification {
        title: format!("{} was changed and is blocked", server.id),
        body: "Its installed files are not the ones your organization certified. It will not \
               run until it is installed again from Gatehouse. If you did not change it, tell \
               your admin."
            .to_owned(),
        server_id: server.id.clone(),
    });
    Ok(Upgraded::Modified(server.id.clone()))
}

/// A server that is not a registry install: switched to a verified copy if it is named and
/// the catalog has one; else told once when it used to show the catalog's facts by name.
async fn named_or_claimed<C: Clock>(
    ctx: &Context<C>,
    packages: &impl PackagesPort,
    server: &Server,
    notifier: &impl Notifier,
) -> Result<Upgraded> {
    let identity = ctx.identity_of(server, TreeCheck::Quick).await?;
    let sources = ctx.policy_sources(Scope::ManyServers).await?;
    let facts = sources.server_policy(&identity)?.compile().1;
    let standing = identity.standing(&facts);
    if standing == Standing::Named && sources.copy_of_named(&identity).is_some() {
        let switched = super::use_verified_copy(ctx, packages, &server.id).await?;
        notifier.notify(&Notification {
            title: format!("{} now runs a verified copy", server.id),
            body: format!(
                "Gatehouse installed the copy of {} your organization certified and starts \
                 that instead of downloading it each time. Nothing changes in your apps.",
                switched.package
            ),
            server_id: server.id.clone(),
        });
        return Ok(Upgraded::SwitchedToCopy(server.id.clone()));
    }
    // Before the upgrade, a server was given the facts of the catalog entry with its name
    // and version; say so only for those that had some.
    let had_facts = server
        .version
        .as_deref()
        .and_then(|version| sources.catalog_entry(&server.name, version))
        .is_some_and(|entry| entry.facts.cert_level.is_some() || entry.facts.score.is_some());
    if !had_facts || standing == Standing::Verified {
        return Ok(Upgraded::Unchanged(server.id.clone()));
    }
    let why = match standing {
        Standing::Named => {
            "Gatehouse cannot check what its runner downloads, so it no longer shows the \
             certification of the package it names."
        }
        _ => {
            "Gatehouse cannot tell which package it runs, so it no longer shows the \
              certification of the name it was given."
        }
    };
    notifier.notify(&Notification {
        title: format!("{} no longer shows its certification", server.id),
        body: format!(
            "{why} Your admin can add its package to the catalog as a verified copy, which \
             Gatehouse can then install and check."
        ),
        server_id: server.id.clone(),
    });
    Ok(Upgraded::Explained(server.id.clone()))
}
