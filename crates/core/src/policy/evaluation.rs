//! Evaluating servers under the policy sources: one server ([`Evaluation::new`]), or many
//! under the same sources with each distinct set of layers compiled once ([`Evaluator`]).

use std::sync::Arc;

use gatehouse_policy::{Decision, EffectivePolicy, Request, ServerFacts, evaluate};
use sha2::{Digest, Sha256};

use super::sources::{HubSnapshot, PolicySources};
use crate::error::Result;
use crate::identity::Identity;

/// Evaluates many servers under the same sources, compiling the effective policy once per
/// distinct set of layers instead of once per server: a 10,000-entry policy takes
/// milliseconds to compile, and most servers share every layer.
#[derive(Debug)]
pub struct Evaluator<'a> {
    sources: &'a PolicySources,
    compiled: std::collections::HashMap<String, Arc<EffectivePolicy>>,
}

impl<'a> Evaluator<'a> {
    pub fn new(sources: &'a PolicySources) -> Evaluator<'a> {
        Evaluator {
            sources,
            compiled: std::collections::HashMap::new(),
        }
    }

    /// The same answer as [`Evaluation::new`], from a cached compile where one fits.
    pub fn evaluate(&mut self, identity: &Identity, request: &Request) -> Result<Evaluation> {
        // The facts come first: they settle the bound name, which picks the layers.
        let facts = self.sources.facts_for(identity)?;
        let key = match &self.sources.hub {
            Some(HubSnapshot {
                bundle: Some(bundle),
                ..
            }) => bundle.layer_key(facts.name.as_deref(), self.sources.area.as_deref()),
            Some(_) => return Evaluation::new(self.sources, identity, request),
            None => String::new(),
        };
        // Building the layers clones every list: only for a key not compiled yet.
        let (policy, facts) = match self.compiled.get(&key) {
            Some(policy) => (Arc::clone(policy), facts),
            None => {
                let (policy, facts) = self.sources.server_policy(identity)?.compile();
                let policy = Arc::new(policy);
                self.compiled.insert(key, Arc::clone(&policy));
                (policy, facts)
            }
        };
        let decision = evaluate(&policy, &facts, &self.sources.floored(request));
        Ok(Evaluation {
            facts,
            policy,
            decision,
        })
    }
}

/// One server's decision with what it was made from.
#[derive(Debug, Clone)]
pub struct Evaluation {
    pub facts: ServerFacts,
    /// Shared: many servers evaluated together share one compiled policy.
    pub policy: Arc<EffectivePolicy>,
    pub decision: Decision,
}

impl Evaluation {
    /// Evaluates the server `identity` establishes under `sources`.
    pub fn new(
        sources: &PolicySources,
        identity: &Identity,
        request: &Request,
    ) -> Result<Evaluation> {
        let (policy, facts) = sources.server_policy(identity)?.compile();
        let decision = evaluate(&policy, &facts, &sources.floored(request));
        Ok(Evaluation {
            facts,
            policy: Arc::new(policy),
            decision,
        })
    }

