//! The policy layers available on this device (the local file, the verified hub snapshot,
//! the managed mandatory block) and what they say about one server: its layers and facts.
//! Only what is stored and signed counts: a user cannot assert facts.
//!
//! The launch path reads the hub snapshot for one server only ([`gatehouse_hub::server_slice`]:
//! a scan of the verified bytes, no compile of the whole policy), so a 10,000-entry policy
//! costs little on every launch. Views over many servers parse the bundle once instead.

use std::path::Path;

use gatehouse_hub::{Bundle, Envelope};
use gatehouse_policy::{EffectivePolicy, Freshness, Layer, Layers, Rules, ServerFacts, Timestamp};
use gatehouse_store::Store;

use crate::error::{Error, LocalPolicyProblem, NoPolicy, Result};
use crate::identity::Identity;
use crate::settings::hub::HubSettings;
use crate::settings::managed::ManagedSettings;

/// The verified hub snapshot in force.
#[derive(Debug, Clone)]
pub struct HubSnapshot {
    /// The signed bytes, verified when loaded.
    pub payload: Vec<u8>,
    pub org: String,
    pub serial: u64,
    /// The store row it came from; `None` for a bundle previewed but not stored.
    pub snapshot_id: Option<i64>,
    /// When the hub last vouched for it, signed: the time of the newest freshness
    /// statement for this serial and device (HUB_API.md B1), else the bundle's own
    /// `issued_at`. Its age is measured from here, never from a local column.
    pub fresh_at: Timestamp,
    pub key_id: String,
    /// The whole bundle, parsed once, when many servers are evaluated.
    pub(crate) bundle: Option<Bundle>,
}

impl HubSnapshot {
    /// A bundle [`crate::sync::accept`] verified just now (fresh as of `fresh_at`) but did
    /// not store: what a preview evaluates against. Parsed whole, as for [`Scope::ManyServers`].
    pub fn unstored(envelope: Envelope, bundle: Bundle, fresh_at: Timestamp) -> HubSnapshot {
        HubSnapshot {
            payload: envelope.payload,
            org: bundle.org.clone(),
            serial: bundle.serial,
            snapshot_id: None,
            fresh_at,
            key_id: envelope.key_id,
            bundle: Some(bundle),
        }
    }
}

/// How much of the snapshot a caller will use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// One server (a launch, a check): read only its part of the snapshot.
    OneServer,
    /// Many servers (a list): parse the snapshot once.
    ManyServers,
}

/// The policy layers available on this machine now, before choosing the ones for a server.
#[derive(Debug, Clone, Default)]
pub struct PolicySources {
    /// The `policy:` block of `~/.mcp/config.yaml`.
    pub local: Option<Rules>,
    /// The hub snapshot, when a hub is configured.
    pub hub: Option<HubSnapshot>,
    /// The device's configured area.
    pub area: Option<String>,
    /// The `mandatory` block of the managed settings file, merged with the hub's.
    pub managed_mandatory: Option<Rules>,
    /// The newest time a signed freshness statement vouched for: "now" is never taken
    /// below it, so a clock set back (or faked for one process) cannot make a stale
    /// snapshot fresh again.
    pub time_floor: Option<Timestamp>,
}

/// The setting that keeps the newest freshness statement, exactly as the hub sent it: it
/// is verified again at every load, so editing it gains nothing.
pub const FRESHNESS_KEY: &str = "freshness_statement";

/// What the policy sources say about one server.
#[derive(Debug, Clone)]
pub struct ServerPolicy {
    pub layers: Layers,
    pub facts: ServerFacts,
    pub freshness: Option<Freshness>,
}

impl ServerPolicy {
    /// The effective policy of these layers, with the snapshot's freshness attached.
    pub fn compile(self) -> (EffectivePolicy, ServerFacts) {
        let policy = EffectivePolicy::compile(&self.layers);
        let policy = match self.freshness {
            Some(freshness) => policy.with_freshness(freshness),
            None => policy,
        };
        (policy, self.facts)
    }
}

