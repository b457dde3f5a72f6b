//! The decoded policy bundle of HUB_API.md B1, validated whole, and what it gives each
//! server: its policy layers (mandatory, org, its area, its server override, by its bound
//! name) and its facts from the signed catalog ([`crate::catalog::resolve`]).

use std::collections::{BTreeMap, HashMap};

use gatehouse_policy::{
    Freshness, Layer, Layers, Rules, ServerFacts, StaleMode, Timestamp, normalize_name,
    parse_duration,
};
use serde::Deserialize;
use serde_json::Value;

use crate::catalog::{CatalogEntry, Subject, resolve};
use crate::error::{Error, Result};

/// The bundle schema this build understands.
const SCHEMA: u64 = 1;

/// An area: its policy and the servers it lists.
#[derive(Debug, Clone, PartialEq)]
pub struct Area {
    pub policy: Option<Rules>,
    pub servers: Vec<String>,
}

/// A validated bundle.
#[derive(Debug, Clone)]
pub struct Bundle {
    pub org: String,
    pub serial: u64,
    pub issued_at: Timestamp,
    /// `None`: the bundle sets no limit, it never goes stale.
    pub max_offline_age_secs: Option<i64>,
    pub stale_mode: StaleMode,
    pub mandatory: Option<Rules>,
    pub org_policy: Option<Rules>,
    pub areas: BTreeMap<String, Area>,
    /// Per-server overrides, by normalized name.
    server_rules: HashMap<String, Rules>,
    /// Which area lists a server, by normalized name.
    area_of: HashMap<String, String>,
    /// The catalog's entries, validated.
    catalog: Vec<CatalogEntry>,
    /// Indexes into `catalog` by normalized name.
    by_name: HashMap<String, Vec<usize>>,
    /// Indexes of the entries that list public-registry packages.
    with_packages: Vec<usize>,
    /// The catalog entries as the hub sent them, for the install screen.
    pub catalog_entries: Vec<Value>,
}

#[derive(Deserialize)]
struct Wire {
    schema: u64,
    org: String,
    serial: u64,
    issued_at: String,
    #[serde(default)]
    max_offline_age: Option<String>,
    #[serde(default)]
    stale_mode: Option<String>,
    #[serde(default)]
    mandatory: Option<Value>,
    #[serde(default)]
    org_policy: Option<Value>,
    #[serde(default)]
    areas: BTreeMap<String, WireArea>,
    #[serde(default)]
    servers: BTreeMap<String, Value>,
    #[serde(default)]
    catalog: Vec<Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireArea {
    #[serde(default)]
    policy: Option<Value>,
    #[serde(default)]
    servers: Vec<String>,
}

fn rules(layer: Layer, place: &str, value: Option<&Value>) -> Result<Option<Rules>> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(value) => Rules::from_value(layer, value)
            .map(Some)
            .map_err(|error| Error::Policy {
                place: place.to_owned(),
                error,
            }),
    }
}

