//! The multi-line message a blocked launch prints on stderr (`POLICY.md` section 6): the
//! server, then for each violation what was required, what the server has and a sentence,
//! then what the user can do.

use std::fmt::Write as _;

use serde_json::Value;

use crate::decision::{Code, Decision, Severity, Violation};
use crate::facts::ServerFacts;
use crate::layer::Layer;
use crate::message::{duration_words, level_name};

/// The text of `POLICY.md` section 6 for a decision, e.g.
///
/// ```text
/// Error: policy violation
/// Server: @acme-corp/database-connector@1.2.0
/// Required cert level: 2 (Security Certified)   [set by area "production-services"]
/// Actual cert level: 1 (Static Verified)
/// This server does not meet your organization's minimum certification level.
/// Contact your organization admin to adjust policies or wait for a higher-scoring version.
/// ```
pub fn block_report(facts: &ServerFacts, decision: &Decision) -> String {
    let mut out = String::from("Error: policy violation\n");
    let name = facts.label();
    match (&facts.name, &facts.version) {
        (Some(_), Some(version)) => push_line(&mut out, format_args!("Server: {name}@{version}")),
        (Some(_), None) => push_line(&mut out, format_args!("Server: {name} (version unknown)")),
        (None, _) => push_line(
            &mut out,
            format_args!("Server: {name} (what it runs cannot be checked)"),
        ),
    }
    for violation in &decision.violations {
        violation_lines(&mut out, facts, violation);
    }
    out.push_str(closing_line(decision));
    out.push('\n');
    out
}

fn violation_lines(out: &mut String, facts: &ServerFacts, violation: &Violation) {
    let by = set_by(violation);
    let owner = possessive(violation.layer);
    let required = violation.required.as_ref();
    let actual = violation.actual.as_ref();
    match violation.code {
        Code::CertLevelBelowMin | Code::CertLevelUnknown => {
            push_line(
                out,
                format_args!("Required cert level: {}{by}", level(required)),
            );
            push_line(out, format_args!("Actual cert level: {}", level(actual)));
            push_line(
                out,
                format_args!("This server does not meet {owner} minimum certification level."),
            );
        }
        Code::ScoreBelowMin | Code::ScoreUnknown => {
            push_line(
                out,
                format_args!("Required score: {} or higher{by}", number(required)),
            );
            push_line(out, format_args!("Actual score: {}", number(actual)));
            push_line(
                out,
                format_args!("This server does not meet {owner} minimum score."),
            );
        }
        Code::OriginNotAllowed => {
            let allowed = match required.and_then(Value::as_array) {
                Some(list) if !list.is_empty() => list
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(", "),
                _ => "none".to_owned(),
            };
            push_line(out, format_args!("Allowed origins: {allowed}{by}"));
            push_line(out, format_args!("Actual origin: {}", text(actual)));
            push_line(out, format_args!("{}", violation.message));
        }
        Code::ArtifactModified => {
            push_line(out, format_args!("Installed files: changed since install"));
            push_line(out, format_args!("{}", violation.message));
        }
        Code::DenyListed => {
            let listed = actual.and_then(Value::as_str).unwrap_or(facts.label());
            push_line(out, format_args!("Blocked server: {listed}{by}"));
            push_line(out, format_args!("{}", violation.message));
        }
        Code::NotAllowListed => {
            push_line(
                out,
                format_args!("Allowed servers: only those on a list{by}"),
            );
            push_line(out, format_args!("{}", violation.message));
        }
        Code::StatusBlocked | Code::StatusDeprecated => {
            push_line(out, format_args!("Status: {}", text(actual)));
            push_line(out, format_args!("{}", violation.message));
        }
        Code::PolicyStale => {
            let age = actual
                .and_then(Value::as_i64)
                .map_or_else(|| "unknown".to_owned(), duration_words);
            let limit = required.and_then(Value::as_i64).map_or(0, |max| max);
            push_line(
                out,
                format_args!(
                    "Policy last confirmed: {age} ago (allowed offline: {})",
                    duration_words(limit)
                ),
            );
            push_line(out, format_args!("{}", violation.message));
        }
        Code::ForceNotPermitted => {
            push_line(out, format_args!("Override: --force is not permitted{by}"));
            push_line(out, format_args!("{}", violation.message));
        }
    }
    if violation.severity == Severity::Warn {
        push_line(
            out,
            format_args!("(This one is a warning: on its own it would not block.)"),
        );
    }
}

/// What the user can do: ask the admin when any blocking rule is the organization's, edit
/// their own file when the rules are theirs, otherwise wait for a fresh policy or version.
fn closing_line(decision: &Decision) -> &'static str {
    let layers: Vec<Layer> = decision
        .blocking()
        .map(|violation| violation.layer)
        .collect();
    let stale = decision.codes().contains(&Code::PolicyStale);
    if layers.iter().any(|layer| *layer <= Layer::Server) || layers.is_empty() {
        "Contact your organization admin to adjust policies or wait for a higher-scoring version."
    } else if layers.contains(&Layer::Local) {
        "Change the policy: block of ~/.mcp/config.yaml to adjust your own rules, or wait for a higher-scoring version."
    } else if stale {
        "Connect to your organization's hub so Gatehouse can refresh the policy, then try again."
    } else {
        "Choose another version of this server, or contact your organization admin."
    }
}

