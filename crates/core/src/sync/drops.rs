//! Which registered servers a new policy snapshot made worse (DESIGN.md, "The sync path"):
//! each server is evaluated under the old sources and the new ones, and one whose verdict got
//! worse or whose cert level or score dropped is reported once. Nothing here does I/O, so
//! the rule is tested with data; [`crate::sync::accept::accept`] sends and records the results.

use gatehouse_policy::{Layer, Request, Verdict, layer_words, level_name};
use gatehouse_store::Server;

use crate::error::Result;
use crate::identity::Identity;
use crate::policy::{Evaluation, Evaluator, PolicySources};
use crate::ports::Notification;

/// One server the new snapshot made worse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerDrop {
    pub server_id: String,
    pub name: String,
    pub version: Option<String>,
    pub old_verdict: Verdict,
    pub new_verdict: Verdict,
    pub old_cert_level: Option<u8>,
    pub new_cert_level: Option<u8>,
    pub old_score: Option<u8>,
    pub new_score: Option<u8>,
    /// The new minimum score and the layer that set it, to say what is required.
    pub min_score: Option<(u8, Layer)>,
    /// The new violations' codes.
    pub codes: Vec<String>,
    /// The new violations in plain words.
    pub reasons: Vec<String>,
}

/// Every server in `servers` that is worse under `new` than under `old`.
pub fn drops(
    servers: &[(Server, Identity)],
    old: &PolicySources,
    new: &PolicySources,
    request: &Request,
) -> Result<Vec<ServerDrop>> {
    compare_servers(servers, old, new, request, compare)
}

/// Evaluates each server in `servers` under `old` and under `new` (each compiled once per
/// distinct set of layers) and keeps what `pick` makes of the two evaluations: the drops
/// after a sync, the verdict changes of a preview ([`crate::sync::preview`]).
pub fn compare_servers<T>(
    servers: &[(Server, Identity)],
    old: &PolicySources,
    new: &PolicySources,
    request: &Request,
    mut pick: impl FnMut(&Server, &Evaluation, &Evaluation) -> Option<T>,
) -> Result<Vec<T>> {
    let mut found = Vec::new();
    let (mut old, mut new) = (Evaluator::new(old), Evaluator::new(new));
    for (server, identity) in servers {
        let before = old.evaluate(identity, request)?;
        let after = new.evaluate(identity, request)?;
        found.extend(pick(server, &before, &after));
    }
    Ok(found)
}

/// The drop between two evaluations of `server`, if it got worse.
pub fn compare(server: &Server, before: &Evaluation, after: &Evaluation) -> Option<ServerDrop> {
    let old_verdict = before.decision.verdict;
    let new_verdict = after.decision.verdict;
    let (old_cert_level, new_cert_level) = (before.facts.cert_level, after.facts.cert_level);
    let (old_score, new_score) = (before.facts.score, after.facts.score);
    // A known value that became lower or unknown is a drop; an unknown one that stays unknown
    // is not.
    let fell = |old: Option<u8>, new: Option<u8>| old.is_some() && new < old;
    let worse = new_verdict > old_verdict
        || fell(old_cert_level, new_cert_level)
        || fell(old_score, new_score);
    if !worse {
        return None;
    }
    let violations = &after.decision.violations;
    Some(ServerDrop {
        server_id: server.id.clone(),
        name: after.facts.label().to_owned(),
        version: after.facts.version.clone(),
        old_verdict,
        new_verdict,
        old_cert_level,
        new_cert_level,
        old_score,
        new_score,
        min_score: after.policy.min_score().map(|s| (s.value, s.layer)),
        codes: violations
            .iter()
            .map(|v| v.code.name().to_owned())
            .collect(),
        reasons: violations.iter().map(|v| v.message.clone()).collect(),
    })
}

