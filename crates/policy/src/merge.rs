//! The merge of layers into one effective policy (`POLICY.md` section 3): a child layer can
//! only make things stricter. Compile once, evaluate many times.
//!
//! Every effective value remembers the layer that set it, so violations can name it. When a
//! less authoritative layer asks for something looser than what is already in force, the
//! looser value is ignored and a clamp diagnostic records it.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::freshness::Freshness;
use crate::layer::Layer;
use crate::layers::Layers;
use crate::mode::Mode;
use crate::origin::OriginSet;
use crate::pattern::PatternSet;

/// A value together with the layer that set it (its provenance).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Sourced<T> {
    /// The effective value.
    pub value: T,
    /// The layer that set it; `platform` for a built-in default.
    pub layer: Layer,
}

/// Something the merge noticed that does not fail the policy.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Diagnostic {
    /// A layer asked for a looser value than the one in force; the looser value was ignored.
    Clamp {
        /// The layer whose value was ignored.
        layer: Layer,
        /// The canonical key.
        key: String,
        /// What the layer asked for.
        asked: Value,
        /// What stays in force.
        kept: Value,
    },
}

/// The mandatory layer's own rules, checked on their own before the merged ones: breaking
/// one blocks whatever the modes say, and `--force` cannot lift it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct MandatoryRules {
    pub min_cert_level: Option<u8>,
    pub min_score: Option<u8>,
    pub allowed_origins: Option<OriginSet>,
}

/// The compiled merge of a set of layers.
#[derive(Debug, Clone)]
pub struct EffectivePolicy {
    pub(crate) mandatory: MandatoryRules,
    pub(crate) min_cert_level: Option<Sourced<u8>>,
    pub(crate) min_score: Option<Sourced<u8>>,
    /// Each layer's own `allowed_origins`, most authoritative first; the effective set is
    /// their intersection, and the first list that excludes an origin is its provenance.
    pub(crate) origin_lists: Vec<(Layer, OriginSet)>,
    /// One compiled set per layer with a non-empty allow list: a server must match each.
    pub(crate) allow_lists: Vec<(Layer, PatternSet)>,
    /// The union of all deny lists; each entry keeps its most authoritative layer.
    pub(crate) deny_list: PatternSet,
    pub(crate) cert_mode: Sourced<Mode>,
    pub(crate) score_mode: Sourced<Mode>,
    pub(crate) allow_force: Sourced<bool>,
    pub(crate) diagnostics: Vec<Diagnostic>,
    pub(crate) labels: BTreeMap<Layer, String>,
    pub(crate) freshness: Option<Freshness>,
}

impl EffectivePolicy {
    /// Merges the layers. Layers are visited in authority order, so the result does not
    /// depend on how the caller assembled them.
    pub fn compile(layers: &Layers) -> EffectivePolicy {
        let mut merge = Merge {
            deny_list: PatternSet::folding(),
            ..Merge::default()
        };
        for (layer, rules) in layers.iter() {
            merge.add(layer, rules);
        }
        // Several mandatory objects (managed settings and hub) act as one: the highest
        // minimums and the intersection of origin lists.
        let mandatory =
            layers
                .get(Layer::Mandatory)
                .iter()
                .fold(MandatoryRules::default(), |kept, rules| MandatoryRules {
                    min_cert_level: kept.min_cert_level.max(rules.min_cert_level()),
                    min_score: kept.min_score.max(rules.min_score()),
                    allowed_origins: match (kept.allowed_origins, rules.allowed_origins()) {
                        (Some(a), Some(b)) => Some(a.intersection(b)),
                        (a, b) => a.or(b),
                    },
                });
        let default_mode = Sourced {
            value: Mode::Strict,
            layer: Layer::Platform,
        };
        EffectivePolicy {
            mandatory,
            min_cert_level: merge.min_cert_level,
            min_score: merge.min_score,
            origin_lists: merge.origin_lists,
            allow_lists: merge.allow_lists,
            deny_list: merge.deny_list,
            cert_mode: merge.cert_mode.unwrap_or(default_mode),
            score_mode: merge.score_mode.unwrap_or(default_mode),
            allow_force: merge
                .allow_force_false
                .or(merge.allow_force_true)
                .unwrap_or(Sourced {
                    value: true,
                    layer: Layer::Platform,
                }),
            diagnostics: merge.diagnostics,
            labels: layers.labels().clone(),
            freshness: None,
        }
    }

    /// The same policy, with the freshness of the hub snapshot it came from.
    #[must_use]
    pub fn with_freshness(mut self, freshness: Freshness) -> EffectivePolicy {
        self.freshness = Some(freshness);
        self
    }
}

