//! Evaluation of one server against an effective policy (`POLICY.md` section 4): a pure
//! function of the policy, the facts and the request. All violations are collected, each
//! code at most once, in the order of the checks.

use crate::decision::{Code, Decision, Severity, Verdict, Violation};
use crate::facts::{ServerFacts, Status};
use crate::layer::Layer;
use crate::merge::{EffectivePolicy, Sourced};
use crate::message::{Detail, describe};
use crate::mode::{Mode, StaleMode};
use crate::pattern::{ServerKey, UnknownVersion};
use crate::request::Request;

/// Decides whether `facts` may run under `policy` for `request`.
///
/// The request should have passed [`Request::validate`]; if it did not, overrides without
/// `force` are ignored and `force` without an override changes nothing.
pub fn evaluate(policy: &EffectivePolicy, facts: &ServerFacts, request: &Request) -> Decision {
    let mut found = Found {
        policy,
        violations: Vec::new(),
    };
    let forced = request.is_forced();
    let overrides_apply = forced && policy.allow_force.value;

    // 0. The verified server's installed files changed since they were recorded.
    if facts.artifact_modified {
        found.push(
            Code::ArtifactModified,
            Severity::Block,
            Layer::Platform,
            Detail::None,
        );
    }
    // 1. Status: never overridable.
    if matches!(facts.status, Status::Revoked | Status::Quarantined) {
        let detail = Detail::Status(facts.status);
        found.push(
            Code::StatusBlocked,
            Severity::Block,
            Layer::Platform,
            detail,
        );
    }
    // 2. Deny lists: union over layers, checked against the bound name and every claim (a
    //    claim's version is unknown), fail closed on an unknown version.
    let bound = facts
        .name
        .as_deref()
        .map(|name| ServerKey::new(name, facts.version.as_deref()));
    let claims = facts
        .claims
        .iter()
        .map(|claim| (claim.as_str(), ServerKey::new(claim, None)));
    let denied = facts
        .name
        .as_deref()
        .zip(bound.clone())
        .into_iter()
        .chain(claims)
        .filter_map(|(name, key)| {
            let layer = policy.deny_list.best_match(&key, UnknownVersion::Matches)?;
            Some((layer, name))
        })
        .min_by_key(|(layer, _)| *layer);
    if let Some((layer, name)) = denied {
        let detail = Detail::Name(name.to_owned());
        found.push(Code::DenyListed, Severity::Block, layer, detail);
    }
    // 3. Allow lists: only the bound name can satisfy them, and it must match every layer's
    //    list; the first miss names it. An unbound server never passes one.
    if let Some((layer, _)) = policy.allow_lists.iter().find(|(_, set)| {
        bound
            .as_ref()
            .is_none_or(|key| set.best_match(key, UnknownVersion::DoesNotMatch).is_none())
    }) {
        found.push(Code::NotAllowListed, Severity::Block, *layer, Detail::None);
    }
    check_origin(policy, facts, request, overrides_apply, &mut found);
    check_cert_level(policy, facts, request, overrides_apply, &mut found);
    check_score(policy, facts, &mut found);
    // 7. Deprecation: always a warning.
    if facts.status == Status::Deprecated {
        let detail = Detail::Status(facts.status);
        found.push(
            Code::StatusDeprecated,
            Severity::Warn,
            Layer::Platform,
            detail,
        );
    }
    // 8. Staleness of the hub snapshot.
    if let Some(freshness) = policy.freshness
        && freshness.is_stale(request.now)
    {
        let severity = match freshness.stale_mode {
            StaleMode::Keep => None,
            StaleMode::Warn => Some(Severity::Warn),
            StaleMode::Block => Some(Severity::Block),
        };
        if let Some(severity) = severity {
            let detail = Detail::Stale {
                age_secs: freshness.age_secs(request.now),
                max_secs: freshness.max_offline_age_secs,
            };
            found.push(Code::PolicyStale, severity, Layer::Platform, detail);
        }
    }
    // Force where it is forbidden: the overrides were ignored above, and the attempt blocks.
    if forced && !policy.allow_force.value {
        let layer = policy.allow_force.layer;
        found.push(
            Code::ForceNotPermitted,
            Severity::Block,
            layer,
            Detail::None,
        );
    }
    found.into_decision()
}

/// Check 4, origin: the mandatory list first (always blocks), then the merged lists under
/// `cert_mode`, where a permitted `--force` may add origins.
fn check_origin(
    policy: &EffectivePolicy,
    facts: &ServerFacts,
    request: &Request,
    overrides_apply: bool,
    found: &mut Found<'_>,
) {
    let origin = facts.origin;
    let detail = |allowed| Detail::Origin {
        allowed,
        actual: origin,
    };
    if let Some(allowed) = policy.mandatory.allowed_origins
        && !allowed.contains(origin)
    {
        found.push(
            Code::OriginNotAllowed,
            Severity::Block,
            Layer::Mandatory,
            detail(allowed),
        );
        return;
    }
    let Some(severity) = severity(policy.cert_mode.value) else {
        return;
    };
    if overrides_apply && request.override_allow_origins.contains(&origin) {
        return;
    }
    if let Some((layer, allowed)) = policy
        .origin_lists
        .iter()
        .find(|(_, allowed)| !allowed.contains(origin))
    {
        found.push(Code::OriginNotAllowed, severity, *layer, detail(*allowed));
    }
}