impl ServerDrop {
    /// The desktop notification for this drop: who, what changed, and what to do. It holds
    /// names and numbers from the policy only, never a secret.
    pub fn notification(&self) -> Notification {
        let title = match (self.new_verdict > self.old_verdict, self.new_verdict) {
            (true, Verdict::Block) => format!("{} is now blocked", self.name),
            (true, Verdict::Warn) => format!("{} now asks before running", self.name),
            _ if self.fell_score() && !self.fell_cert_level() => {
                format!("{}'s security score dropped", self.name)
            }
            _ => format!("{}'s certification dropped", self.name),
        };
        let mut lines = Vec::new();
        if self.fell_score() {
            let mut line = match (self.old_score, self.new_score) {
                (Some(old), Some(new)) => format!("Its security score fell from {old} to {new}"),
                _ => "Its security score is no longer known".to_owned(),
            };
            match self.min_score {
                Some((min, layer)) => {
                    line.push_str(&format!("; {} requires {min}.", layer_words(layer)))
                }
                None => line.push('.'),
            }
            lines.push(line);
        }
        if self.fell_cert_level() {
            lines.push(match (self.old_cert_level, self.new_cert_level) {
                (Some(old), Some(new)) => format!(
                    "Its certification fell from {} to {}.",
                    level_name(old),
                    level_name(new)
                ),
                _ => "Its certification is no longer known.".to_owned(),
            });
        }
        if lines.is_empty() {
            lines.extend(self.reasons.iter().cloned());
        }
        lines.push("Open Gatehouse to see why, or ask your admin.".to_owned());
        Notification {
            title,
            body: lines.join("\n"),
            server_id: self.server_id.clone(),
        }
    }

    fn fell_score(&self) -> bool {
        self.old_score.is_some() && self.new_score < self.old_score
    }

    fn fell_cert_level(&self) -> bool {
        self.old_cert_level.is_some() && self.new_cert_level < self.old_cert_level
    }

    /// The `server_dropped` audit event's detail.
    pub fn detail(&self) -> serde_json::Value {
        serde_json::json!({
            "id": self.server_id,
            "old_verdict": self.old_verdict,
            "new_verdict": self.new_verdict,
            "old_cert_level": self.old_cert_level,
            "new_cert_level": self.new_cert_level,
            "old_score": self.old_score,
            "new_score": self.new_score,
        })
    }
}

#[cfg(test)]
mod tests {
    use gatehouse_policy::{EffectivePolicy, Layers, ServerFacts, evaluate};
    use gatehouse_store::ServerSource;
    use time::OffsetDateTime;

    use super::*;

    fn server() -> Server {
        Server {
            id: "db".to_owned(),
            name: "@acme/db".to_owned(),
            version: Some("1.0.0".to_owned()),
            command: "db".to_owned(),
            args: Vec::new(),
            env_names: Vec::new(),
            source: ServerSource::Manual,
            client: None,
            bundle_digest: None,
            created_at: OffsetDateTime::UNIX_EPOCH,
        }
    }

    /// The evaluation of `@acme/db` under an org layer `rules` with these catalog facts.
    fn evaluation(rules: &str, cert_level: Option<u8>, score: Option<u8>) -> Evaluation {
        let mut layers = Layers::new();
        let local = gatehouse_policy::local_rules_from_config(&format!("policy: {rules}"))
            .unwrap()
            .unwrap();
        layers.add(Layer::Org, local);
        let policy = EffectivePolicy::compile(&layers);
        let mut facts = ServerFacts::named("@acme/db");
        facts.cert_level = cert_level;
        facts.score = score;
        let decision = evaluate(&policy, &facts, &Request::default());
        Evaluation {
            facts,
            policy: policy.into(),
            decision,
        }
    }

