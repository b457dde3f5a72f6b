//! The launch path budget (DESIGN.md: a few milliseconds to the spawn even with a
//! 10,000-entry policy): compiling a five-layer policy with 10,000 allow-list and 10,000
//! deny-list entries (exact, versioned and prefix patterns) and evaluating one server.
//! Targets: compile < 20 ms, evaluate < 2 µs. Results: `benches/RESULTS.md`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "benchmark setup"
)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use gatehouse_policy::{EffectivePolicy, Layer, Layers, Request, Rules, ServerFacts, evaluate};
use serde_json::json;

const LAYERS: [Layer; 5] = [
    Layer::Mandatory,
    Layer::Org,
    Layer::Area,
    Layer::Server,
    Layer::Local,
];
const ENTRIES_PER_LAYER: usize = 2_000;

/// One third exact names, one third versioned names, one third prefixes.
fn patterns(kind: &str, layer: usize) -> Vec<String> {
    let mut patterns: Vec<String> = (0..ENTRIES_PER_LAYER)
        .map(|index| {
            let vendor = index % 97;
            match index % 3 {
                0 => format!("@{kind}-vendor{vendor}/tool{layer}-{index}"),
                1 => format!("@{kind}-vendor{vendor}/tool{layer}-{index}@1.{index}.0"),
                _ => format!("@{kind}-vendor{vendor}/family{layer}-{index}-*"),
            }
        })
        .collect();
    if kind == "allow" {
        // The benchmarked server is on every layer's allow list, so evaluation runs every
        // check to the end and allows.
        patterns[0] = "@acme/database-connector".to_owned();
    }
    patterns
}

fn layers() -> Layers {
    let mut layers = Layers::new();
    for (index, layer) in LAYERS.into_iter().enumerate() {
        let mut value = json!({
            "allow_list": patterns("allow", index),
            "deny_list": patterns("deny", index),
            "min_cert_level": index % 3,
            "min_score": 40 + index * 5,
        });
        if layer == Layer::Org {
            value["allowed_origins"] = json!(["official", "verified"]);
        }
        layers.insert(
            layer,
            Rules::from_value(layer, &value).expect("valid rules"),
        );
    }
    layers
}

fn bench(c: &mut Criterion) {
    let layers = layers();
    let policy = EffectivePolicy::compile(&layers);
    assert_eq!(
        policy.deny_list_len(),
        10_000,
        "10,000 deny entries in total"
    );
    let allow_total: usize = policy.allow_lists().iter().map(|(_, len)| len).sum();
    assert_eq!(allow_total, 10_000, "10,000 allow entries in total");

    let allowed = ServerFacts::from_value(&json!({
        "name": "@Acme/Database-Connector", "version": "1.2.0", "origin": "verified",
        "cert_level": 2, "score": 84, "status": "published",
    }))
    .expect("valid facts");
    let blocked = ServerFacts::from_value(&json!({
        "name": "@deny-vendor5/family1-5-x", "version": "1.0.0", "origin": "community",
        "cert_level": 0, "score": 10,
    }))
    .expect("valid facts");
    let request = Request::default();
    assert_eq!(
        evaluate(&policy, &allowed, &request).violations,
        Vec::new(),
        "the allowed server must pass every check"
    );

    c.bench_function("compile 5 layers, 10k allow + 10k deny", |b| {
        b.iter(|| EffectivePolicy::compile(black_box(&layers)));
    });
    c.bench_function("evaluate allowed server", |b| {
        b.iter(|| evaluate(black_box(&policy), black_box(&allowed), black_box(&request)));
    });
    c.bench_function("evaluate blocked server (5 violations)", |b| {
        b.iter(|| evaluate(black_box(&policy), black_box(&blocked), black_box(&request)));
    });
    let text = serde_json::to_string(&json!(
        LAYERS
            .iter()
            .map(|layer| (layer.name(), layers.get(*layer).first()))
            .collect::<std::collections::BTreeMap<_, _>>()
    ))
    .expect("layers serialize");
    c.bench_function("parse and validate the same policy from JSON text", |b| {
        b.iter(|| Layers::from_yaml_str(black_box(&text)).expect("valid"));
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
