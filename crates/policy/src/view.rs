//! How the effective policy is read from outside: accessors for every effective value with
//! its provenance, and the serialized form `policy show` and the policy view display.

use serde::ser::{Serialize, SerializeStruct, Serializer};
use serde_json::json;

use crate::freshness::Freshness;
use crate::layer::Layer;
use crate::merge::{Diagnostic, EffectivePolicy, Sourced};
use crate::mode::Mode;
use crate::origin::OriginSet;

impl EffectivePolicy {
    /// The effective `min_cert_level` with the layer that set the highest one.
    pub fn min_cert_level(&self) -> Option<Sourced<u8>> {
        self.min_cert_level
    }

    /// The effective `min_score` with the layer that set the highest one.
    pub fn min_score(&self) -> Option<Sourced<u8>> {
        self.min_score
    }

    /// The effective `allowed_origins` (the intersection), if any layer sets it.
    pub fn allowed_origins(&self) -> Option<OriginSet> {
        self.origin_lists
            .iter()
            .map(|(_, origins)| *origins)
            .reduce(OriginSet::intersection)
    }

    /// The layers that set `allowed_origins`, with their own lists, most authoritative first.
    pub fn origin_lists(&self) -> &[(Layer, OriginSet)] {
        &self.origin_lists
    }

    /// The layers whose non-empty allow list a server must match, with each list's size.
    pub fn allow_lists(&self) -> Vec<(Layer, usize)> {
        self.allow_lists
            .iter()
            .map(|(layer, set)| (*layer, set.len()))
            .collect()
    }

    /// The number of deny-list entries over all layers.
    pub fn deny_list_len(&self) -> usize {
        self.deny_list.len()
    }

    /// The mode governing the origin and cert-level checks.
    pub fn cert_mode(&self) -> Sourced<Mode> {
        self.cert_mode
    }

    /// The mode governing the score check.
    pub fn score_mode(&self) -> Sourced<Mode> {
        self.score_mode
    }

    /// Whether `--force` overrides are permitted, and which layer decided.
    pub fn allow_force(&self) -> Sourced<bool> {
        self.allow_force
    }

    /// The clamp diagnostics of the merge.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// The freshness attached with [`EffectivePolicy::with_freshness`].
    pub fn freshness(&self) -> Option<Freshness> {
        self.freshness
    }

    /// The label of a layer (such as an area's name), if the layers carried one.
    pub fn label(&self, layer: Layer) -> Option<&str> {
        self.labels.get(&layer).map(String::as_str)
    }
}

impl Serialize for EffectivePolicy {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let origin_lists: Vec<_> = self
            .origin_lists
            .iter()
            .map(|(layer, origins)| json!({"layer": layer, "origins": origins}))
            .collect();
        let allow_lists: Vec<_> = self
            .allow_lists()
            .into_iter()
            .map(|(layer, entries)| json!({"layer": layer, "entries": entries}))
            .collect();
        let mut out = serializer.serialize_struct("EffectivePolicy", 11)?;
        out.serialize_field("min_cert_level", &self.min_cert_level)?;
        out.serialize_field("min_score", &self.min_score)?;
        out.serialize_field(
            "allowed_origins",
            &json!({"value": self.allowed_origins(), "lists": origin_lists}),
        )?;
        out.serialize_field("allow_lists", &allow_lists)?;
        out.serialize_field("deny_list", &json!({"entries": self.deny_list.len()}))?;
        out.serialize_field("cert_mode", &self.cert_mode)?;
        out.serialize_field("score_mode", &self.score_mode)?;
        out.serialize_field("allow_force", &self.allow_force)?;
        out.serialize_field(
            "mandatory",
            &json!({
                "min_cert_level": self.mandatory.min_cert_level,
                "min_score": self.mandatory.min_score,
                "allowed_origins": self.mandatory.allowed_origins,
            }),
        )?;
        out.serialize_field("freshness", &self.freshness)?;
        out.serialize_field("diagnostics", &self.diagnostics)?;
        out.end()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use crate::{EffectivePolicy, Layers};

    #[test]
    fn the_summary_carries_provenance() {
        let layers = Layers::from_yaml_str(
            "mandatory: {min_cert_level: 1}\norg: {min_cert_level: 2, allowed_origins: [official]}\narea: {min_score: 5, allow_list: ['@a/*']}",
        )
        .unwrap_or_default();
        let summary = serde_json::to_value(EffectivePolicy::compile(&layers)).unwrap_or_default();
        assert_eq!(
            summary["min_cert_level"],
            serde_json::json!({"value": 2, "layer": "org"}),
            "the policy view shows each value with the layer that set it"
        );
        assert_eq!(
            summary["allowed_origins"]["value"],
            serde_json::json!(["official"])
        );
        assert_eq!(summary["allow_lists"][0]["layer"], "area");
        assert_eq!(
            summary["cert_mode"]["layer"], "org",
            "org's rules imply strict"
        );
        assert_eq!(summary["mandatory"]["min_cert_level"], 1);
        assert_eq!(
            summary["freshness"],
            Value::Null,
            "no hub snapshot attached"
        );
    }
}