/// Check 5, cert level: the mandatory minimum first (always blocks), then the merged minimum under
/// `cert_mode`, which a permitted `--force` may lower but never raise.
fn check_cert_level(
    policy: &EffectivePolicy,
    facts: &ServerFacts,
    request: &Request,
    overrides_apply: bool,
    found: &mut Found<'_>,
) {
    let mandatory = policy.mandatory.min_cert_level.map(|value| Sourced {
        value,
        layer: Layer::Mandatory,
    });
    if let Some(code) = minimum_broken(mandatory, facts.cert_level, CERT_CODES) {
        let detail = level_detail(mandatory, facts.cert_level);
        found.push(code, Severity::Block, Layer::Mandatory, detail);
        return;
    }
    let Some(severity) = severity(policy.cert_mode.value) else {
        return;
    };
    let mut minimum = policy.min_cert_level;
    if let (true, Some(lowered), Some(minimum)) = (
        overrides_apply,
        request.override_min_cert_level,
        minimum.as_mut(),
    ) {
        minimum.value = minimum.value.min(lowered);
    }
    if let Some(code) = minimum_broken(minimum, facts.cert_level, CERT_CODES) {
        let detail = level_detail(minimum, facts.cert_level);
        found.push(
            code,
            severity,
            minimum.map_or(Layer::Platform, |m| m.layer),
            detail,
        );
    }
}

/// Check 6, score: the mandatory minimum first (always blocks), then the merged one under
/// `score_mode`. `--force` has no score override.
fn check_score(policy: &EffectivePolicy, facts: &ServerFacts, found: &mut Found<'_>) {
    let mandatory = policy.mandatory.min_score.map(|value| Sourced {
        value,
        layer: Layer::Mandatory,
    });
    let detail = |minimum: Option<Sourced<u8>>| Detail::Score {
        required: minimum.map_or(0, |m| m.value),
        actual: facts.score,
    };
    if let Some(code) = minimum_broken(mandatory, facts.score, SCORE_CODES) {
        found.push(code, Severity::Block, Layer::Mandatory, detail(mandatory));
        return;
    }
    let Some(severity) = severity(policy.score_mode.value) else {
        return;
    };
    let minimum = policy.min_score;
    if let Some(code) = minimum_broken(minimum, facts.score, SCORE_CODES) {
        let layer = minimum.map_or(Layer::Platform, |m| m.layer);
        found.push(code, severity, layer, detail(minimum));
    }
}

const CERT_CODES: (Code, Code) = (Code::CertLevelBelowMin, Code::CertLevelUnknown);
const SCORE_CODES: (Code, Code) = (Code::ScoreBelowMin, Code::ScoreUnknown);

/// Which code, if any, a value breaks against a minimum: below it, or unknown under a
/// positive one. A minimum of 0 (or none) cannot be broken.
fn minimum_broken(
    minimum: Option<Sourced<u8>>,
    actual: Option<u8>,
    (below, unknown): (Code, Code),
) -> Option<Code> {
    let minimum = minimum.map(|m| m.value).filter(|value| *value > 0)?;
    match actual {
        None => Some(unknown),
        Some(actual) if actual < minimum => Some(below),
        Some(_) => None,
    }
}

fn level_detail(minimum: Option<Sourced<u8>>, actual: Option<u8>) -> Detail {
    Detail::Level {
        required: minimum.map_or(0, |m| m.value),
        actual,
    }
}

/// The severity a governed check reports with; `None` when its mode disables it.
fn severity(mode: Mode) -> Option<Severity> {
    match mode {
        Mode::Strict => Some(Severity::Block),
        Mode::Warn => Some(Severity::Warn),
        Mode::Disabled => None,
    }
}

/// The violations found so far; a code already found is not added twice.
#[derive(Debug)]
struct Found<'a> {
    policy: &'a EffectivePolicy,
    violations: Vec<Violation>,
}

impl Found<'_> {
    fn push(&mut self, code: Code, severity: Severity, layer: Layer, detail: Detail) {
        if self
            .violations
            .iter()
            .any(|violation| violation.code == code)
        {
            return;
        }
        let (required, actual) = detail.values();
        self.violations.push(Violation {
            code,
            severity,
            layer,
            layer_label: self.policy.label(layer).map(str::to_owned),
            message: describe(code, layer, &detail),
            required,
            actual,
        });
    }

    fn into_decision(self) -> Decision {
        let verdict = match self.violations.iter().map(|v| v.severity).max() {
            Some(Severity::Block) => Verdict::Block,
            Some(Severity::Warn) => Verdict::Warn,
            None => Verdict::Allow,
        };
        Decision {
            verdict,
            violations: self.violations,
            diagnostics: self.policy.diagnostics.clone(),
        }
    }
}
