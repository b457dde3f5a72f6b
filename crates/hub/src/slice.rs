//! The launch path's slice of a stored bundle: the layers and facts of ONE server, read from
//! the verified payload without building the whole bundle.
//!
//! A bundle is validated whole when it is accepted ([`crate::Bundle::parse`]); what is
//! stored is exactly those signed bytes, re-verified on every load. So a launch only needs
//! the parts that concern its server: policy objects are read with their allow and deny
//! lists narrowed to the entries that may match one of the server's names, and the catalog
//! is searched without parsing every entry. A 10,000-entry policy then costs a scan, not a
//! compile.

use std::borrow::Cow;
use std::collections::BTreeMap;

use gatehouse_policy::{
    Layer, Layers, NameFilter, Rules, ServerFacts, StaleMode, normalize_name, parse_duration,
};
use serde::Deserialize;
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::catalog::{CatalogEntry, Subject, resolve};
use crate::error::{Error, Result};

#[derive(Deserialize)]
struct View<'a> {
    #[serde(borrow)]
    org: Cow<'a, str>,
    serial: u64,
    #[serde(default, borrow)]
    max_offline_age: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    stale_mode: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    mandatory: Option<&'a RawValue>,
    #[serde(default, borrow)]
    org_policy: Option<&'a RawValue>,
    #[serde(default, borrow)]
    areas: BTreeMap<Cow<'a, str>, ViewArea<'a>>,
    #[serde(default, borrow)]
    servers: BTreeMap<Cow<'a, str>, &'a RawValue>,
    #[serde(default, borrow)]
    catalog: Vec<&'a RawValue>,
}

#[derive(Deserialize)]
struct ViewArea<'a> {
    #[serde(default, borrow)]
    policy: Option<&'a RawValue>,
    #[serde(default, borrow)]
    servers: Vec<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct CatalogKey<'a> {
    #[serde(borrow)]
    name: Cow<'a, str>,
    #[serde(default, borrow)]
    packages: Option<&'a RawValue>,
}

/// What a bundle says about one server.
#[derive(Debug, Clone)]
pub struct ServerSlice {
    pub org: String,
    pub serial: u64,
    /// Adds to a caller's layers: mandatory, org, the server's area, its override.
    pub layers: Layers,
    pub facts: ServerFacts,
    pub max_offline_age_secs: Option<i64>,
    pub stale_mode: StaleMode,
}

/// Reads what `payload` (a verified bundle) says about `subject`: its facts first (they
/// settle its bound name), then the layers for that name, with every list narrowed to the
/// entries that may match one of its names.
pub fn server_slice(
    payload: &[u8],
    subject: &Subject<'_>,
    device_area: Option<&str>,
) -> Result<ServerSlice> {
    let view: View<'_> =
        serde_json::from_slice(payload).map_err(|e| Error::Payload(e.to_string()))?;
    let facts = catalog_facts(&view.catalog, subject)?;
    let names: Vec<&str> = facts.every_name().collect();
    let mut layers = Layers::new();
    if let Some(raw) = view.mandatory {
        layers.add(
            Layer::Mandatory,
            narrowed(Layer::Mandatory, "mandatory", raw, &names)?,
        );
    }
    if let Some(raw) = view.org_policy {
        layers.add(Layer::Org, narrowed(Layer::Org, "org_policy", raw, &names)?);
    }
    // Area membership and per-server rules follow the bound name only.
    let normalized = facts.name.as_deref().map(normalize_name);
    let listed = normalized.as_ref().and_then(|normalized| {
        view.areas
            .iter()
            .find(|(_, area)| {
                area.servers
                    .iter()
                    .any(|server| normalize_name(server) == *normalized)
            })
            .map(|(area_name, _)| area_name.as_ref())
    });
    let area_name = listed.or_else(|| device_area.filter(|area| view.areas.contains_key(*area)));
    if let Some(area_name) = area_name {
        if let Some(raw) = view.areas.get(area_name).and_then(|area| area.policy) {
            layers.add(Layer::Area, narrowed(Layer::Area, area_name, raw, &names)?);
        }
        layers.set_label(Layer::Area, area_name);
    }
    if let Some(normalized) = &normalized
        && let Some((key, raw)) = view
            .servers
            .iter()
            .find(|(key, _)| normalize_name(key) == *normalized)
    {
        layers.add(Layer::Server, narrowed(Layer::Server, key, raw, &names)?);
    }
    let max_offline_age_secs = match &view.max_offline_age {
        Some(text) => Some(parse_duration(text).map_err(|e| Error::Payload(e.to_string()))?),
        None => None,
    };
    let stale_mode = match &view.stale_mode {
        Some(text) => text
            .parse()
            .map_err(|_| Error::Payload(format!("`stale_mode` `{text}`")))?,
        None => StaleMode::Keep,
    };
    Ok(ServerSlice {
        org: view.org.into_owned(),
        serial: view.serial,
        layers,
        facts,
        max_offline_age_secs,
        stale_mode,
    })
}

