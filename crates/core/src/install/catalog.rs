//! Searching the organization's catalog for the install screen (HUB_API.md B3), with each
//! entry's badges and the verdict the policy in force would give it.
//!
//! The hub's search answer is not signed, so it only says WHICH servers match: wherever the
//! signed catalog of the last sync lists the same name and version, its facts are the ones
//! shown (and `signed` is set). An entry the signed catalog does not know yet is shown with
//! the hub's facts, marked unsigned; install judges it again on the registry's answer. When
//! the hub cannot be asked, the signed catalog is searched instead, so the screen still
//! works offline.

use gatehouse_policy::{Origin, Request, ServerFacts, Status, Verdict};
use serde::Serialize;
use serde_json::Value;

use crate::context::Context;
use crate::error::Result;
use crate::identity::{Identity, Standing, TreeCheck};
use crate::policy::{Evaluation, PolicySources, Scope};
use crate::ports::{CatalogPort, Clock};
use crate::servers::ReasonView;

/// What a search found and where it looked.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CatalogSearch {
    pub source: CatalogSource,
    /// Why the hub was not asked or did not answer, in plain words.
    pub problem: Option<String>,
    pub entries: Vec<CatalogEntryView>,
}

/// Where a search looked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum CatalogSource {
    /// The hub answered.
    Hub,
    /// The hub could not be asked, and the signed catalog of the last sync was searched.
    Cached,
    /// There is no hub and no catalog on this device.
    None,
}

impl CatalogSource {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            CatalogSource::Hub => "hub",
            CatalogSource::Cached => "cached",
            CatalogSource::None => "none",
        }
    }
}

/// One catalog entry with its badges and verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CatalogEntryView {
    pub name: String,
    pub version: Option<String>,
    pub description: Option<String>,
    pub origin: Origin,
    pub cert_level: Option<u8>,
    pub score: Option<u8>,
    pub status: Status,
    /// The facts come from the signed policy bundle (else from the hub's unsigned answer).
    pub signed: bool,
    /// What an install of it would be: verified when the signed catalog certifies its bytes.
    pub standing: Standing,
    /// An install of it is a verified copy of a public package (npm, PyPI, `.mcpb`).
    pub verified_copy: bool,
    pub verdict: Verdict,
    pub violations: Vec<ReasonView>,
    /// What `install` should be given: `name@version`, or the name alone.
    pub package: String,
    /// Why it cannot be installed from here, in plain words; `None` when it can.
    pub not_installable: Option<String>,
    /// The version of it registered on this device, if any.
    pub installed_version: Option<String>,
}

/// Searches for `query` (name or description, any case; everything when blank). `hub` is
/// `Err(problem)` when no hub client could be made (not configured, no token…).
pub async fn search<C: Clock>(
    ctx: &Context<C>,
    hub: std::result::Result<&impl CatalogPort, String>,
    query: &str,
) -> Result<CatalogSearch> {
    let sources = ctx.policy_sources(Scope::ManyServers).await?;
    let organization = ctx.hub_settings().await?.organization;
    let asked = match (hub, organization) {
        (Ok(hub), Some(org)) => hub
            .search_catalog(&org, query)
            .await
            .map_err(|error| format!("the hub could not be asked ({error})")),
        (Ok(_), None) => Err("no organization is set".to_owned()),
        (Err(problem), _) => Err(problem),
    };
    let (source, problem, raw) = match asked {
        Ok(found) => (CatalogSource::Hub, None, found),
        // Offline: the signed catalog of the last sync, if there is one.
        Err(problem) => (
            if sources.hub.is_some() {
                CatalogSource::Cached
            } else {
                CatalogSource::None
            },
            Some(problem),
            local_matches(sources.catalog_entries(), query),
        ),
    };
    let request = ctx.request_now();
    // What is installed: the package each registered server was installed or named as.
    let installed: Vec<(String, String)> = ctx
        .identified_servers(TreeCheck::Quick)
        .await?
        .iter()
        .filter_map(|(_, identity)| identity.package())
        .map(|(name, version)| (gatehouse_policy::normalize_name(name), version.to_owned()))
        .collect();
    let mut entries = Vec::new();
    for value in &raw {
        let Some(view) = entry_view(&sources, &request, value)? else {
            continue;
        };
        let name = gatehouse_policy::normalize_name(&view.name);
        let installed_version = installed
            .iter()
            .find(|(installed, _)| *installed == name)
            .map(|(_, version)| version.clone());
        entries.push(CatalogEntryView {
            installed_version,
            ..view
        });
    }
    Ok(CatalogSearch {
        source,
        problem,
        entries,
    })
}