/// The running state of a merge in authority order: what is in force so far.
#[derive(Debug, Default)]
struct Merge {
    min_cert_level: Option<Sourced<u8>>,
    min_score: Option<Sourced<u8>>,
    origin_lists: Vec<(Layer, OriginSet)>,
    allow_lists: Vec<(Layer, PatternSet)>,
    deny_list: PatternSet,
    cert_mode: Option<Sourced<Mode>>,
    score_mode: Option<Sourced<Mode>>,
    allow_force_false: Option<Sourced<bool>>,
    allow_force_true: Option<Sourced<bool>>,
    diagnostics: Vec<Diagnostic>,
}

impl Merge {
    /// Adds one layer; layers must come most authoritative first.
    fn add(&mut self, layer: Layer, rules: &crate::rules::Rules) {
        if let Some(asked) = rules.min_cert_level() {
            raise(
                &mut self.min_cert_level,
                &mut self.diagnostics,
                layer,
                "min_cert_level",
                asked,
            );
        }
        if let Some(asked) = rules.min_score() {
            raise(
                &mut self.min_score,
                &mut self.diagnostics,
                layer,
                "min_score",
                asked,
            );
        }
        if let Some(origins) = rules.allowed_origins() {
            self.origin_lists.push((layer, origins));
        }
        if let Some(patterns) = rules.allow_list().filter(|patterns| !patterns.is_empty()) {
            let mut set = PatternSet::default();
            for pattern in patterns {
                set.insert(pattern, layer);
            }
            self.allow_lists.push((layer, set));
        }
        for pattern in rules.deny_list().unwrap_or_default() {
            self.deny_list.insert(pattern, layer);
        }
        // The mandatory layer always blocks, so its modes play no part (POLICY.md section 3).
        if layer != Layer::Mandatory {
            self.add_modes(layer, rules);
        }
        if let Some(asked) = rules.allow_force() {
            if !asked {
                self.allow_force_false.get_or_insert(Sourced {
                    value: false,
                    layer,
                });
            } else if let Some(kept) = self.allow_force_false {
                self.diagnostics.push(clamp(
                    layer,
                    "allow_force",
                    Value::Bool(true),
                    Value::Bool(kept.value),
                ));
            } else {
                self.allow_force_true
                    .get_or_insert(Sourced { value: true, layer });
            }
        }
    }

    fn add_modes(&mut self, layer: Layer, rules: &crate::rules::Rules) {
        for (key, own, explicit) in [
            ("cert_mode", rules.own_cert_mode(), rules.cert_mode()),
            ("score_mode", rules.own_score_mode(), rules.score_mode()),
        ] {
            let in_force = if key == "cert_mode" {
                &mut self.cert_mode
            } else {
                &mut self.score_mode
            };
            if let (Some(asked), Some(kept)) = (explicit, *in_force)
                && asked < kept.value
            {
                self.diagnostics.push(clamp(
                    layer,
                    key,
                    Value::from(asked.name()),
                    Value::from(kept.value.name()),
                ));
            }
            if let Some(own) = own {
                // Strictly stricter only: on a tie the more authoritative layer keeps it.
                if in_force.is_none_or(|kept| own > kept.value) {
                    *in_force = Some(Sourced { value: own, layer });
                }
            }
        }
    }
}

/// Merges a minimum: the maximum wins, the most authoritative layer on a tie, and a lower
/// value than the one in force is a clamp.
fn raise(
    in_force: &mut Option<Sourced<u8>>,
    diagnostics: &mut Vec<Diagnostic>,
    layer: Layer,
    key: &str,
    asked: u8,
) {
    match *in_force {
        Some(kept) if asked < kept.value => {
            diagnostics.push(clamp(
                layer,
                key,
                Value::from(asked),
                Value::from(kept.value),
            ));
        }
        Some(kept) if asked == kept.value => {}
        _ => {
            *in_force = Some(Sourced {
                value: asked,
                layer,
            })
        }
    }
}