    /// A hash of the effective rules and violations that concern this server: a remembered
    /// "Always" holds while it is unchanged (POLICY.md section 4), so a stricter or different
    /// rule asks again while an unrelated edit (another server's list entry) does not.
    pub fn rules_hash(&self) -> String {
        let value = serde_json::json!({
            "min_cert_level": self.policy.min_cert_level().map(|s| (s.value, s.layer.name())),
            "min_score": self.policy.min_score().map(|s| (s.value, s.layer.name())),
            "allowed_origins": self.policy.allowed_origins().map(|set| set.iter().map(|o| o.name()).collect::<Vec<_>>()),
            "cert_mode": self.policy.cert_mode().value.name(),
            "score_mode": self.policy.score_mode().value.name(),
            "violations": self.decision.violations.iter().map(|v| {
                serde_json::json!([v.code.name(), v.severity, v.layer.name(), v.required, v.actual])
            }).collect::<Vec<_>>(),
        });
        hex::encode(Sha256::digest(value.to_string().as_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use gatehouse_hub::Bundle;
    use gatehouse_policy::Timestamp;

    use super::*;

    const DIGEST: &str = "sha256:5656565656565656565656565656565656565656565656565656565656565656";

    fn sources(yaml: &str) -> PolicySources {
        PolicySources {
            local: gatehouse_policy::local_rules_from_config(yaml).unwrap(),
            ..PolicySources::default()
        }
    }

    #[test]
    fn unknown_servers_are_uncertified_community() {
        let evaluation = Evaluation::new(
            &sources("policy: {min_cert_level: 1}"),
            &Identity::of_install("@a/b", "1.0.0", DIGEST),
            &Request::default(),
        )
        .unwrap();
        assert_eq!(
            evaluation.decision.verdict,
            gatehouse_policy::Verdict::Block,
            "no catalog: cert level unknown"
        );
    }

    #[test]
    fn the_rules_hash_follows_the_rules_that_concern_the_server() {
        let request = Request::default();
        let warn = sources("policy: {min_cert_level: 1, cert_mode: warn}");
        let same = sources("policy: {min_cert_level: 1, cert_mode: warn, deny_list: ['@other/x']}");
        let stricter = sources("policy: {min_cert_level: 2, cert_mode: warn}");
        let hash = |s: &PolicySources| {
            Evaluation::new(s, &Identity::of_name("@a/b"), &request)
                .unwrap()
                .rules_hash()
        };
        assert_eq!(
            hash(&warn),
            hash(&same),
            "an unrelated deny entry must not ask again"
        );
        assert_ne!(
            hash(&warn),
            hash(&stricter),
            "a stricter minimum must ask again"
        );
    }

    #[test]
    fn the_evaluator_shares_compiles_only_between_servers_with_the_same_layers() {
        let payload = serde_json::json!({
            "schema": 1, "org": "acme", "serial": 1, "issued_at": "2026-11-20T10:00:00Z",
            "org_policy": {"min_score": 50},
            "areas": {"prod": {"policy": {"min_score": 80}, "servers": ["@a/in-prod"]}},
            "servers": {"@a/special": {"min_score": 95}},
            "catalog": [
                {"name": "@a/plain", "version": "1", "digest": DIGEST, "cert_level": 1, "score": 85},
                {"name": "@a/in-prod", "version": "1", "digest": DIGEST, "cert_level": 1, "score": 70},
                {"name": "@a/special", "version": "1", "digest": DIGEST, "cert_level": 1, "score": 90}
            ]
        })
        .to_string()
        .into_bytes();
        let sources = PolicySources {
            hub: Some(HubSnapshot {
                bundle: Some(Bundle::parse(&payload).unwrap()),
                payload,
                org: "acme".into(),
                serial: 1,
                snapshot_id: Some(1),
                fresh_at: Timestamp(0),
                key_id: "k".into(),
            }),
            ..PolicySources::default()
        };
        let request = Request {
            now: Some(Timestamp(0)),
            ..Request::default()
        };
        let mut evaluator = Evaluator::new(&sources);
        for name in [
            "@a/plain",
            "@a/in-prod",
            "@a/special",
            "@a/plain",
            "@a/other",
        ] {
            let identity = Identity::of_install(name, "1", DIGEST);
            let shared = evaluator.evaluate(&identity, &request).unwrap();
            let alone = Evaluation::new(&sources, &identity, &request).unwrap();
            assert_eq!(
                shared.decision, alone.decision,
                "{name}: a shared compile must decide alike"
            );
        }
        assert_eq!(
            evaluator
                .evaluate(&Identity::of_install("@a/in-prod", "1", DIGEST), &request)
                .unwrap()
                .decision
                .verdict,
            gatehouse_policy::Verdict::Block,
            "the area's stricter minimum applies to its own server only"
        );
    }
}