    #[test]
    fn a_score_under_the_minimum_makes_the_verdict_worse_and_says_so() {
        let rules = "{min_score: 70}";
        let before = evaluation(rules, Some(2), Some(84));
        let after = evaluation(rules, Some(2), Some(61));
        assert_eq!(before.decision.verdict, Verdict::Allow);
        let drop = compare(&server(), &before, &after).expect("a drop");
        assert_eq!(drop.new_verdict, Verdict::Block);
        assert_eq!((drop.old_score, drop.new_score), (Some(84), Some(61)));
        assert_eq!(drop.codes, vec!["score_below_min".to_owned()]);
        assert!(!drop.reasons.is_empty());
        let notification = drop.notification();
        assert_eq!(notification.title, "@acme/db is now blocked");
        assert!(
            notification
                .body
                .contains("Its security score fell from 84 to 61; your organization requires 70."),
            "{}",
            notification.body
        );
        assert!(notification.body.contains("ask your admin"));
        assert_eq!(notification.server_id, "db");
        assert_eq!(drop.detail()["new_verdict"], "block");
    }

    #[test]
    fn a_warn_mode_rule_asks_before_running() {
        let rules = "{min_score: 70, score_mode: warn}";
        let drop = compare(
            &server(),
            &evaluation(rules, Some(2), Some(84)),
            &evaluation(rules, Some(2), Some(61)),
        )
        .expect("a drop");
        assert_eq!(drop.new_verdict, Verdict::Warn);
        assert_eq!(
            drop.notification().title,
            "@acme/db now asks before running"
        );
    }

    #[test]
    fn a_lower_score_with_the_same_verdict_is_still_a_drop() {
        let rules = "{min_score: 50}";
        let drop = compare(
            &server(),
            &evaluation(rules, Some(2), Some(84)),
            &evaluation(rules, Some(2), Some(61)),
        )
        .expect("a drop");
        assert_eq!(
            (drop.old_verdict, drop.new_verdict),
            (Verdict::Allow, Verdict::Allow)
        );
        assert_eq!(
            drop.notification().title,
            "@acme/db's security score dropped"
        );
    }

    #[test]
    fn a_lower_cert_level_is_a_drop() {
        let rules = "{min_cert_level: 0}";
        let drop = compare(
            &server(),
            &evaluation(rules, Some(2), Some(84)),
            &evaluation(rules, Some(1), Some(84)),
        )
        .expect("a drop");
        let notification = drop.notification();
        assert_eq!(notification.title, "@acme/db's certification dropped");
        assert!(notification.body.contains("Its certification fell from"));
    }

    #[test]
    fn an_improvement_or_no_change_is_not_a_drop() {
        let rules = "{min_score: 70}";
        let worse = evaluation(rules, Some(1), Some(61));
        let better = evaluation(rules, Some(2), Some(84));
        assert!(compare(&server(), &worse, &better).is_none(), "improved");
        assert!(
            compare(&server(), &better, &better.clone()).is_none(),
            "unchanged"
        );
        let unknown = evaluation("{}", None, None);
        assert!(compare(&server(), &unknown, &unknown.clone()).is_none());
    }

    #[test]
    fn drops_compares_every_server_under_both_sources() {
        let sources = |yaml: &str| PolicySources {
            local: gatehouse_policy::local_rules_from_config(yaml).unwrap(),
            ..PolicySources::default()
        };
        let old = sources("policy: {}");
        let new = sources("policy: {min_cert_level: 1}");
        let mut other = server();
        other.id = "other".to_owned();
        let env = crate::context::Environment::new(crate::context::Platform::Linux, []);
        let identified = |server: Server| {
            let identity =
                crate::identity::identify(&server, None, &env, crate::identity::TreeCheck::Quick);
            (server, identity)
        };
        let found = drops(
            &[identified(server()), identified(other)],
            &old,
            &new,
            &Request::default(),
        )
        .unwrap();
        assert_eq!(
            found.len(),
            2,
            "uncertified servers are blocked by the new minimum"
        );
        assert!(
            drops(&[identified(server())], &new, &new, &Request::default())
                .unwrap()
                .is_empty()
        );
    }
}
