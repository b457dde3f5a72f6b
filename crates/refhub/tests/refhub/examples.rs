//! The scenarios of `examples/hub/`: each one is served, pinned through `/keys` the way the
//! app does at first sign-in, accepted by the app's own checks, and decides the way its
//! comments say.

use std::path::PathBuf;

use gatehouse_hub::{Bundle, PinnedKey, TrustedKeys};
use gatehouse_policy::{Code, EffectivePolicy, Layer, Layers, Request, Verdict, evaluate};
use serde_json::Value;

use crate::common::{TestHub, accept, config};

fn scenario_dir(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/hub")
        .join(name)
}

/// Serves a scenario straight from the repository (read only: key and state go to a
/// temporary directory) and returns the bundle the app would accept.
async fn serve_scenario(name: &str) -> (TestHub, Bundle) {
    let root = tempfile::tempdir().unwrap();
    let config = config(&scenario_dir(name), &root.path().join("own"), false);
    let hub = TestHub::serve(root, config).await;
    let org = hub.hub.view().content.org.clone();
    let token = hub.hub.view().content.tokens[0].clone();

    let keys: Value = hub
        .client
        .get(format!("{}/api/v1/orgs/{org}/keys", hub.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = &keys["keys"][0];
    let pinned = TrustedKeys(vec![
        PinnedKey::parse(&format!(
            "{}:{}",
            key["key_id"].as_str().unwrap(),
            key["public_key"].as_str().unwrap()
        ))
        .unwrap(),
    ]);

    let response = hub
        .client
        .get(format!("{}/api/v1/orgs/{org}/policy-bundle", hub.url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{name}");
    let bundle = accept(&response.bytes().await.unwrap(), &pinned)
        .unwrap_or_else(|e| panic!("the app refuses scenario `{name}`: {e}"));
    assert_eq!(bundle.org, org);
    assert_eq!(bundle.serial, 1);
    (hub, bundle)
}

/// What the app decides for `name@version` on a device in `area`: the verdict, the
/// violation codes, and the layer each code is reported for.
fn decide(
    bundle: &Bundle,
    name: &str,
    version: &str,
    area: Option<&str>,
) -> (Verdict, Vec<Code>, Vec<(Code, Layer)>) {
    // Installed from the registry: the bytes the catalog certifies for that version, if any.
    let digest = bundle
        .entry(name, version)
        .and_then(|entry| entry.digest.clone())
        .unwrap_or_else(|| format!("sha256:{}", "0".repeat(64)));
    let facts = bundle.resolve(&gatehouse_hub::Subject {
        binding: gatehouse_hub::Binding::Registry {
            name,
            version,
            digest: &digest,
        },
        claims: &[],
    });
    let mut layers = Layers::new();
    bundle.add_layers(&mut layers, facts.name.as_deref(), area);
    let decision = evaluate(
        &EffectivePolicy::compile(&layers),
        &facts,
        &Request::default(),
    );
    let layers = decision
        .violations
        .iter()
        .map(|violation| (violation.code, violation.layer))
        .collect();
    (decision.verdict, decision.codes(), layers)
}

fn statuses(bundle: &Bundle) -> Vec<&str> {
    bundle
        .catalog_entries
        .iter()
        .map(|entry| entry["status"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn every_scenario_directory_is_tested() {
    let mut found: Vec<String> = std::fs::read_dir(scenario_dir(""))
        .unwrap()
        .map(|entry| entry.unwrap())
        .filter(|entry| entry.path().is_dir())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    found.sort();
    assert_eq!(
        found,
        ["enterprise", "midsize", "startup"],
        "a new scenario needs a test here"
    );
}

#[tokio::test]
async fn startup_allows_community_servers_that_score_well_and_asks_for_the_rest() {
    let (_hub, bundle) = serve_scenario("startup").await;
    assert!(bundle.areas.is_empty() && bundle.mandatory.is_none());
    assert!(statuses(&bundle).contains(&"deprecated") && statuses(&bundle).contains(&"revoked"));

    let (verdict, _, _) = decide(&bundle, "@community/weather-mcp", "1.0.3", None);
    assert_eq!(verdict, Verdict::Allow, "community with a score of 66");
    let (verdict, codes, _) = decide(&bundle, "@indie-dev/notion-sync", "0.9.1", None);
    assert_eq!(
        (verdict, codes),
        (Verdict::Warn, vec![Code::ScoreBelowMin]),
        "asks, not blocks"
    );
    let (verdict, codes, _) = decide(&bundle, "@someone/unlisted", "1.0.0", None);
    assert_eq!((verdict, codes), (Verdict::Warn, vec![Code::ScoreUnknown]));
    let (verdict, codes, _) = decide(&bundle, "@sketchy/clipboard-sync", "1.4.0", None);
    assert_eq!(verdict, Verdict::Block);
    assert!(codes.contains(&Code::StatusBlocked), "revoked never runs");
}

#[tokio::test]
async fn midsize_is_stricter_in_production() {
    let (_hub, bundle) = serve_scenario("midsize").await;
    assert!(statuses(&bundle).contains(&"deprecated") && statuses(&bundle).contains(&"revoked"));
    let production = Some("production-services");

    assert_eq!(
        decide(&bundle, "@acme-corp/database-connector", "1.2.0", None).0,
        Verdict::Allow
    );
    let (verdict, codes, _) = decide(&bundle, "@acme-corp/database-connector", "1.1.0", None);
    assert_eq!(
        (verdict, codes),
        (Verdict::Warn, vec![Code::StatusDeprecated])
    );
    let (verdict, _, layers) = decide(
        &bundle,
        "@modelcontextprotocol/server-postgres",
        "0.6.2",
        None,
    );
    assert_eq!(
        verdict,
        Verdict::Block,
        "listed in production: level 1 is not enough"
    );
    assert!(
        layers.contains(&(Code::CertLevelBelowMin, Layer::Area)),
        "{layers:?}"
    );

    let (verdict, _, _) = decide(&bundle, "@community/jupyter-bridge", "0.7.0", production);
    assert_eq!(
        verdict,
        Verdict::Allow,
        "its own area (data-science) governs it, not the device's"
    );
    assert_eq!(
        decide(
            &bundle,
            "@modelcontextprotocol/server-github",
            "2025.4.8",
            production
        )
        .0,
        Verdict::Allow
    );
    let (verdict, codes, _) = decide(&bundle, "@community/some-tool", "1.0.0", None);
    assert_eq!(verdict, Verdict::Block);
    assert!(
        codes.contains(&Code::CertLevelUnknown),
        "the org asks for level 1"
    );
}

#[tokio::test]
async fn enterprise_has_mandatory_rules_a_critical_area_a_deny_list_and_overrides() {
    let (_hub, bundle) = serve_scenario("enterprise").await;
    assert!(bundle.mandatory.is_some());
    assert!(statuses(&bundle).contains(&"deprecated") && statuses(&bundle).contains(&"revoked"));
    let critical = Some("critical-infrastructure");

    let (verdict, codes, layers) = decide(&bundle, "@sketchy/shell-runner", "0.1.0", None);
    assert_eq!(verdict, Verdict::Block);
    assert!(
        layers.contains(&(Code::DenyListed, Layer::Mandatory)),
        "{layers:?}"
    );
    assert!(codes.contains(&Code::StatusBlocked), "and it is revoked");
    let (verdict, _, layers) = decide(
        &bundle,
        "@modelcontextprotocol/server-everything",
        "2025.9.25",
        None,
    );
    assert_eq!(verdict, Verdict::Block);
    assert!(
        layers.contains(&(Code::DenyListed, Layer::Mandatory)),
        "{layers:?}"
    );
    let (verdict, codes, _) = decide(&bundle, "@community/pdf-tools", "0.3.1", None);
    assert_eq!(verdict, Verdict::Block);
    assert!(
        codes.contains(&Code::DenyListed),
        "the org denies this version"
    );

    assert_eq!(
        decide(&bundle, "@globex/scada-gateway", "3.2.0", None).0,
        Verdict::Allow
    );
    assert_eq!(
        decide(&bundle, "@globex/grid-telemetry", "1.8.4", None).0,
        Verdict::Allow
    );
    let (verdict, codes, _) = decide(&bundle, "@globex/grid-telemetry", "1.7.9", None);
    assert_eq!(verdict, Verdict::Block);
    assert!(codes.contains(&Code::StatusBlocked), "quarantined");

    let (verdict, _, layers) = decide(
        &bundle,
        "@modelcontextprotocol/server-fetch",
        "2025.4.7",
        None,
    );
    assert_eq!(verdict, Verdict::Block);
    assert!(
        layers.contains(&(Code::CertLevelBelowMin, Layer::Server)),
        "its override: {layers:?}"
    );
    assert_eq!(
        decide(
            &bundle,
            "@modelcontextprotocol/server-filesystem",
            "2025.8.21",
            critical
        )
        .0,
        Verdict::Allow
    );
    let (verdict, _, layers) = decide(
        &bundle,
        "@modelcontextprotocol/server-fetch",
        "2025.4.7",
        critical,
    );
    assert_eq!(verdict, Verdict::Block);
    assert!(
        layers.contains(&(Code::NotAllowListed, Layer::Area)),
        "the control room's allow list: {layers:?}"
    );

    assert_eq!(
        decide(&bundle, "@globex/hr-directory", "2.1.0", critical).0,
        Verdict::Allow,
        "its own area"
    );
    let (verdict, codes, _) = decide(&bundle, "@vendorco/ticket-bridge", "5.0.0", None);
    assert_eq!(
        (verdict, codes),
        (Verdict::Warn, vec![Code::StatusDeprecated])
    );
}

#[tokio::test]
async fn scenarios_search_their_catalogs() {
    let (hub, _) = serve_scenario("enterprise").await;
    let token = hub.hub.view().content.tokens[0].clone();
    let found: Value = hub
        .client
        .get(format!("{}/api/v1/orgs/globex/servers?q=grid", hub.url))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        found["servers"].as_array().unwrap().len(),
        2,
        "two versions of grid-telemetry"
    );
}
