//! Properties of the merge and of validation that no list of examples can pin down:
//! adding a layer never loosens a decision, the merge does not depend on the order layers
//! are given in, and validation never panics whatever it is fed.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

use gatehouse_policy::{
    Decision, EffectivePolicy, Layer, Layers, Request, Rules, ServerFacts, evaluate, run_corpus_str,
};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

/// The layers a policy may set rules in (platform is always empty).
const RULE_LAYERS: [Layer; 5] = [
    Layer::Mandatory,
    Layer::Org,
    Layer::Area,
    Layer::Server,
    Layer::Local,
];

const PATTERNS: [&str; 8] = [
    "@a/*",
    "@a/b",
    "@a/b@1.0.0",
    "b/c",
    "*",
    "a*",
    "@c/d@2.0.0",
    "@A/X",
];
const NAMES: [&str; 5] = ["@a/b", "@b/c", "@c/d", "@a/x", "zeta/q"];
const ORIGINS: [&str; 3] = ["official", "verified", "community"];
const MODES: [&str; 3] = ["strict", "warn", "disabled"];

fn subset_of(items: &'static [&'static str], max: usize) -> impl Strategy<Value = Value> {
    proptest::sample::subsequence(items, 0..=max).prop_map(|picked| json!(picked))
}

/// A value in about one case out of four: most layers set few keys, so a decision is often
/// not already blocked for some unrelated reason and a loosening would show.
fn sometimes<S: Strategy>(strategy: S) -> impl Strategy<Value = Option<S::Value>> {
    proptest::option::weighted(0.25, strategy)
}

/// A valid policy object: each key present or not, with a valid value.
fn rules_value() -> impl Strategy<Value = Value> {
    (
        sometimes(0u8..=3),
        sometimes(0u8..=100),
        sometimes(subset_of(&ORIGINS, 3)),
        sometimes(subset_of(&PATTERNS, 3)),
        sometimes(subset_of(&PATTERNS, 3)),
        sometimes((
            proptest::sample::select(vec!["cert_mode", "mode", "cert_level_mode"]),
            proptest::sample::select(MODES.to_vec()),
        )),
        sometimes(proptest::sample::select(MODES.to_vec())),
        sometimes(any::<bool>()),
    )
        .prop_map(
            |(level, score, origins, allow, deny, cert_mode, score_mode, force)| {
                let mut map = Map::new();
                let mut put = |key: &str, value: Option<Value>| {
                    if let Some(value) = value {
                        map.insert(key.to_owned(), value);
                    }
                };
                put("min_cert_level", level.map(Value::from));
                put("min_score", score.map(Value::from));
                put("allowed_origins", origins);
                put("allow_list", allow);
                put("deny_list", deny);
                if let Some((key, mode)) = cert_mode {
                    put(key, Some(Value::from(mode)));
                }
                put("score_mode", score_mode.map(Value::from));
                put("allow_force", force.map(Value::from));
                Value::Object(map)
            },
        )
}

fn facts() -> impl Strategy<Value = ServerFacts> {
    (
        proptest::sample::select(NAMES.to_vec()),
        proptest::option::of(proptest::sample::select(vec!["1.0.0", "2.0.0"])),
        proptest::option::of(proptest::sample::select(vec![
            "official",
            "verified",
            "community",
            "other",
        ])),
        proptest::option::of(0u8..=3),
        proptest::option::of(0u8..=100),
        proptest::option::of(proptest::sample::select(vec![
            "published",
            "deprecated",
            "quarantined",
            "revoked",
        ])),
    )
        .prop_map(|(name, version, origin, level, score, status)| {
            let value = json!({
                "name": name, "version": version, "origin": origin,
                "cert_level": level, "score": score, "status": status,
            });
            ServerFacts::from_value(&value).expect("generated facts have a name")
        })
}

/// A request that passes validation: no force, or force with at least one override.
fn request() -> impl Strategy<Value = Request> {
    (
        any::<bool>(),
        proptest::option::of((proptest::option::of(0u8..=3), subset_of(&ORIGINS, 2))),
    )
        .prop_filter_map("force needs an override", |(trust, forced)| {
            let mut value = json!({ "trust": trust });
            if let Some((level, origins)) = forced {
                value["force"] = json!(true);
                value["override_min_cert_level"] = json!(level);
                value["override_allow_origins"] = origins;
            }
            Request::from_value(&value).ok()
        })
}