/// The signed catalog's entries whose name or description contains `query`, ignoring case
/// (the hub's own rule for B3).
fn local_matches(entries: &[Value], query: &str) -> Vec<Value> {
    let needle = query.trim().to_lowercase();
    entries
        .iter()
        .filter(|entry| {
            ["name", "description"].iter().any(|key| {
                entry[*key]
                    .as_str()
                    .is_some_and(|text| text.to_lowercase().contains(&needle))
            })
        })
        .cloned()
        .collect()
}

/// One entry judged under `sources`; `None` for an entry without a name (nothing to show
/// or install).
fn entry_view(
    sources: &PolicySources,
    request: &Request,
    value: &Value,
) -> Result<Option<CatalogEntryView>> {
    let Some(name) = value["name"].as_str().filter(|name| !name.is_empty()) else {
        return Ok(None);
    };
    let version = value["version"].as_str().map(str::to_owned);
    // Judged as an install of it would be: the certified bytes of the signed catalog's
    // entry when it has one, else a name that is only claimed (install and run agree).
    let entry = version
        .as_deref()
        .and_then(|version| sources.catalog_entry(name, version));
    let copy = entry
        .filter(|entry| entry.digest.is_none())
        .and_then(|_| sources.certified_copy(name, version.as_deref()))
        .map(|(_, package)| package);
    let certified = match (entry, copy) {
        (Some(entry), _) if entry.digest.is_some() => entry
            .digest
            .as_deref()
            .map(|digest| Identity::of_install(name, &entry.version, digest)),
        (_, Some(package)) => Some(Identity::of_copy(
            package.registry_type,
            &package.identifier,
            &package.version,
            &package.file_sha256,
        )),
        _ => None,
    };
    let signed = certified.is_some();
    let identity = certified.unwrap_or_else(|| Identity::of_name(name));
    let evaluation = Evaluation::new(sources, &identity, request)?;
    let decision = evaluation.decision;
    // Badges: the signed facts, else the hub's unsigned answer, marked as such.
    let facts = if signed {
        evaluation.facts
    } else {
        ServerFacts::from_value(value).unwrap_or_else(|_| {
            let mut facts = ServerFacts::named(name);
            facts.version = version.clone();
            facts
        })
    };
    let status = facts.status;
    let not_installable = if value["install"]["registry"].as_bool() != Some(true) && copy.is_none()
    {
        Some("Your organization's registry does not offer it for install.".to_owned())
    } else if matches!(status, Status::Revoked | Status::Quarantined) {
        Some(format!("This version is {}.", status.name()))
    } else if decision.verdict == Verdict::Block {
        Some("Your organization's policy blocks it.".to_owned())
    } else {
        None
    };
    Ok(Some(CatalogEntryView {
        package: match &version {
            Some(version) => format!("{name}@{version}"),
            None => name.to_owned(),
        },
        name: name.to_owned(),
        version,
        description: value["description"].as_str().map(str::to_owned),
        origin: facts.origin,
        cert_level: facts.cert_level,
        score: facts.score,
        status,
        signed,
        standing: if signed {
            Standing::Verified
        } else {
            Standing::Unbound
        },
        verified_copy: copy.is_some(),
        verdict: decision.verdict,
        violations: decision.violations.iter().map(ReasonView::of).collect(),
        not_installable,
        installed_version: None,
    }))
}

#[cfg(test)]
mod tests;