impl Bundle {
    /// Parses and validates a payload. Anything wrong rejects the whole bundle: a policy is
    /// never "fixed" into something looser.
    pub fn parse(payload: &[u8]) -> Result<Bundle> {
        // The bounds of POLICY.md section 2, before any parser sees the bytes.
        let text = std::str::from_utf8(payload)
            .map_err(|_| Error::Payload("the payload is not UTF-8".to_owned()))?;
        gatehouse_policy::check_bounds(text).map_err(|e| Error::Payload(e.to_string()))?;
        let wire: Wire =
            serde_json::from_slice(payload).map_err(|e| Error::Payload(e.to_string()))?;
        if wire.schema != SCHEMA {
            return Err(Error::Payload(format!(
                "schema {} is not supported (this build reads {SCHEMA})",
                wire.schema
            )));
        }
        if wire.org.trim().is_empty() {
            return Err(Error::Payload("`org` is empty".to_owned()));
        }
        let issued_at = Timestamp::parse_rfc3339(&wire.issued_at).map_err(|_| {
            Error::Payload(format!(
                "`issued_at` `{}` is not an RFC 3339 time",
                wire.issued_at
            ))
        })?;
        let max_offline_age_secs = match &wire.max_offline_age {
            None => None,
            Some(text) => Some(
                parse_duration(text)
                    .map_err(|e| Error::Payload(format!("`max_offline_age`: {e}")))?,
            ),
        };
        let stale_mode = match &wire.stale_mode {
            None => StaleMode::Keep,
            Some(text) => text.parse().map_err(|_| {
                Error::Payload(format!("`stale_mode` `{text}` is not keep, warn or block"))
            })?,
        };
        let mandatory = rules(Layer::Mandatory, "mandatory", wire.mandatory.as_ref())?;
        let org_policy = rules(Layer::Org, "org_policy", wire.org_policy.as_ref())?;

        let mut areas = BTreeMap::new();
        let mut area_of = HashMap::new();
        for (name, area) in wire.areas {
            let policy = rules(
                Layer::Area,
                &format!("areas.{name}.policy"),
                area.policy.as_ref(),
            )?;
            for server in &area.servers {
                if let Some(other) = area_of.insert(normalize_name(server), name.clone())
                    && other != name
                {
                    return Err(Error::Payload(format!(
                        "`{server}` is listed by two areas, `{other}` and `{name}`"
                    )));
                }
            }
            areas.insert(
                name,
                Area {
                    policy,
                    servers: area.servers,
                },
            );
        }

        let mut server_rules = HashMap::new();
        for (name, value) in &wire.servers {
            let parsed = rules(Layer::Server, &format!("servers.{name}"), Some(value))?;
            if let Some(parsed) = parsed
                && server_rules.insert(normalize_name(name), parsed).is_some()
            {
                return Err(Error::Payload(format!("`servers` names `{name}` twice")));
            }
        }

        let mut catalog = Vec::with_capacity(wire.catalog.len());
        let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
        let mut with_packages = Vec::new();
        for (index, value) in wire.catalog.iter().enumerate() {
            let entry = CatalogEntry::parse(value)
                .map_err(|e| Error::Payload(format!("catalog entry {index}: {e}")))?;
            by_name
                .entry(normalize_name(&entry.name))
                .or_default()
                .push(index);
            if !entry.packages.is_empty() {
                with_packages.push(index);
            }
            catalog.push(entry);
        }

        Ok(Bundle {
            org: wire.org,
            serial: wire.serial,
            issued_at,
            max_offline_age_secs,
            stale_mode,
            mandatory,
            org_policy,
            areas,
            server_rules,
            area_of,
            catalog,
            by_name,
            with_packages,
            catalog_entries: wire.catalog,
        })
    }