/// Up to five layers with valid rules, as (layer, policy object) pairs.
fn layer_values() -> impl Strategy<Value = Vec<(Layer, Value)>> {
    proptest::collection::vec(proptest::option::of(rules_value()), 5).prop_map(|values| {
        RULE_LAYERS
            .into_iter()
            .zip(values)
            .filter_map(|(layer, value)| value.map(|value| (layer, value)))
            .collect()
    })
}

fn layers_of(values: &[(Layer, Value)]) -> Layers {
    let mut layers = Layers::new();
    for (layer, value) in values {
        let rules = Rules::from_value(*layer, value).expect("generated rules are valid");
        layers.insert(*layer, rules);
    }
    layers
}

fn decide(layers: &Layers, facts: &ServerFacts, request: &Request) -> Decision {
    evaluate(&EffectivePolicy::compile(layers), facts, request)
}

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        "[a-z@*/._ -]{0,12}".prop_map(Value::from),
        proptest::sample::select(ORIGINS.to_vec()).prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        let keys = prop_oneof![
            proptest::sample::select(vec![
                "min_cert_level",
                "min_score",
                "allowed_origins",
                "allow_list",
                "deny_list",
                "cert_mode",
                "mode",
                "cert_level_mode",
                "score_mode",
                "allow_force",
                "mandatory",
                "org",
                "area",
                "server",
                "local",
                "platform",
            ])
            .prop_map(str::to_owned),
            "[a-z_]{1,8}",
        ];
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            proptest::collection::btree_map(keys, inner, 0..4)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

proptest! {
    // More cases than the others: a loosening needs a rare combination (a rule the server
    // breaks in one layer, a looser explicit value in a less authoritative one).
    #![proptest_config(ProptestConfig::with_cases(1024))]

    /// POLICY.md section 3: adding a layer can never loosen a decision.
    #[test]
    fn adding_a_layer_never_loosens(
        base in layer_values(),
        extra_layer in proptest::sample::select(RULE_LAYERS.to_vec()),
        extra in rules_value(),
        facts in facts(),
        request in request(),
    ) {
        let mut values = base;
        values.retain(|(layer, _)| *layer != extra_layer);
        let before = decide(&layers_of(&values), &facts, &request);
        values.push((extra_layer, extra));
        let after = decide(&layers_of(&values), &facts, &request);
        prop_assert!(
            after.verdict >= before.verdict,
            "adding {extra_layer} turned {:?} into {:?}: {:?} -> {:?}",
            before.verdict, after.verdict, before.violations, after.violations
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The merge visits layers in authority order, not in the order they were given.
    #[test]
    fn merge_does_not_depend_on_insertion_order(
        (values, shuffled) in layer_values()
            .prop_flat_map(|values| (Just(values.clone()), Just(values).prop_shuffle())),
        facts in facts(),
        request in request(),
    ) {
        let in_order = decide(&layers_of(&values), &facts, &request);
        let reordered = decide(&layers_of(&shuffled), &facts, &request);
        prop_assert_eq!(in_order, reordered);
    }

    /// Validation and serialization agree: a validated policy written back out validates
    /// to the same rules.
    #[test]
    fn validated_rules_round_trip(value in rules_value(), layer in proptest::sample::select(RULE_LAYERS.to_vec())) {
        let rules = Rules::from_value(layer, &value).expect("generated rules are valid");
        let written = serde_json::to_value(&rules).expect("rules serialize");
        prop_assert_eq!(Rules::from_value(layer, &written), Ok(rules));
    }

    /// Validation never panics on arbitrary JSON values.
    #[test]
    fn validation_never_panics_on_values(value in arbitrary_json()) {
        let _ = Layers::from_value(&value);
        for layer in Layer::ALL {
            let _ = Rules::from_value(layer, &value);
        }
        let _ = ServerFacts::from_value(&value);
        let _ = Request::from_value(&value);
    }

    /// Parsing never panics on arbitrary text, YAML-looking or not.
    #[test]
    fn validation_never_panics_on_text(
        text in prop_oneof![
            any::<String>(),
            "[a-z_:{}\\[\\], \n\t0-9@*.'\"!&|>-]{0,80}",
        ]
    ) {
        let _ = Layers::from_yaml_str(&text);
        let _ = gatehouse_policy::local_rules_from_config(&text);
        let _ = run_corpus_str(&text);
    }
}