impl PolicySources {
    /// Loads every layer available now: the local file and, when a hub is configured, the
    /// newest stored snapshot whose signature verifies with a pinned key (checked on every
    /// load, so an edited row is never enforced). Never touches the network.
    pub async fn load(
        store: &Store,
        mcp_config: &Path,
        managed: &ManagedSettings,
        scope: Scope,
    ) -> Result<PolicySources> {
        let mut sources = PolicySources::without_hub(mcp_config, managed)?;
        let settings = HubSettings::load(store, managed).await?;
        sources.area = settings.area.clone();
        if settings.hub_configured() {
            let mut snapshot = latest_valid_snapshot(store, &settings).await?;
            if let Some(statement) = stored_statement(store, &settings, &snapshot.org).await? {
                sources.time_floor = Some(statement.time);
                if statement.serial == snapshot.serial {
                    snapshot.fresh_at = statement.time;
                }
            }
            if scope == Scope::ManyServers {
                snapshot.bundle = Some(
                    Bundle::parse(&snapshot.payload)
                        .map_err(|e| Error::NoSnapshot(NoPolicy::Invalid(Box::new(e))))?,
                );
            }
            sources.hub = Some(snapshot);
        }
        Ok(sources)
    }

    /// The layers on this device that do not come from a hub snapshot: the local file and
    /// the managed mandatory block. What a first sync is compared with; no area is set.
    pub fn without_hub(mcp_config: &Path, managed: &ManagedSettings) -> Result<PolicySources> {
        Ok(PolicySources {
            local: load_local(mcp_config)?,
            hub: None,
            area: None,
            managed_mandatory: managed.mandatory.clone(),
            time_floor: None,
        })
    }

    /// Only the local file: for tests and tools that have no store.
    pub fn local_only(mcp_config: &Path) -> Result<PolicySources> {
        Ok(PolicySources {
            local: load_local(mcp_config)?,
            ..PolicySources::default()
        })
    }

    /// The layers and facts for the server `identity` establishes: its facts from the
    /// signed catalog as [`gatehouse_hub::resolve`] gives them (they settle its bound name),
    /// then the managed mandatory block, the hub's layers for that name and the local file.
    /// Nothing else is consulted: a user cannot assert facts.
    pub fn server_policy(&self, identity: &Identity) -> Result<ServerPolicy> {
        let subject = identity.subject();
        let mut layers = Layers::new();
        if let Some(mandatory) = &self.managed_mandatory {
            layers.add(Layer::Mandatory, mandatory.clone());
        }
        let mut facts = gatehouse_hub::resolve([], &subject);
        let mut freshness = None;
        if let Some(hub) = &self.hub {
            let area = self.area.as_deref();
            match &hub.bundle {
                Some(bundle) => {
                    facts = bundle.resolve(&subject);
                    bundle.add_layers(&mut layers, facts.name.as_deref(), area);
                    freshness = bundle.freshness(hub.fresh_at);
                }
                None => {
                    let view = gatehouse_hub::server_slice(&hub.payload, &subject, area)
                        .map_err(|e| Error::NoSnapshot(NoPolicy::Invalid(Box::new(e))))?;
                    for (layer, rules) in view.layers.iter() {
                        layers.add(layer, rules.clone());
                    }
                    if let Some(label) = view.layers.label(Layer::Area) {
                        layers.set_label(Layer::Area, label);
                    }
                    facts = view.facts;
                    freshness = view
                        .max_offline_age_secs
                        .map(|max_offline_age_secs| Freshness {
                            verified_at: hub.fresh_at,
                            max_offline_age_secs,
                            stale_mode: view.stale_mode,
                        });
                }
            }
        }
        facts.artifact_modified = identity.artifact_modified;
        if let Some(local) = &self.local {
            layers.insert(Layer::Local, local.clone());
        }
        Ok(ServerPolicy {
            layers,
            facts,
            freshness,
        })
    }
}