    /// The area that governs a server: the one listing it, else the device's configured
    /// area if the bundle defines it, else none.
    /// Only a bound name can be listed: an unbound server gets the device's area.
    pub fn area_for<'a>(
        &'a self,
        name: Option<&str>,
        device_area: Option<&'a str>,
    ) -> Option<&'a str> {
        name.and_then(|name| self.area_of.get(&normalize_name(name)))
            .map(String::as_str)
            .or_else(|| device_area.filter(|area| self.areas.contains_key(*area)))
    }

    /// What decides which layers a server gets beyond the shared ones: its area and whether
    /// it has an override. Servers with equal keys get equal layers, so a caller evaluating
    /// many servers compiles the policy once per key rather than once per server.
    pub fn layer_key(&self, name: Option<&str>, device_area: Option<&str>) -> String {
        let normalized = name.map(normalize_name).unwrap_or_default();
        let area = self.area_for(name, device_area).unwrap_or_default();
        let own = if name.is_some() && self.server_rules.contains_key(&normalized) {
            normalized.as_str()
        } else {
            ""
        };
        format!("{}:{area}|{}:{own}", area.len(), own.len())
    }

    /// Adds this bundle's layers for the server whose bound name is `name` to `layers`
    /// (area membership and per-server rules follow the bound name only).
    pub fn add_layers(&self, layers: &mut Layers, name: Option<&str>, device_area: Option<&str>) {
        self.add_org_layers(layers);
        if let Some(area_name) = self.area_for(name, device_area) {
            self.add_area_layer(layers, area_name);
        }
        if let Some(rules) = name.and_then(|name| self.server_rules.get(&normalize_name(name))) {
            layers.add(Layer::Server, rules.clone());
        }
    }

    /// The servers this bundle has rules for by name: an override of their own, or an area
    /// that lists them; each with that area. Sorted by name (normalized).
    pub fn named_servers(&self) -> Vec<(&str, Option<&str>)> {
        let mut names: Vec<&str> = self
            .server_rules
            .keys()
            .chain(self.area_of.keys())
            .map(String::as_str)
            .collect();
        names.sort_unstable();
        names.dedup();
        names
            .into_iter()
            .map(|name| (name, self.area_of.get(name).map(String::as_str)))
            .collect()
    }

    /// The layers every server of the org shares: the mandatory and org policies.
    pub fn add_org_layers(&self, layers: &mut Layers) {
        if let Some(mandatory) = &self.mandatory {
            layers.add(Layer::Mandatory, mandatory.clone());
        }
        if let Some(org) = &self.org_policy {
            layers.add(Layer::Org, org.clone());
        }
    }

    /// Area `area_name`'s policy, if it has one, labelled with the area's name.
    pub fn add_area_layer(&self, layers: &mut Layers, area_name: &str) {
        if let Some(policy) = self
            .areas
            .get(area_name)
            .and_then(|area| area.policy.clone())
        {
            layers.add(Layer::Area, policy);
        }
        layers.set_label(Layer::Area, area_name);
    }

    /// The signed catalog's facts for `subject` ([`crate::catalog::resolve`]).
    pub fn resolve(&self, subject: &Subject<'_>) -> ServerFacts {
        let mut indexes: Vec<usize> = subject
            .names()
            .iter()
            .filter_map(|name| self.by_name.get(name))
            .flatten()
            .copied()
            .collect();
        if subject.needs_packages() {
            indexes.extend(&self.with_packages);
        }
        indexes.sort_unstable();
        indexes.dedup();
        resolve(indexes.iter().filter_map(|i| self.catalog.get(*i)), subject)
    }

    /// The catalog's entries, validated, in order.
    pub fn catalog(&self) -> &[CatalogEntry] {
        &self.catalog
    }

    /// The catalog entry for exactly `name` at `version`, if any.
    pub fn entry(&self, name: &str, version: &str) -> Option<&CatalogEntry> {
        self.by_name
            .get(&normalize_name(name))
            .into_iter()
            .flatten()
            .filter_map(|i| self.catalog.get(*i))
            .find(|entry| entry.version == version)
    }

    /// The certified versions the catalog lists for `name`, for offering to pin one.
    pub fn catalog_versions(&self, name: &str) -> Vec<&str> {
        self.by_name
            .get(&normalize_name(name))
            .into_iter()
            .flatten()
            .filter_map(|i| self.catalog.get(*i))
            .map(|entry| entry.version.as_str())
            .collect()
    }

    /// How fresh the bundle is, given when the hub last confirmed it.
    pub fn freshness(&self, verified_at: Timestamp) -> Option<Freshness> {
        self.max_offline_age_secs
            .map(|max_offline_age_secs| Freshness {
                verified_at,
                max_offline_age_secs,
                stale_mode: self.stale_mode,
            })
    }
}

#[cfg(test)]
mod tests {
    use gatehouse_policy::{EffectivePolicy, Request, Verdict, evaluate};
    use serde_json::json;

    use super::*;

    fn payload(extra: Value) -> Vec<u8> {
        let mut base = json!({
            "schema": 1, "org": "acme-corp", "serial": 42, "issued_at": "2026-11-20T10:00:00Z",
            "max_offline_age": "7d", "stale_mode": "keep",
            "mandatory": {"min_cert_level": 1},
            "org_policy": {"min_cert_level": 1, "allowed_origins": ["official", "verified", "community"]},
            "areas": {"production-services": {
                "policy": {"min_cert_level": 2, "allowed_origins": ["official", "verified"]},
                "servers": ["@acme-corp/database-connector"]}},
            "servers": {"@acme-corp/database-connector": {"min_cert_level": 3}},
            "catalog": [{"name": "@acme-corp/database-connector", "version": "1.2.0", "digest": DIGEST,
                         "origin": "verified", "cert_level": 2, "score": 84, "status": "published"}]
        });
        if let (Value::Object(base), Value::Object(extra)) = (&mut base, extra) {
            base.extend(extra);
        }
        base.to_string().into_bytes()
    }

    /// The digest the example catalog certifies `@acme-corp/database-connector` 1.2.0 for.
    const DIGEST: &str = "sha256:abababababababababababababababababababababababababababababababab";

    /// The facts of a registry install of `name` at `version` from the bytes `digest`.
    fn installed(bundle: &Bundle, name: &str, version: &str, digest: &str) -> ServerFacts {
        bundle.resolve(&Subject {
            binding: crate::catalog::Binding::Registry {
                name,
                version,
                digest,
            },
            claims: &[],
        })
    }