/// A policy object with its allow and deny lists narrowed to the entries that may match one
/// of `names`. A non-empty allow list that keeps nothing keeps one entry (which does not
/// match), so it still excludes the server instead of becoming "no restriction".
fn narrowed(layer: Layer, place: &str, raw: &RawValue, names: &[&str]) -> Result<Rules> {
    let filter = NameFilter::new(names.iter().copied());
    let mut deserializer = serde_json::Deserializer::from_str(raw.get());
    let object = Narrowed { filter: &filter }
        .deserialize(&mut deserializer)
        .and_then(|object| deserializer.end().map(|()| object))
        .map_err(|e| Error::Payload(format!("`{place}`: {e}")))?;
    Rules::from_value(layer, &Value::Object(object)).map_err(|error| Error::Policy {
        place: place.to_owned(),
        error,
    })
}

/// A policy object, read in one pass: its allow and deny lists are narrowed as they are
/// read, one entry at a time, borrowed from the payload where an entry has no escapes. Only
/// the kept entries are copied, not all 10,000, and the lists are not scanned a second time.
struct Narrowed<'f> {
    filter: &'f NameFilter,
}

impl<'de> DeserializeSeed<'de> for Narrowed<'_> {
    type Value = serde_json::Map<String, Value>;

    fn deserialize<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> std::result::Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Narrowed<'_> {
    type Value = serde_json::Map<String, Value>;

    fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
        formatter.write_str("a policy object")
    }

    fn visit_map<A: MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<Self::Value, A::Error> {
        let mut object = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = if key == "allow_list" || key == "deny_list" {
                let (mut kept, first) = map.next_value_seed(Kept {
                    filter: self.filter,
                })?;
                if kept.is_empty() && key == "allow_list" {
                    kept.extend(first.map(Value::String));
                }
                Value::Array(kept)
            } else {
                map.next_value()?
            };
            object.insert(key, value);
        }
        Ok(object)
    }
}

/// One list entry, borrowed when it can be (a plain `Cow` field would always be copied).
#[derive(Deserialize)]
struct Entry<'a>(#[serde(borrow)] Cow<'a, str>);

struct Kept<'f> {
    filter: &'f NameFilter,
}

impl<'de> DeserializeSeed<'de> for Kept<'_> {
    type Value = (Vec<Value>, Option<String>);

    fn deserialize<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> std::result::Result<Self::Value, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Kept<'_> {
    type Value = (Vec<Value>, Option<String>);

    fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
        formatter.write_str("a list of server name patterns")
    }

    fn visit_seq<A: SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> std::result::Result<Self::Value, A::Error> {
        let mut kept = Vec::new();
        let mut first = None;
        while let Some(Entry(entry)) = seq.next_element()? {
            if first.is_none() {
                first = Some(entry.to_string());
            }
            if self.filter.may_match(&entry) {
                kept.push(Value::String(entry.into_owned()));
            }
        }
        Ok((kept, first))
    }
}

/// The facts of `subject` ([`crate::catalog::resolve`]), parsing only the catalog entries
/// that may concern it: those under one of its names and, when it runs a public package,
/// those that list packages.
fn catalog_facts(catalog: &[&RawValue], subject: &Subject<'_>) -> Result<ServerFacts> {
    let names = subject.names();
    let mut relevant = Vec::new();
    for raw in catalog {
        let key: CatalogKey<'_> =
            serde_json::from_str(raw.get()).map_err(|e| Error::Payload(e.to_string()))?;
        let listed = names.contains(&normalize_name(&key.name));
        if listed || (subject.needs_packages() && key.packages.is_some()) {
            let value: Value =
                serde_json::from_str(raw.get()).map_err(|e| Error::Payload(e.to_string()))?;
            relevant.push(CatalogEntry::parse(&value).map_err(Error::Payload)?);
        }
    }
    Ok(resolve(&relevant, subject))
}

#[cfg(test)]
mod tests {
    use gatehouse_policy::{EffectivePolicy, Request, evaluate};
    use serde_json::json;

    use super::*;
    use crate::Bundle;
    use crate::catalog::{Binding, RegistryType};

    const DIGEST: &str = "sha256:1212121212121212121212121212121212121212121212121212121212121212";
    const SHA: &str = "3434343434343434343434343434343434343434343434343434343434343434";