impl PolicySources {
    /// The layers that apply to every server on this device (no per-server rules), for
    /// showing the policy in force: the managed mandatory block, the hub's mandatory, org
    /// and device-area layers, and the local file; with the snapshot's freshness.
    pub fn device_policy(&self) -> (Layers, Option<Freshness>) {
        let mut layers = Layers::new();
        if let Some(mandatory) = &self.managed_mandatory {
            layers.add(Layer::Mandatory, mandatory.clone());
        }
        let mut freshness = None;
        if let Some(HubSnapshot {
            bundle: Some(bundle),
            fresh_at,
            ..
        }) = &self.hub
        {
            bundle.add_org_layers(&mut layers);
            if let Some(area) = self.area.as_deref() {
                bundle.add_area_layer(&mut layers, area);
            }
            freshness = bundle.freshness(*fresh_at);
        }
        if let Some(local) = &self.local {
            layers.insert(Layer::Local, local.clone());
        }
        (layers, freshness)
    }
}

impl PolicySources {
    /// The layers a server whose bound name is `name` gets (its area and its own rules on
    /// top of the device's), and the servers the bundle names: for the Policy view's rules
    /// that apply to particular servers only. Empty without a hub bundle.
    pub fn named_server_policies(&self) -> Vec<(String, Option<String>, Layers)> {
        let Some(HubSnapshot {
            bundle: Some(bundle),
            ..
        }) = &self.hub
        else {
            return Vec::new();
        };
        bundle
            .named_servers()
            .into_iter()
            .map(|(name, area)| {
                let mut layers = Layers::new();
                if let Some(mandatory) = &self.managed_mandatory {
                    layers.add(Layer::Mandatory, mandatory.clone());
                }
                bundle.add_layers(&mut layers, Some(name), self.area.as_deref());
                if let Some(local) = &self.local {
                    layers.insert(Layer::Local, local.clone());
                }
                (name.to_owned(), area.map(str::to_owned), layers)
            })
            .collect()
    }

    /// The signed catalog's entry for `name` at exactly `version`. Needs the bundle parsed
    /// ([`Scope::ManyServers`]); `None` without a hub.
    pub fn catalog_entry(&self, name: &str, version: &str) -> Option<&gatehouse_hub::CatalogEntry> {
        match &self.hub {
            Some(HubSnapshot {
                bundle: Some(bundle),
                ..
            }) => bundle.entry(name, version),
            _ => None,
        }
    }

    /// `request` with its time never below [`Self::time_floor`].
    pub fn floored(&self, request: &gatehouse_policy::Request) -> gatehouse_policy::Request {
        let mut request = request.clone();
        if let (Some(now), Some(floor)) = (request.now, self.time_floor)
            && now.0 < floor.0
        {
            request.now = Some(floor);
        }
        request
    }

    /// The signed catalog's entries, validated. Needs the bundle parsed
    /// ([`Scope::ManyServers`]); empty without a hub.
    pub fn catalog(&self) -> &[gatehouse_hub::CatalogEntry] {
        match &self.hub {
            Some(HubSnapshot {
                bundle: Some(bundle),
                ..
            }) => bundle.catalog(),
            _ => &[],
        }
    }

    /// The public package the signed catalog certifies for `name` (an entry's name or a
    /// package's identifier) at `version` (any listed version when `None`, if only one
    /// is), of a registry type this build installs; with the entry it is in.
    pub fn certified_copy(
        &self,
        name: &str,
        version: Option<&str>,
    ) -> Option<(
        &gatehouse_hub::CatalogEntry,
        &gatehouse_hub::PackageArtifact,
    )> {
        let folded = gatehouse_policy::fold_name(&gatehouse_policy::normalize_name(name));
        let mut found = self.catalog().iter().flat_map(|entry| {
            let entry_named =
                gatehouse_policy::fold_name(&gatehouse_policy::normalize_name(&entry.name))
                    == folded;
            entry.packages.iter().filter_map(move |package| {
                let named = entry_named
                    || package
                        .registry_type
                        .same_identifier(&package.identifier, name);
                let versioned = version.is_none_or(|v| package.version == v);
                (named && versioned).then_some((entry, package))
            })
        });
        let first = found.next()?;
        match (version, found.next()) {
            // Without a version, two candidates are ambiguous: the person must say which.
            (None, Some(_)) => None,
            _ => Some(first),
        }
    }

