//! Puts together what a decision needs for one server (its layers and facts) and asks the
//! policy crate. Only what is stored and signed counts: a user cannot assert facts.

use std::path::Path;

use gatehouse_policy::{
    Decision, EffectivePolicy, Layer, Layers, Request, Rules, ServerFacts, evaluate,
};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// The policy layers available on this machine now, before choosing the ones for a server.
#[derive(Debug, Clone, Default)]
pub struct PolicySources {
    /// The `policy:` block of `~/.mcp/config.yaml`.
    pub local: Option<Rules>,
}

impl PolicySources {
    /// Reads the local layer from `mcp_config`. A missing file sets no rules; a file that
    /// cannot be read or holds an invalid block is an error (exit 3), never ignored.
    pub fn load(mcp_config: &Path) -> Result<PolicySources> {
        let local = match std::fs::read_to_string(mcp_config) {
            Ok(text) => gatehouse_policy::local_rules_from_config(&text).map_err(|error| {
                Error::LocalPolicy {
                    path: mcp_config.to_owned(),
                    reason: error.to_string(),
                }
            })?,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => None,
            Err(error) => {
                return Err(Error::LocalPolicy {
                    path: mcp_config.to_owned(),
                    reason: error.to_string(),
                });
            }
        };
        Ok(PolicySources { local })
    }

    /// The layers that apply to a server with policy name `name`.
    pub fn layers_for(&self, _name: &str) -> Layers {
        let mut layers = Layers::new();
        if let Some(local) = &self.local {
            layers.insert(Layer::Local, local.clone());
        }
        layers
    }

    /// What is known about a server: nothing but its name and version until a signed
    /// catalog says more. Uncertified community, by POLICY.md's defaults.
    pub fn facts_for(&self, name: &str, version: Option<&str>) -> ServerFacts {
        let mut facts = ServerFacts::named(name);
        facts.version = version.map(str::to_owned);
        facts
    }
}

/// One server's decision with what it was made from.
#[derive(Debug, Clone)]
pub struct Evaluation {
    pub facts: ServerFacts,
    pub policy: EffectivePolicy,
    pub decision: Decision,
}

impl Evaluation {
    /// Evaluates a server named `name` under `sources`.
    pub fn new(
        sources: &PolicySources,
        name: &str,
        version: Option<&str>,
        request: &Request,
    ) -> Evaluation {
        let facts = sources.facts_for(name, version);
        let policy = EffectivePolicy::compile(&sources.layers_for(name));
        let decision = evaluate(&policy, &facts, request);
        Evaluation {
            facts,
            policy,
            decision,
        }
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
    use super::*;

    fn sources(yaml: &str) -> PolicySources {
        PolicySources {
            local: gatehouse_policy::local_rules_from_config(yaml).unwrap(),
        }
    }

    #[test]
    fn a_missing_policy_file_sets_no_rules_but_a_broken_one_stops_everything() {
        let dir = tempfile::tempdir().unwrap();
        let missing = PolicySources::load(&dir.path().join("absent.yaml")).unwrap();
        assert!(missing.local.is_none());
        let broken = dir.path().join("config.yaml");
        std::fs::write(&broken, "policy:\n  min_cert_level: 9\n").unwrap();
        let error = PolicySources::load(&broken).unwrap_err();
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

    #[test]
    fn unknown_servers_are_uncertified_community() {
        let evaluation = Evaluation::new(
            &sources("policy: {min_cert_level: 1}"),
            "@a/b",
            Some("1.0.0"),
            &Request::default(),
        );
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
        let hash = |s: &PolicySources| Evaluation::new(s, "@a/b", None, &request).rules_hash();
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
}