    /// The view and the full bundle must decide alike for every server: the view is only
    /// a faster way to the same answer.
    #[test]
    fn the_view_decides_exactly_like_the_whole_bundle() {
        let payload = json!({
            "schema": 1, "org": "acme", "serial": 3, "issued_at": "2026-11-20T10:00:00Z",
            "max_offline_age": "1d", "stale_mode": "warn",
            "mandatory": {"min_cert_level": 1, "deny_list": ["@evil/*"]},
            "org_policy": {"allow_list": ["@acme/*", "@tools/hammer@2.0.0", "@tools/saw"], "min_score": 50},
            "areas": {"prod": {"policy": {"min_cert_level": 2, "deny_list": ["@acme/old@1.0.0"]}, "servers": ["@acme/db"]}},
            "servers": {"@Acme/DB": {"min_score": 80}},
            "catalog": [
                {"name": "@acme/db", "version": "1.0.0", "digest": DIGEST, "origin": "verified", "cert_level": 2, "score": 85},
                {"name": "@acme/old", "version": "1.0.0", "digest": DIGEST, "origin": "official", "cert_level": 3, "score": 99},
                {"name": "@tools/hammer", "version": "2.0.0", "digest": DIGEST, "origin": "community", "cert_level": 1, "score": 60},
                {"name": "@evil/x", "version": "1.0.0", "digest": DIGEST, "origin": "official", "cert_level": 3, "score": 99},
                {"name": "@pub/files", "version": "3.0.0", "origin": "official", "cert_level": 3, "score": 97,
                 "packages": [{"registryType": "npm", "identifier": "@pub/files", "version": "3.0.0", "fileSha256": SHA}]},
                {"name": "mcp-bad", "version": "0.1.0", "status": "revoked"}
            ]
        })
        .to_string()
        .into_bytes();
        let bundle = Bundle::parse(&payload).unwrap();
        let registry = |name, version| Binding::Registry {
            name,
            version,
            digest: DIGEST,
        };
        let npm = |identifier, version| Binding::Named {
            registry_type: RegistryType::Npm,
            identifier,
            version,
        };
        let claims_of = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        let servers = [
            (registry("@acme/db", "1.0.0"), claims_of(&[])),
            (registry("@acme/old", "1.0.0"), claims_of(&[])),
            (registry("@tools/hammer", "2.0.0"), claims_of(&[])),
            (registry("@tools/hammer", "1.0.0"), claims_of(&[])),
            (Binding::Unbound, claims_of(&["@tools/saw"])),
            (registry("@evil/x", "1.0.0"), claims_of(&[])),
            (registry("@other/thing", "1.0.0"), claims_of(&[])),
            (registry("ACME/DB", "1.0.0"), claims_of(&["helper"])),
            (npm("@acme/db", "1.0.0"), claims_of(&[])),
            (npm("@pub/files", "3.0.0"), claims_of(&[])),
            (
                Binding::Copy {
                    registry_type: RegistryType::Npm,
                    identifier: "@pub/files",
                    version: "3.0.0",
                    file_sha256: SHA,
                },
                claims_of(&[]),
            ),
            (Binding::Unbound, claims_of(&["mcp_bad", "@evil/y"])),
        ];
        for area in [None, Some("prod"), Some("nowhere")] {
            for (binding, claims) in &servers {
                let subject = Subject {
                    binding: *binding,
                    claims,
                };
                let facts = bundle.resolve(&subject);
                let mut full_layers = Layers::new();
                bundle.add_layers(&mut full_layers, facts.name.as_deref(), area);
                let full = evaluate(
                    &EffectivePolicy::compile(&full_layers),
                    &facts,
                    &Request::default(),
                );
                let view = server_slice(&payload, &subject, area).unwrap();
                assert_eq!(view.facts, facts, "{binding:?} {claims:?}");
                let fast = evaluate(
                    &EffectivePolicy::compile(&view.layers),
                    &view.facts,
                    &Request::default(),
                );
                assert_eq!(fast, full, "{binding:?} {claims:?} in area {area:?}");
            }
        }
    }

    #[test]
    fn an_allow_list_that_keeps_nothing_still_excludes() {
        let payload = br#"{"schema":1,"org":"a","serial":1,"issued_at":"2026-11-20T10:00:00Z",
            "org_policy":{"allow_list":["@x/one","@x/two"]}}"#;
        let claims = ["@y/three".to_owned()];
        let subject = Subject {
            binding: Binding::Unbound,
            claims: &claims,
        };
        let view = server_slice(payload, &subject, None).unwrap();
        let decision = evaluate(
            &EffectivePolicy::compile(&view.layers),
            &view.facts,
            &Request::default(),
        );
        assert_eq!(
            decision.codes(),
            vec![gatehouse_policy::Code::NotAllowListed]
        );
    }
}