    /// The verified copy the signed catalog certifies of the package a named server runs
    /// (matched by registry, identifier and version, never by name alone; HUB_API.md B1).
    pub fn copy_of_named(&self, identity: &Identity) -> Option<&gatehouse_hub::PackageArtifact> {
        let (registry_type, identifier, version) = identity.named_package()?;
        self.catalog()
            .iter()
            .flat_map(|entry| entry.packages.iter())
            .find(|package| package.is(registry_type, identifier, version))
    }

    /// The signed catalog's entries as the hub sent them, in order. Needs the bundle parsed
    /// ([`Scope::ManyServers`]); empty without a hub.
    pub fn catalog_entries(&self) -> &[serde_json::Value] {
        match &self.hub {
            Some(HubSnapshot {
                bundle: Some(bundle),
                ..
            }) => &bundle.catalog_entries,
            _ => &[],
        }
    }

    /// The facts part of [`Self::server_policy`] alone, for when the layers are known.
    pub(crate) fn facts_for(&self, identity: &Identity) -> Result<ServerFacts> {
        match &self.hub {
            Some(HubSnapshot {
                bundle: Some(bundle),
                ..
            }) => {
                let mut facts = bundle.resolve(&identity.subject());
                facts.artifact_modified = identity.artifact_modified;
                Ok(facts)
            }
            _ => Ok(self.server_policy(identity)?.facts),
        }
    }
}

/// Reads the local layer. A missing file sets no rules; a file that cannot be read or
/// holds an invalid block is an error (exit 3), never ignored.
fn load_local(mcp_config: &Path) -> Result<Option<Rules>> {
    match std::fs::read_to_string(mcp_config) {
        Ok(text) => {
            gatehouse_policy::local_rules_from_config(&text).map_err(|error| Error::LocalPolicy {
                path: mcp_config.to_owned(),
                problem: LocalPolicyProblem::Invalid(Box::new(error)),
            })
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(Error::LocalPolicy {
            path: mcp_config.to_owned(),
            problem: LocalPolicyProblem::Unreadable(error),
        }),
    }
}

/// The identity fields of a payload, read without building the rest.
#[derive(Debug, Default, PartialEq)]
struct Head {
    org: String,
    serial: u64,
    issued_at: String,
}

impl Head {
    /// Reads `org`, `serial` and `issued_at` and stops there: the hub writes them first, and
    /// what follows (220 KB for a 10,000-entry policy) is read whole, and checked, by the
    /// slice or the full parse right after. A derived parse scanned all of it to skip it,
    /// on every launch.
    fn read(payload: &[u8]) -> serde_json::Result<Head> {
        let mut found = HeadFields::default();
        let mut parser = serde_json::Deserializer::from_slice(payload);
        match serde::Deserializer::deserialize_map(&mut parser, &mut found) {
            // Stopped on purpose, with every field read.
            Err(_) if found.complete => {}
            Err(error) => return Err(error),
            Ok(()) => {}
        }
        let missing = |field| serde::de::Error::missing_field(field);
        Ok(Head {
            org: found.org.ok_or_else(|| missing("org"))?,
            serial: found.serial.ok_or_else(|| missing("serial"))?,
            issued_at: found.issued_at.ok_or_else(|| missing("issued_at"))?,
        })
    }
}

#[derive(Default)]
struct HeadFields {
    org: Option<String>,
    serial: Option<u64>,
    issued_at: Option<String>,
    /// Every field was read, and the parse stopped there (with an error, serde's only way).
    complete: bool,
}

impl<'de> serde::de::Visitor<'de> for &mut HeadFields {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a policy bundle (a JSON object)")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<(), A::Error> {
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match key.as_ref() {
                "org" => self.org = Some(map.next_value()?),
                "serial" => self.serial = Some(map.next_value()?),
                "issued_at" => self.issued_at = Some(map.next_value()?),
                _ => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
            if self.org.is_some() && self.serial.is_some() && self.issued_at.is_some() {
                self.complete = true;
                return Err(serde::de::Error::custom("the head is read"));
            }
        }
        Ok(())
    }
}

