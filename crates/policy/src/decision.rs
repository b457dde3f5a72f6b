//! The outcome of an evaluation: a verdict, every violation found, and the merge's
//! diagnostics. Serializes to the JSON of `shared/CLI.md` (`check --json`).

use std::fmt;
use std::str::FromStr;

use serde::Serialize;
use serde_json::Value;

use crate::facts::ServerFacts;
use crate::layer::Layer;
use crate::merge::Diagnostic;
use crate::request::Request;

/// Whether a server may run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Verdict {
    /// Runs.
    Allow,
    /// Runs after a confirmation, or with `--trust`.
    Warn,
    /// Never runs.
    Block,
}

impl Verdict {
    /// The lower-case name used in JSON and the corpus.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Allow => "allow",
            Verdict::Warn => "warn",
            Verdict::Block => "block",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Verdict {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        [Verdict::Allow, Verdict::Warn, Verdict::Block]
            .into_iter()
            .find(|verdict| verdict.name() == text)
            .ok_or_else(|| format!("`{text}` is not a verdict; expected allow, warn or block"))
    }
}

/// How much one violation weighs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Severity {
    /// Needs a confirmation or `--trust`.
    Warn,
    /// Never runs.
    Block,
}

/// The stable violation codes of `POLICY.md` section 4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Code {
    /// The installed files of a verified server changed since they were recorded.
    ArtifactModified,
    /// The version is revoked or quarantined.
    StatusBlocked,
    /// A deny list matches.
    DenyListed,
    /// Some layer's allow list does not match.
    NotAllowListed,
    /// The origin is not allowed.
    OriginNotAllowed,
    /// The cert level is below the minimum.
    CertLevelBelowMin,
    /// The cert level is unknown and the minimum is positive.
    CertLevelUnknown,
    /// The score is below the minimum.
    ScoreBelowMin,
    /// The score is unknown and the minimum is positive.
    ScoreUnknown,
    /// The version is deprecated.
    StatusDeprecated,
    /// The hub snapshot is older than it may be.
    PolicyStale,
    /// `--force` was used where the merged `allow_force` is false.
    ForceNotPermitted,
}

impl Code {
    /// Every code, in the order of the checks.
    pub const ALL: [Code; 12] = [
        Code::ArtifactModified,
        Code::StatusBlocked,
        Code::DenyListed,
        Code::NotAllowListed,
        Code::OriginNotAllowed,
        Code::CertLevelBelowMin,
        Code::CertLevelUnknown,
        Code::ScoreBelowMin,
        Code::ScoreUnknown,
        Code::StatusDeprecated,
        Code::PolicyStale,
        Code::ForceNotPermitted,
    ];

    /// The snake_case name used in JSON and the corpus.
    pub fn name(self) -> &'static str {
        match self {
            Code::ArtifactModified => "artifact_modified",
            Code::StatusBlocked => "status_blocked",
            Code::DenyListed => "deny_listed",
            Code::NotAllowListed => "not_allow_listed",
            Code::OriginNotAllowed => "origin_not_allowed",
            Code::CertLevelBelowMin => "cert_level_below_min",
            Code::CertLevelUnknown => "cert_level_unknown",
            Code::ScoreBelowMin => "score_below_min",
            Code::ScoreUnknown => "score_unknown",
            Code::StatusDeprecated => "status_deprecated",
            Code::PolicyStale => "policy_stale",
            Code::ForceNotPermitted => "force_not_permitted",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Code {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Code::ALL
            .into_iter()
            .find(|code| code.name() == text)
            .ok_or_else(|| format!("`{text}` is not a violation code"))
    }
}

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Violation {
    /// What was broken.
    pub code: Code,
    /// How much it weighs.
    pub severity: Severity,
    /// The layer that imposed the rule (`platform` for status and staleness).
    pub layer: Layer,
    /// The layer's name where the caller gave one, such as the area `production-services`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer_label: Option<String>,
    /// What happened, in plain words for a non-technical user.
    pub message: String,
    /// What the rule requires, when there is a value to show (e.g. `2`, `["official"]`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub required: Option<Value>,
    /// What the server has, when there is a value to show (`null`: unknown).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual: Option<Value>,
}

/// The decision about one server for one request.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    /// `block` if any violation blocks, else `warn` if any warns, else `allow`.
    pub verdict: Verdict,
    /// Every violation, in the order of the checks; each code at most once.
    pub violations: Vec<Violation>,
    /// The merge's diagnostics (clamps).
    pub diagnostics: Vec<Diagnostic>,
}

impl Decision {
    /// The exit code of a non-interactive `run` with no remembered confirmation: `allow` 0,
    /// `warn` 0 with `--trust` else 4, `block` 4.
    pub fn exit_code(&self, request: &Request) -> u8 {
        match self.verdict {
            Verdict::Allow => 0,
            Verdict::Warn if request.trust => 0,
            Verdict::Warn | Verdict::Block => 4,
        }
    }

    /// The codes of the violations, in order.
    pub fn codes(&self) -> Vec<Code> {
        self.violations
            .iter()
            .map(|violation| violation.code)
            .collect()
    }

    /// The blocking violations.
    pub fn blocking(&self) -> impl Iterator<Item = &Violation> {
        self.violations
            .iter()
            .filter(|violation| violation.severity == Severity::Block)
    }

    /// The JSON of `check --json` / `policy explain --json` in `shared/CLI.md`.
    pub fn to_cli_json(&self, facts: &ServerFacts, request: &Request) -> Value {
        serde_json::json!({
            "server": facts.label(),
            "version": facts.version,
            "verdict": self.verdict,
            "exit_code": self.exit_code(request),
            "violations": self.violations,
            "diagnostics": self.diagnostics,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_through_their_names() {
        for code in Code::ALL {
            assert_eq!(
                code.name().parse::<Code>(),
                Ok(code),
                "corpus names must parse back"
            );
            assert_eq!(
                serde_json::to_value(code).ok(),
                Some(Value::from(code.name())),
                "JSON and the corpus use the same snake_case name"
            );
        }
    }

    #[test]
    fn exit_codes_follow_the_launcher_contract() {
        let decision = |verdict| Decision {
            verdict,
            violations: Vec::new(),
            diagnostics: Vec::new(),
        };
        let trusted = Request {
            trust: true,
            ..Request::default()
        };
        assert_eq!(decision(Verdict::Allow).exit_code(&Request::default()), 0);
        assert_eq!(
            decision(Verdict::Warn).exit_code(&Request::default()),
            4,
            "a warning with no way to ask is refused"
        );
        assert_eq!(
            decision(Verdict::Warn).exit_code(&trusted),
            0,
            "--trust runs a warning"
        );
        assert_eq!(
            decision(Verdict::Block).exit_code(&trusted),
            4,
            "--trust never runs a block"
        );
    }
}