/// `   [set by area "production-services"]`, three spaces as in `POLICY.md` section 6.
fn set_by(violation: &Violation) -> String {
    let who = match violation.layer {
        Layer::Mandatory => "organization (mandatory)",
        Layer::Org => "organization",
        Layer::Area => "area",
        Layer::Server => "server rule",
        Layer::Local => "~/.mcp/config.yaml",
        Layer::Platform => "Gatehouse",
    };
    match &violation.layer_label {
        Some(label) => format!("   [set by {who} \"{label}\"]"),
        None => format!("   [set by {who}]"),
    }
}

/// Whose minimum a server misses: the organization's for every hub layer, the user's own
/// for the local one.
fn possessive(layer: Layer) -> &'static str {
    match layer {
        Layer::Local => "your own",
        Layer::Platform => "Gatehouse's",
        _ => "your organization's",
    }
}

fn level(value: Option<&Value>) -> String {
    match value
        .and_then(Value::as_u64)
        .and_then(|l| u8::try_from(l).ok())
    {
        Some(level) => format!("{level} ({})", level_name(level)),
        None => "unknown (not certified)".to_owned(),
    }
}

fn number(value: Option<&Value>) -> String {
    value
        .and_then(Value::as_u64)
        .map_or_else(|| "unknown".to_owned(), |number| number.to_string())
}

fn text(value: Option<&Value>) -> String {
    value
        .and_then(Value::as_str)
        .map_or_else(|| "unknown".to_owned(), str::to_owned)
}

fn push_line(out: &mut String, line: std::fmt::Arguments<'_>) {
    // Writing into a String cannot fail.
    let _ = out.write_fmt(line);
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::{EffectivePolicy, Layers, Request, evaluate};

    fn decide(
        layers_yaml: &str,
        label: Option<(Layer, &str)>,
        facts: &Value,
    ) -> (ServerFacts, Decision) {
        let mut layers = Layers::from_yaml_str(layers_yaml).unwrap_or_default();
        if let Some((layer, label)) = label {
            layers.set_label(layer, label);
        }
        let facts = ServerFacts::from_value(facts).unwrap_or_else(|_| ServerFacts::named("?"));
        let decision = evaluate(
            &EffectivePolicy::compile(&layers),
            &facts,
            &Request::default(),
        );
        (facts, decision)
    }

    #[test]
    fn the_policy_md_example_is_reproduced_exactly() {
        let (facts, decision) = decide(
            "org: {min_cert_level: 1}\narea: {min_cert_level: 2}",
            Some((Layer::Area, "production-services")),
            &json!({"name": "@acme-corp/database-connector", "version": "1.2.0",
                    "origin": "verified", "cert_level": 1, "score": 84}),
        );
        assert_eq!(
            block_report(&facts, &decision),
            "Error: policy violation\n\
             Server: @acme-corp/database-connector@1.2.0\n\
             Required cert level: 2 (Security Certified)   [set by area \"production-services\"]\n\
             Actual cert level: 1 (Static Verified)\n\
             This server does not meet your organization's minimum certification level.\n\
             Contact your organization admin to adjust policies or wait for a higher-scoring version.\n",
            "POLICY.md section 6 gives this exact message for this case"
        );
    }

    #[test]
    fn every_violation_gets_lines_and_local_rules_point_at_the_file() {
        let (facts, decision) = decide(
            "local: {min_score: 90, deny_list: ['@a/*'], allow_list: ['@b/*'], allowed_origins: []}",
            None,
            &json!({"name": "@a/b", "origin": "community", "score": 10, "status": "revoked"}),
        );
        let report = block_report(&facts, &decision);
        for expected in [
            "Server: @a/b (version unknown)",
            "Status: revoked",
            "Blocked server: @a/b   [set by ~/.mcp/config.yaml]",
            "Allowed servers: only those on a list   [set by ~/.mcp/config.yaml]",
            "Allowed origins: none   [set by ~/.mcp/config.yaml]",
            "Required score: 90 or higher   [set by ~/.mcp/config.yaml]",
            "Actual score: 10",
            "This server does not meet your own minimum score.",
        ] {
            assert!(
                report.contains(expected),
                "missing `{expected}` in:\n{report}"
            );
        }
        assert!(
            report.ends_with("Change the policy: block of ~/.mcp/config.yaml to adjust your own rules, or wait for a higher-scoring version.\n"),
            "only the user's own rules block, so the admin cannot help:\n{report}"
        );
    }

    #[test]
    fn stale_snapshots_say_how_old_they_are() {
        use crate::{Freshness, StaleMode, Timestamp};
        let layers = Layers::new();
        let policy = EffectivePolicy::compile(&layers).with_freshness(Freshness {
            verified_at: Timestamp(0),
            max_offline_age_secs: 7 * 86_400,
            stale_mode: StaleMode::Block,
        });
        let facts = ServerFacts::named("@a/b");
        let request = Request {
            now: Some(Timestamp(9 * 86_400)),
            ..Request::default()
        };
        let report = block_report(&facts, &evaluate(&policy, &facts, &request));
        assert!(
            report.contains("Policy last confirmed: 9 days ago (allowed offline: 7 days)")
                && report.ends_with("refresh the policy, then try again.\n"),
            "a stale block tells the user to reconnect:\n{report}"
        );
    }
}