/// The stored freshness statement when it verifies with a pinned key and was made for this
/// organization and this device; `None` otherwise (it is then as if none had come).
pub(crate) async fn stored_statement(
    store: &Store,
    settings: &HubSettings,
    org: &str,
) -> Result<Option<gatehouse_hub::Statement>> {
    let Some(raw) = store.setting(FRESHNESS_KEY).await? else {
        return Ok(None);
    };
    let device = store.device_id().await?.to_string();
    Ok(gatehouse_hub::verify_statement(&raw, &settings.keys)
        .ok()
        .filter(|statement| statement.org == org && statement.device.as_deref() == Some(&device)))
}

async fn latest_valid_snapshot(store: &Store, settings: &HubSettings) -> Result<HubSnapshot> {
    if settings.keys.is_empty() {
        return Err(Error::NoSnapshot(NoPolicy::NoKeyPinned));
    }
    // The newest stored row is the policy in force, or there is none: an older, looser
    // snapshot is never fallen back to when the newest fails its checks (an edited or
    // zeroed row must stop launches, not loosen them).
    let Some(row) = store.snapshots_newest_first(1).await?.into_iter().next() else {
        return Err(Error::NoSnapshot(NoPolicy::NeverSynced));
    };
    if settings
        .organization
        .as_deref()
        .is_some_and(|org| org != row.org)
    {
        return Err(Error::NoSnapshot(NoPolicy::OtherOrganization {
            org: row.org,
        }));
    }
    if let Err(error) =
        gatehouse_hub::verify_signature(&row.payload, &row.signature, &row.key_id, &settings.keys)
    {
        return Err(Error::NoSnapshot(NoPolicy::FailedCheck(Box::new(error))));
    }
    match Head::read(&row.payload) {
        Ok(head) if head.org == row.org && head.serial == row.serial => Ok(HubSnapshot {
            // Until a statement for this serial says otherwise, the bundle is as fresh as
            // its own signed issue time.
            fresh_at: Timestamp::parse_rfc3339(&head.issued_at)
                .map_err(|_| Error::NoSnapshot(NoPolicy::NotItsRecord))?,
            payload: row.payload,
            org: row.org,
            serial: row.serial,
            snapshot_id: Some(row.id),
            key_id: row.key_id,
            bundle: None,
        }),
        Ok(_) => Err(Error::NoSnapshot(NoPolicy::NotItsRecord)),
        Err(error) => Err(Error::NoSnapshot(NoPolicy::Unreadable(error))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payloads_head_is_read_without_reading_the_rest() {
        let head = Head {
            org: "acme".into(),
            serial: 7,
            issued_at: "2026-11-20T10:00:00Z".into(),
        };
        let first = br#"{"schema":1,"org":"acme","serial":7,"issued_at":"2026-11-20T10:00:00Z","#;
        let mut cut = first.to_vec();
        cut.extend_from_slice(b"\"org_policy\": {not json");
        assert_eq!(
            Head::read(&cut).unwrap(),
            head,
            "it stops at the third field"
        );
        let last = br#"{"catalog":[{"name":"a"}],"issued_at":"2026-11-20T10:00:00Z","serial":7,"org":"acme"}"#;
        assert_eq!(Head::read(last).unwrap(), head, "in any order");
        let error = Head::read(br#"{"org":"acme","serial":7}"#).unwrap_err();
        assert!(error.to_string().contains("issued_at"), "{error}");
        assert!(Head::read(br#"{"org":"acme","serial":"7","issued_at":"x"}"#).is_err());
        assert!(Head::read(b"[1]").is_err());
    }

    #[test]
    fn a_missing_policy_file_sets_no_rules_but_a_broken_one_stops_everything() {
        let dir = tempfile::tempdir().unwrap();
        let missing = PolicySources::local_only(&dir.path().join("absent.yaml")).unwrap();
        assert!(missing.local.is_none());
        let broken = dir.path().join("config.yaml");
        std::fs::write(&broken, "policy:\n  min_cert_level: 9\n").unwrap();
        let error = PolicySources::local_only(&broken).unwrap_err();
        assert_eq!(
            error.exit_code(),
            3,
            "an invalid local policy is 'no usable policy'"
        );
        assert!(
            error.to_string().contains("config.yaml"),
            "the message names the file: {error}"
        );
    }
}
