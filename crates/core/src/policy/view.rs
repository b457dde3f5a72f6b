//! The policy in force on this device, for `gatehouse policy show` and the app's policy
//! view: each effective rule in plain words with the layer that set it, the merge's clamp
//! diagnostics, and the signed snapshot it came from (serial, age, signing key).

use gatehouse_hub::fingerprint;
use gatehouse_policy::{
    Diagnostic, EffectivePolicy, Layer, Mode, Origin, StaleMode, Timestamp, duration_words,
    layer_words, level_name,
};
use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::context::Context;
use crate::error::Result;
use crate::policy::Scope;
use crate::ports::Clock;

/// Everything the policy view shows.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PolicyView {
    /// The signed snapshot the hub layers come from; `None` without a hub.
    pub snapshot: Option<SnapshotView>,
    /// The device's area, if one is set.
    pub area: Option<String>,
    /// Each effective rule, in the order a person reads them.
    pub rules: Vec<RuleLine>,
    /// The rules that apply to particular servers only (an area that lists them, or a
    /// rule of their own), which can block a server the rules above allow.
    pub servers: Vec<ServerRules>,
    /// Looser values a layer asked for and that were ignored.
    pub diagnostics: Vec<ClampLine>,
    /// The whole effective policy in its machine form (provenance included).
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub effective: EffectivePolicy,
}

/// The rules the org set for one server by name, beyond the device's.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ServerRules {
    /// The server's name as the org's policy names it (lower case; `@scope/name`).
    pub server: String,
    /// The area that lists it, if one does.
    pub area: Option<String>,
    /// The rules its area or its own override set, in the order a person reads them.
    pub rules: Vec<RuleLine>,
}

/// The hub snapshot in force.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SnapshotView {
    pub org: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub serial: u64,
    /// When it was last confirmed by the hub (RFC 3339).
    pub verified_at: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub age_secs: i64,
    /// How long it may be used offline, when the bundle says.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub max_offline_age_secs: Option<i64>,
    pub stale: bool,
    pub key_id: String,
    /// The SHA-256 fingerprint of the pinned key that verified it.
    pub key_fingerprint: Option<String>,
}

/// One effective rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RuleLine {
    /// The canonical policy key.
    pub key: String,
    /// What the rule is about, e.g. "Lowest certification level".
    pub label: String,
    /// Its value in words, e.g. "2 — Security Certified".
    pub value: String,
    /// The layer that set it (`platform` for Gatehouse's default).
    pub layer: Layer,
    /// Who set it, in words, e.g. "the area production-services".
    pub set_by: String,
}

/// A clamp: a layer asked for something looser than what stays in force.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ClampLine {
    pub layer: Layer,
    pub key: String,
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub asked: serde_json::Value,
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub kept: serde_json::Value,
    /// The same in one sentence.
    pub text: String,
}

/// Reads the policy in force now. Never touches the network.
pub async fn policy_view<C: Clock>(ctx: &Context<C>) -> Result<PolicyView> {
    let sources = ctx.policy_sources(Scope::ManyServers).await?;
    let now = ctx.clock.now();
    let (layers, freshness) = sources.device_policy();
    let mut effective = EffectivePolicy::compile(&layers);
    if let Some(freshness) = freshness {
        effective = effective.with_freshness(freshness);
    }
    let snapshot = match &sources.hub {
        Some(hub) => {
            let settings = ctx.hub_settings().await?;
            let age_secs = now.unix_timestamp() - hub.fresh_at.0;
            Some(SnapshotView {
                org: hub.org.clone(),
                serial: hub.serial,
                verified_at: rfc3339(hub.fresh_at),
                age_secs,
                max_offline_age_secs: freshness.map(|f| f.max_offline_age_secs),
                stale: freshness.is_some_and(|f| f.is_stale(Some(Timestamp(now.unix_timestamp())))),
                key_id: hub.key_id.clone(),
                key_fingerprint: settings
                    .keys
                    .for_id(&hub.key_id)
                    .map(|pinned| fingerprint(&pinned.key)),
            })
        }
        None => None,
    };
    let servers = sources
        .named_server_policies()
        .into_iter()
        .filter_map(|(server, area, layers)| {
            let mut policy = EffectivePolicy::compile(&layers);
            if let Some(freshness) = freshness {
                policy = policy.with_freshness(freshness);
            }
            // The device's own area's rules are listed above already.
            let own_area = area.is_some() && area == sources.area;
            let rules: Vec<RuleLine> = rule_lines(&policy)
                .into_iter()
                .filter(|line| match line.layer {
                    Layer::Server => true,
                    Layer::Area => !own_area,
                    _ => false,
                })
                .collect();
            // Names are kept normalized (lower case, no `@`); a scoped one is shown as the
            // catalog writes it.
            let server = if server.contains('/') {
                format!("@{server}")
            } else {
                server
            };
            (!rules.is_empty()).then_some(ServerRules {
                server,
                area,
                rules,
            })
        })
        .collect();
    Ok(PolicyView {
        snapshot,
        area: sources.area.clone(),
        rules: rule_lines(&effective),
        servers,
        diagnostics: effective.diagnostics().iter().map(clamp_line).collect(),
        effective,
    })
}

fn rfc3339(time: Timestamp) -> String {
    OffsetDateTime::from_unix_timestamp(time.0)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

/// "the area production-services": who set a rule, with the area's name when known.
fn set_by(policy: &EffectivePolicy, layer: Layer) -> String {
    match (layer, policy.label(layer)) {
        (Layer::Area, Some(label)) => format!("the area {label}"),
        (Layer::Platform, _) => "Gatehouse's default".to_owned(),
        _ => layer_words(layer).to_owned(),
    }
}

fn mode_words(mode: Mode) -> &'static str {
    match mode {
        Mode::Strict => "Blocked",
        Mode::Warn => "Asks first",
        Mode::Disabled => "Not checked",
    }
}