fn clamp(layer: Layer, key: &str, asked: Value, kept: Value) -> Diagnostic {
    Diagnostic::Clamp {
        layer,
        key: key.to_owned(),
        asked,
        kept,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compile(yaml: &str) -> EffectivePolicy {
        let layers = Layers::from_yaml_str(yaml);
        assert!(layers.is_ok(), "test layers must be valid: {layers:?}");
        EffectivePolicy::compile(&layers.unwrap_or_default())
    }

    fn clamps(policy: &EffectivePolicy) -> Vec<(Layer, String)> {
        policy
            .diagnostics()
            .iter()
            .map(|Diagnostic::Clamp { layer, key, .. }| (*layer, key.clone()))
            .collect()
    }

    #[test]
    fn minimums_take_the_maximum_with_provenance() {
        let policy = compile(
            "org: {min_cert_level: 2}\narea: {min_cert_level: 2}\nlocal: {min_cert_level: 1}",
        );
        assert_eq!(
            policy.min_cert_level(),
            Some(Sourced {
                value: 2,
                layer: Layer::Org
            }),
            "on a tie the most authoritative layer is the provenance"
        );
        assert_eq!(
            clamps(&policy),
            vec![(Layer::Local, "min_cert_level".to_owned())],
            "only the lower value is a clamp; an equal one is not"
        );
    }

    #[test]
    fn modes_are_the_strictest_own_mode_of_non_mandatory_layers() {
        let policy = compile(
            "mandatory: {cert_mode: disabled}\norg: {min_score: 10}\narea: {cert_mode: warn}",
        );
        assert_eq!(
            policy.cert_mode(),
            Sourced {
                value: Mode::Warn,
                layer: Layer::Area
            },
            "org sets no cert rule, so it has no cert mode; mandatory's modes play no part"
        );
        assert_eq!(
            policy.score_mode(),
            Sourced {
                value: Mode::Strict,
                layer: Layer::Org
            },
            "org's min_score implies strict, and area cannot loosen it"
        );
        assert!(
            clamps(&policy).is_empty(),
            "area's warn is not below any cert mode in force"
        );
    }

    #[test]
    fn looser_modes_are_clamped_only_when_set_explicitly() {
        let policy = compile(
            "org: {min_score: 70, min_cert_level: 1}\narea: {cert_mode: warn, score_mode: disabled}",
        );
        assert_eq!(
            clamps(&policy),
            vec![
                (Layer::Area, "cert_mode".to_owned()),
                (Layer::Area, "score_mode".to_owned())
            ],
            "both modes ask for less than org's implied strict"
        );
        let Some(Diagnostic::Clamp { asked, kept, .. }) = policy.diagnostics().first() else {
            panic!("a clamp was just checked to exist");
        };
        assert_eq!(
            (asked.as_str(), kept.as_str()),
            (Some("warn"), Some("strict"))
        );
    }

    #[test]
    fn no_mode_anywhere_means_strict() {
        let policy = compile("local: {deny_list: ['@a/b']}");
        assert_eq!(
            policy.cert_mode().value,
            Mode::Strict,
            "POLICY.md: no mode anywhere is strict"
        );
        assert_eq!(
            policy.cert_mode().layer,
            Layer::Platform,
            "the default comes from the platform"
        );
    }

    #[test]
    fn allow_force_is_a_logical_and_with_provenance() {
        let policy = compile(
            "org: {allow_force: true}\narea: {allow_force: false}\nlocal: {allow_force: true}",
        );
        assert_eq!(
            policy.allow_force(),
            Sourced {
                value: false,
                layer: Layer::Area
            },
            "the most authoritative layer that forbids force is the provenance"
        );
        assert_eq!(
            clamps(&policy),
            vec![(Layer::Local, "allow_force".to_owned())]
        );
    }

    #[test]
    fn two_mandatory_objects_act_as_one_stricter_one() {
        let mut layers = Layers::new();
        for yaml in [
            "{min_cert_level: 2, allowed_origins: [official, verified]}",
            "{min_cert_level: 1, allowed_origins: [verified, community]}",
        ] {
            let value = crate::layers::parse_document(yaml).unwrap_or_default();
            let rules = crate::Rules::from_value(Layer::Mandatory, &value);
            layers.add(Layer::Mandatory, rules.unwrap_or_default());
        }
        let policy = EffectivePolicy::compile(&layers);
        assert_eq!(
            policy.mandatory.min_cert_level,
            Some(2),
            "the higher minimum wins"
        );
        assert_eq!(
            policy
                .mandatory
                .allowed_origins
                .map(|set| set.iter().collect::<Vec<_>>()),
            Some(vec![crate::Origin::Verified]),
            "only origins both objects allow stay allowed"
        );
        assert_eq!(
            clamps(&policy),
            vec![(Layer::Mandatory, "min_cert_level".to_owned())],
            "the looser second object is reported like any lower layer"
        );
    }

    #[test]
    fn lists_never_clamp() {
        let policy = compile(
            "org: {allowed_origins: [official]}\narea: {allowed_origins: [official, community], allow_list: []}",
        );
        assert!(
            clamps(&policy).is_empty(),
            "a child's wider list simply has no effect"
        );
        assert_eq!(
            policy.allowed_origins().map(|set| set.iter().count()),
            Some(1)
        );
        assert!(
            policy.allow_lists().is_empty(),
            "an empty allow list puts no restriction"
        );
    }
}
