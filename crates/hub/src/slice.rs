//! The launch path's slice of a stored bundle: the layers and facts of ONE server, read from
//! the verified payload without building the whole bundle.
//!
//! A bundle is validated whole when it is accepted ([`crate::Bundle::parse`]); what is
//! stored is exactly those signed bytes, re-verified on every load. So a launch only needs
//! the parts that concern its server: policy objects are read with their allow and deny
//! lists narrowed to the entries that may match the server's name, and the catalog is
//! searched without parsing every entry. A 10,000-entry policy then costs a scan, not a
//! compile.

use std::borrow::Cow;
use std::collections::BTreeMap;

use gatehouse_policy::{
    Layer, Layers, Rules, ServerFacts, StaleMode, normalize_name, parse_duration, pattern_may_match,
};
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

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
    version: Option<Cow<'a, str>>,
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

/// Reads what `payload` (a verified bundle) says about the server `name` at `version`.
pub fn server_slice(
    payload: &[u8],
    name: &str,
    version: Option<&str>,
    device_area: Option<&str>,
) -> Result<ServerSlice> {
    let view: View<'_> =
        serde_json::from_slice(payload).map_err(|e| Error::Payload(e.to_string()))?;
    let mut layers = Layers::new();
    if let Some(raw) = view.mandatory {
        layers.add(
            Layer::Mandatory,
            narrowed(Layer::Mandatory, "mandatory", raw, name)?,
        );
    }
    if let Some(raw) = view.org_policy {
        layers.add(Layer::Org, narrowed(Layer::Org, "org_policy", raw, name)?);
    }
    let normalized = normalize_name(name);
    let listed = view
        .areas
        .iter()
        .find(|(_, area)| {
            area.servers
                .iter()
                .any(|server| normalize_name(server) == normalized)
        })
        .map(|(area_name, _)| area_name.as_ref());
    let area_name = listed.or_else(|| device_area.filter(|area| view.areas.contains_key(*area)));
    if let Some(area_name) = area_name {
        if let Some(raw) = view.areas.get(area_name).and_then(|area| area.policy) {
            layers.add(Layer::Area, narrowed(Layer::Area, area_name, raw, name)?);
        }
        layers.set_label(Layer::Area, area_name);
    }
    if let Some((key, raw)) = view
        .servers
        .iter()
        .find(|(key, _)| normalize_name(key) == normalized)
    {
        layers.add(Layer::Server, narrowed(Layer::Server, key, raw, name)?);
    }
    let facts = catalog_facts(&view.catalog, name, version)?;
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

/// A policy object with its allow and deny lists narrowed to the entries that may match
/// `name`. A non-empty allow list that keeps nothing keeps one entry (which does not
/// match), so it still excludes the server instead of becoming "no restriction".
fn narrowed(layer: Layer, place: &str, raw: &RawValue, name: &str) -> Result<Rules> {
    let object: BTreeMap<Cow<'_, str>, &RawValue> =
        serde_json::from_str(raw.get()).map_err(|e| Error::Payload(format!("`{place}`: {e}")))?;
    let mut narrowed = serde_json::Map::new();
    for (key, value) in object {
        let parsed = if key == "allow_list" || key == "deny_list" {
            let entries: Vec<Cow<'_, str>> = serde_json::from_str(value.get())
                .map_err(|e| Error::Payload(format!("`{place}.{key}`: {e}")))?;
            let mut kept: Vec<Value> = entries
                .iter()
                .filter(|entry| pattern_may_match(entry, name))
                .map(|entry| Value::String(entry.to_string()))
                .collect();
            if kept.is_empty() && key == "allow_list" {
                kept.extend(
                    entries
                        .first()
                        .map(|entry| Value::String(entry.to_string())),
                );
            }
            Value::Array(kept)
        } else {
            serde_json::from_str(value.get())
                .map_err(|e| Error::Payload(format!("`{place}.{key}`: {e}")))?
        };
        narrowed.insert(key.into_owned(), parsed);
    }
    Rules::from_value(layer, &Value::Object(narrowed)).map_err(|error| Error::Policy {
        place: place.to_owned(),
        error,
    })
}

/// The catalog's facts for exactly `name` at `version`; uncertified community otherwise.
fn catalog_facts(catalog: &[&RawValue], name: &str, version: Option<&str>) -> Result<ServerFacts> {
    let normalized = normalize_name(name);
    if let Some(version) = version {
        for raw in catalog {
            let key: CatalogKey<'_> =
                serde_json::from_str(raw.get()).map_err(|e| Error::Payload(e.to_string()))?;
            if key.version.as_deref() == Some(version) && normalize_name(&key.name) == normalized {
                let value: Value =
                    serde_json::from_str(raw.get()).map_err(|e| Error::Payload(e.to_string()))?;
                let mut facts =
                    ServerFacts::from_value(&value).map_err(|e| Error::Payload(e.to_string()))?;
                facts.name = name.to_owned();
                return Ok(facts);
            }
        }
    }
    let mut facts = ServerFacts::named(name);
    facts.version = version.map(str::to_owned);
    Ok(facts)
}

#[cfg(test)]
mod tests {
    use gatehouse_policy::{EffectivePolicy, Request, evaluate};
    use serde_json::json;

    use super::*;
    use crate::Bundle;

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
                {"name": "@acme/db", "version": "1.0.0", "origin": "verified", "cert_level": 2, "score": 85},
                {"name": "@acme/old", "version": "1.0.0", "origin": "official", "cert_level": 3, "score": 99},
                {"name": "@tools/hammer", "version": "2.0.0", "origin": "community", "cert_level": 1, "score": 60},
                {"name": "@evil/x", "version": "1.0.0", "origin": "official", "cert_level": 3, "score": 99}
            ]
        })
        .to_string()
        .into_bytes();
        let bundle = Bundle::parse(&payload).unwrap();
        let servers = [
            ("@acme/db", Some("1.0.0")),
            ("@acme/old", Some("1.0.0")),
            ("@tools/hammer", Some("2.0.0")),
            ("@tools/hammer", Some("1.0.0")),
            ("@tools/saw", None),
            ("@evil/x", Some("1.0.0")),
            ("@other/thing", Some("1.0.0")),
            ("ACME/DB", Some("1.0.0")),
        ];
        for area in [None, Some("prod"), Some("nowhere")] {
            for (name, version) in servers {
                let mut full_layers = Layers::new();
                bundle.add_layers(&mut full_layers, name, area);
                let full = evaluate(
                    &EffectivePolicy::compile(&full_layers),
                    &bundle.facts_for(name, version),
                    &Request::default(),
                );
                let view = server_slice(&payload, name, version, area).unwrap();
                let fast = evaluate(
                    &EffectivePolicy::compile(&view.layers),
                    &view.facts,
                    &Request::default(),
                );
                assert_eq!(fast, full, "{name} {version:?} in area {area:?}");
            }
        }
    }

    #[test]
    fn an_allow_list_that_keeps_nothing_still_excludes() {
        let payload = br#"{"schema":1,"org":"a","serial":1,"issued_at":"2026-11-20T10:00:00Z",
            "org_policy":{"allow_list":["@x/one","@x/two"]}}"#;
        let view = server_slice(payload, "@y/three", None, None).unwrap();
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