    fn decide(
        bundle: &Bundle,
        name: &str,
        version: &str,
        area: Option<&str>,
    ) -> gatehouse_policy::Decision {
        let mut layers = Layers::new();
        bundle.add_layers(&mut layers, Some(name), area);
        evaluate(
            &EffectivePolicy::compile(&layers),
            &installed(bundle, name, version, DIGEST),
            &Request::default(),
        )
    }

    #[test]
    fn the_hub_api_example_parses_and_decides() {
        let bundle = Bundle::parse(&payload(json!({}))).unwrap();
        assert_eq!((bundle.org.as_str(), bundle.serial), ("acme-corp", 42));
        assert_eq!(bundle.max_offline_age_secs, Some(7 * 86_400));
        let decision = decide(&bundle, "@acme-corp/database-connector", "1.2.0", None);
        assert_eq!(
            decision.verdict,
            Verdict::Block,
            "the server override asks for level 3; it is 2"
        );
        assert_eq!(decision.violations[0].layer, Layer::Server);
        assert_eq!(decision.violations[0].layer_label, None);
    }

    #[test]
    fn catalog_facts_need_the_exact_version() {
        let bundle = Bundle::parse(&payload(json!({}))).unwrap();
        let known = installed(&bundle, "acme-corp/Database-Connector", "1.2.0", DIGEST);
        assert_eq!(
            (known.cert_level, known.score),
            (Some(2), Some(84)),
            "names compare normalized"
        );
        let other = installed(&bundle, "@acme-corp/database-connector", "1.3.0", DIGEST);
        assert_eq!(
            other.cert_level, None,
            "another version is not certified by this entry"
        );
        let elsewhere = format!("sha256:{}", "0".repeat(64));
        let forged = installed(
            &bundle,
            "@acme-corp/database-connector",
            "1.2.0",
            &elsewhere,
        );
        assert_eq!(
            (forged.name, forged.cert_level),
            (None, None),
            "other bytes under the certified name and version borrow no facts"
        );
    }

    #[test]
    fn the_device_area_applies_to_servers_no_area_lists() {
        let bundle = Bundle::parse(&payload(json!({}))).unwrap();
        assert_eq!(
            bundle.area_for(Some("@x/y"), Some("production-services")),
            Some("production-services")
        );
        assert_eq!(
            bundle.area_for(Some("@x/y"), Some("nowhere")),
            None,
            "an undefined area gives no layer"
        );
        let mut layers = Layers::new();
        bundle.add_layers(&mut layers, Some("@x/y"), Some("production-services"));
        assert_eq!(
            layers.label(Layer::Area),
            Some("production-services"),
            "messages name the area"
        );
    }

    #[test]
    fn anything_invalid_rejects_the_whole_bundle() {
        let cases = [
            json!({"schema": 2}),
            json!({"org": ""}),
            json!({"issued_at": "yesterday"}),
            json!({"max_offline_age": "a week"}),
            json!({"stale_mode": "sometimes"}),
            json!({"org_policy": {"min_cert_level": 7}}),
            json!({"mandatory": {"cert_mode": "strcit"}}),
            json!({"servers": {"@a/b": {"allowed_origins": ["offical"]}}}),
            json!({"areas": {"a": {"servers": ["@x/y"]}, "b": {"servers": ["x/Y"]}}}),
            json!({"areas": {"a": {"servers": [], "extra": 1}}}),
            json!({"catalog": [{"name": "@a/b"}]}),
            json!({"catalog": [{"name": "@a/b", "version": "1", "digest": "sha256:xyz"}]}),
            json!({"catalog": [{"name": "@a/b", "version": "1", "packages": [{"registryType": "npm",
                   "identifier": "@a/b", "version": "1", "fileSha256": "short"}]}]}),
        ];
        for case in cases {
            assert!(
                Bundle::parse(&payload(case.clone())).is_err(),
                "must be refused: {case}"
            );
        }
        assert!(Bundle::parse(b"[]").is_err());
    }

    #[test]
    fn no_max_offline_age_never_goes_stale() {
        let mut value: Value = serde_json::from_slice(&payload(json!({}))).unwrap();
        value.as_object_mut().unwrap().remove("max_offline_age");
        let bundle = Bundle::parse(value.to_string().as_bytes()).unwrap();
        assert_eq!(bundle.freshness(Timestamp(0)), None);
    }
}