fn origin_name(origin: Origin) -> &'static str {
    match origin {
        Origin::Official => "Official",
        Origin::Verified => "Verified",
        Origin::Community => "Community",
    }
}

/// The effective rules in words. Rules nobody set are left out, except the modes and
/// `--force`, which always have a value.
pub fn rule_lines(policy: &EffectivePolicy) -> Vec<RuleLine> {
    let line = |key: &str, label: &str, value: String, layer: Layer| RuleLine {
        key: key.to_owned(),
        label: label.to_owned(),
        value,
        layer,
        set_by: set_by(policy, layer),
    };
    let mut lines = Vec::new();
    if let Some(level) = policy.min_cert_level() {
        lines.push(line(
            "min_cert_level",
            "Lowest certification level",
            format!("{} — {}", level.value, level_name(level.value)),
            level.layer,
        ));
    }
    if let Some(score) = policy.min_score() {
        lines.push(line(
            "min_score",
            "Lowest security score",
            format!("{}/100", score.value),
            score.layer,
        ));
    }
    // The effective set is the intersection; the most authoritative list names the layer.
    if let (Some(allowed), Some((layer, _))) =
        (policy.allowed_origins(), policy.origin_lists().first())
    {
        let names: Vec<&str> = allowed.iter().map(origin_name).collect();
        let value = if names.is_empty() {
            "None: no server may run".to_owned()
        } else {
            names.join(", ")
        };
        lines.push(line("allowed_origins", "Origins allowed", value, *layer));
    }
    for (layer, entries) in policy.allow_lists() {
        lines.push(line(
            "allow_list",
            "Only these servers may run",
            format!("{entries} listed"),
            layer,
        ));
    }
    if policy.deny_list_len() > 0 {
        lines.push(line(
            "deny_list",
            "Servers never allowed",
            format!("{} listed", policy.deny_list_len()),
            Layer::Org,
        ));
        // The deny list is a union of every layer's entries; it has no single author.
        if let Some(last) = lines.last_mut() {
            last.set_by = "each layer that lists one".to_owned();
        }
    }
    let cert = policy.cert_mode();
    lines.push(line(
        "cert_mode",
        "A server below the level or origin rules",
        mode_words(cert.value).to_owned(),
        cert.layer,
    ));
    let score = policy.score_mode();
    lines.push(line(
        "score_mode",
        "A server below the score rule",
        mode_words(score.value).to_owned(),
        score.layer,
    ));
    let force = policy.allow_force();
    lines.push(line(
        "allow_force",
        "Running a server anyway (--force)",
        if force.value {
            "Allowed, and recorded"
        } else {
            "Not allowed"
        }
        .to_owned(),
        force.layer,
    ));
    if let Some(freshness) = policy.freshness() {
        let after = match freshness.stale_mode {
            StaleMode::Keep => "then still enforced as it is",
            StaleMode::Warn => "then every launch asks first",
            StaleMode::Block => "then nothing runs",
        };
        lines.push(line(
            "max_offline_age",
            "Policy used without reaching the hub",
            format!(
                "up to {}, {after}",
                duration_words(freshness.max_offline_age_secs)
            ),
            Layer::Org,
        ));
    }
    lines
}

fn clamp_line(diagnostic: &Diagnostic) -> ClampLine {
    match diagnostic {
        Diagnostic::Clamp {
            layer,
            key,
            asked,
            kept,
        } => ClampLine {
            layer: *layer,
            key: key.clone(),
            asked: asked.clone(),
            kept: kept.clone(),
            text: format!(
                "{} asked for `{key}: {asked}`, which is looser than `{kept}` already in force, so it was ignored.",
                capitalized(layer_words(*layer))
            ),
        },
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use gatehouse_policy::Layers;

    use super::*;

    #[test]
    fn each_rule_names_who_set_it() {
        let mut layers = Layers::from_yaml_str(
            "org: {min_cert_level: 1, allowed_origins: [official, verified]}\narea: {min_cert_level: 2, min_score: 70, score_mode: warn}\nlocal: {min_cert_level: 0}",
        )
        .unwrap();
        layers.set_label(Layer::Area, "production-services");
        let policy = EffectivePolicy::compile(&layers);
        let lines = rule_lines(&policy);
        let level = lines.iter().find(|l| l.key == "min_cert_level").unwrap();
        assert_eq!(level.value, "2 — Security Certified");
        assert_eq!(
            level.set_by, "the area production-services",
            "the stricter area rule wins and is named with its area"
        );
        let origins = lines.iter().find(|l| l.key == "allowed_origins").unwrap();
        assert_eq!(origins.value, "Official, Verified");
        let score_mode = lines.iter().find(|l| l.key == "score_mode").unwrap();
        assert_eq!(score_mode.value, "Asks first");
        let force = lines.iter().find(|l| l.key == "allow_force").unwrap();
        assert_eq!(force.set_by, "Gatehouse's default");
        let clamps: Vec<ClampLine> = policy.diagnostics().iter().map(clamp_line).collect();
        let local = clamps
            .iter()
            .find(|c| c.layer == Layer::Local)
            .expect("the local level 0 is looser than 2 and is clamped");
        assert!(
            local.text.starts_with("Your own settings") && local.text.contains("min_cert_level"),
            "{}",
            local.text
        );
    }
}
