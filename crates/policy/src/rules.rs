//! The rules one layer may set (`POLICY.md` section 2), and their validation.
//!
//! Validation is strict: an unknown key, a wrong type, an out-of-range number, a misspelled
//! origin or mode, a bad pattern, two aliases of `cert_mode` or a `null` value rejects the
//! whole policy. Nothing is ever "fixed" into something more permissive.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::{ValidationError, shown};
use crate::layer::Layer;
use crate::mode::Mode;
use crate::origin::{Origin, OriginSet};
use crate::pattern::Pattern;

/// The highest certification level.
pub const MAX_CERT_LEVEL: u8 = 3;
/// The highest score.
pub const MAX_SCORE: u8 = 100;

/// The spellings of `cert_mode`; errors and diagnostics name the first, canonical one.
const CERT_MODE_ALIASES: [&str; 3] = ["cert_mode", "mode", "cert_level_mode"];

/// The validated rules of one layer. Every rule is optional; an absent rule has no say.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Rules {
    #[serde(skip_serializing_if = "Option::is_none")]
    min_cert_level: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    min_score: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    allowed_origins: Option<OriginSet>,
    #[serde(skip_serializing_if = "Option::is_none")]
    allow_list: Option<Vec<Pattern>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    deny_list: Option<Vec<Pattern>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cert_mode: Option<Mode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    score_mode: Option<Mode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    allow_force: Option<bool>,
}

impl Rules {
    /// Validates one policy object (a mapping with the keys of `POLICY.md` section 2) for
    /// `layer`. `null` counts as an empty policy. The `platform` layer may only be empty:
    /// it is the built-in defaults.
    pub fn from_value(layer: Layer, value: &Value) -> Result<Rules, ValidationError> {
        let map = match value {
            Value::Null => return Ok(Rules::default()),
            Value::Object(map) => map,
            other => {
                return Err(ValidationError::new(
                    Some(layer),
                    None,
                    other,
                    format!(
                        "the {layer} policy must be a mapping of rules, not `{}`",
                        shown(other)
                    ),
                ));
            }
        };
        if layer == Layer::Platform
            && let Some((key, value)) = map.iter().next()
        {
            return Err(ValidationError::new(
                Some(layer),
                Some(canonical_key(key)),
                value,
                "the platform layer holds the built-in defaults and cannot set rules",
            ));
        }
        let error = |key: &str, value: &Value, message: String| {
            ValidationError::new(Some(layer), Some(key), value, message)
        };
        check_aliases(map).map_err(|(value, message)| error("cert_mode", value, message))?;
        let mut rules = Rules::default();
        for (key, value) in map {
            let key = canonical_key(key);
            if value.is_null() {
                return Err(error(
                    key,
                    value,
                    format!("`{key}` is null; remove the key or give it a value"),
                ));
            }
            let fail = |message: String| error(key, value, message);
            match key {
                "min_cert_level" => {
                    rules.min_cert_level =
                        Some(bounded(value, MAX_CERT_LEVEL).ok_or_else(|| {
                            fail(format!(
                                "`min_cert_level` must be a whole number from 0 to 3, not `{}`",
                                shown(value)
                            ))
                        })?);
                }
                "min_score" => {
                    rules.min_score = Some(bounded(value, MAX_SCORE).ok_or_else(|| {
                        fail(format!(
                            "`min_score` must be a whole number from 0 to 100, not `{}`",
                            shown(value)
                        ))
                    })?);
                }
                "allowed_origins" => {
                    let items = strings(value).ok_or_else(|| {
                        fail(format!(
                            "`allowed_origins` must be a list of origins, not `{}`",
                            shown(value)
                        ))
                    })?;
                    let origins = items
                        .into_iter()
                        .map(str::parse::<Origin>)
                        .collect::<Result<OriginSet, String>>()
                        .map_err(fail)?;
                    rules.allowed_origins = Some(origins);
                }
                "allow_list" | "deny_list" => {
                    let items = strings(value).ok_or_else(|| {
                        fail(format!(
                            "`{key}` must be a list of server name patterns, not `{}`",
                            shown(value)
                        ))
                    })?;
                    let patterns = items
                        .into_iter()
                        .map(Pattern::parse)
                        .collect::<Result<Vec<_>, String>>()
                        .map_err(|reason| fail(format!("`{key}` is invalid: {reason}")))?;
                    if key == "allow_list" {
                        rules.allow_list = Some(patterns);
                    } else {
                        rules.deny_list = Some(patterns);
                    }
                }
                "cert_mode" | "score_mode" => {
                    let mode = value
                        .as_str()
                        .ok_or_else(|| {
                            format!(
                                "`{}` is not a mode; expected strict, warn or disabled",
                                shown(value)
                            )
                        })
                        .and_then(str::parse::<Mode>)
                        .map_err(fail)?;
                    if key == "cert_mode" {
                        rules.cert_mode = Some(mode);
                    } else {
                        rules.score_mode = Some(mode);
                    }
                }
                "allow_force" => {
                    rules.allow_force = Some(value.as_bool().ok_or_else(|| {
                        fail(format!(
                            "`allow_force` must be true or false, not `{}`",
                            shown(value)
                        ))
                    })?);
                }
                unknown => {
                    return Err(fail(format!("`{unknown}` is not a policy key")));
                }
            }
        }
        Ok(rules)
    }

    /// Whether the layer sets no rule at all.
    pub fn is_empty(&self) -> bool {
        *self == Rules::default()
    }

    /// `min_cert_level`, if set (0-3).
    pub fn min_cert_level(&self) -> Option<u8> {
        self.min_cert_level
    }

    /// `min_score`, if set (0-100).
    pub fn min_score(&self) -> Option<u8> {
        self.min_score
    }

    /// `allowed_origins`, if set; an empty set means nothing may run.
    pub fn allowed_origins(&self) -> Option<OriginSet> {
        self.allowed_origins
    }

    /// `allow_list`, if set; an empty list puts no restriction.
    pub fn allow_list(&self) -> Option<&[Pattern]> {
        self.allow_list.as_deref()
    }

    /// `deny_list`, if set.
    pub fn deny_list(&self) -> Option<&[Pattern]> {
        self.deny_list.as_deref()
    }

    /// `cert_mode` as set (under any alias).
    pub fn cert_mode(&self) -> Option<Mode> {
        self.cert_mode
    }

    /// `score_mode` as set.
    pub fn score_mode(&self) -> Option<Mode> {
        self.score_mode
    }

    /// `allow_force`, if set.
    pub fn allow_force(&self) -> Option<bool> {
        self.allow_force
    }

    /// The layer's own cert mode (`POLICY.md` section 3): the one it sets, else `strict` if it
    /// sets `min_cert_level` or `allowed_origins`, else none.
    pub fn own_cert_mode(&self) -> Option<Mode> {
        self.cert_mode.or_else(|| {
            (self.min_cert_level.is_some() || self.allowed_origins.is_some())
                .then_some(Mode::Strict)
        })
    }

    /// The layer's own score mode: the one it sets, else the cert mode it sets, else `strict`
    /// if it sets `min_score`, else none.
    pub fn own_score_mode(&self) -> Option<Mode> {
        self.score_mode
            .or(self.cert_mode)
            .or_else(|| self.min_score.is_some().then_some(Mode::Strict))
    }
}

/// The canonical name of a key: every alias of `cert_mode` becomes `cert_mode`.
fn canonical_key(key: &str) -> &str {
    if CERT_MODE_ALIASES.contains(&key) {
        "cert_mode"
    } else {
        key
    }
}

/// Refuses a layer that spells `cert_mode` more than one way: which one wins would be a guess.
fn check_aliases(map: &Map<String, Value>) -> Result<(), (&Value, String)> {
    let present: Vec<(&str, &Value)> = CERT_MODE_ALIASES
        .iter()
        .filter_map(|alias| map.get(*alias).map(|value| (*alias, value)))
        .collect();
    match present.as_slice() {
        [(first, value), (second, _), ..] => Err((
            value,
            format!("`{first}` and `{second}` both set the cert mode; keep only one of them"),
        )),
        _ => Ok(()),
    }
}

/// A whole number in `0..=max`; floats, negatives, strings and larger numbers are refused.
fn bounded(value: &Value, max: u8) -> Option<u8> {
    value
        .as_u64()
        .filter(|number| *number <= u64::from(max))
        .and_then(|number| u8::try_from(number).ok())
}

/// A list whose items are all strings.
fn strings(value: &Value) -> Option<Vec<&str>> {
    value.as_array()?.iter().map(Value::as_str).collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn invalid_key(value: Value) -> Option<String> {
        Rules::from_value(Layer::Org, &value)
            .err()
            .and_then(|error| error.key)
    }

    #[test]
    fn out_of_range_and_mistyped_numbers_are_refused() {
        for bad in [
            json!(7),
            json!(-1),
            json!(1.5),
            json!(2.0),
            json!("2"),
            json!(true),
        ] {
            assert_eq!(
                invalid_key(json!({"min_cert_level": bad})).as_deref(),
                Some("min_cert_level"),
                "`{bad}` is not a level 0-3 and must not be clamped"
            );
        }
        assert_eq!(
            invalid_key(json!({"min_score": 101})).as_deref(),
            Some("min_score")
        );
    }

    #[test]
    fn aliases_are_canonical_and_exclusive() {
        let rules = Rules::from_value(Layer::Local, &json!({"cert_level_mode": "WARN"}));
        assert_eq!(
            rules.map(|rules| rules.cert_mode()),
            Ok(Some(Mode::Warn)),
            "cert_level_mode is an alias of cert_mode, compared case-insensitively"
        );
        assert_eq!(
            invalid_key(json!({"mode": "warn", "cert_mode": "warn"})).as_deref(),
            Some("cert_mode"),
            "two aliases in one layer are an error that names the canonical key"
        );
        assert_eq!(
            invalid_key(json!({"mode": "strcit"})).as_deref(),
            Some("cert_mode"),
            "errors name the canonical key even when an alias was written"
        );
    }

    #[test]
    fn null_unknown_and_mistyped_values_are_refused() {
        assert_eq!(
            invalid_key(json!({"min_score": null})).as_deref(),
            Some("min_score")
        );
        assert_eq!(
            invalid_key(json!({"min_scor": 3})).as_deref(),
            Some("min_scor")
        );
        assert_eq!(
            invalid_key(json!({"allow_force": "no"})).as_deref(),
            Some("allow_force")
        );
        assert_eq!(
            invalid_key(json!({"allowed_origins": "official"})).as_deref(),
            Some("allowed_origins"),
            "a bare string is not a list"
        );
        assert_eq!(
            invalid_key(json!({"deny_list": ["@a/*b"]})).as_deref(),
            Some("deny_list")
        );
    }

    #[test]
    fn the_platform_layer_is_always_empty() {
        let error = Rules::from_value(Layer::Platform, &json!({"min_score": 1}));
        assert!(
            error.is_err(),
            "platform is the built-in defaults: every rule absent"
        );
        assert_eq!(
            Rules::from_value(Layer::Platform, &json!({})),
            Ok(Rules::default())
        );
    }

    #[test]
    fn own_modes_follow_the_derivation_rules() {
        let rules = Rules::from_value(Layer::Area, &json!({"min_score": 50})).unwrap_or_default();
        assert_eq!(
            rules.own_cert_mode(),
            None,
            "min_score alone gives no cert mode"
        );
        assert_eq!(
            rules.own_score_mode(),
            Some(Mode::Strict),
            "setting min_score implies strict"
        );
        let rules = Rules::from_value(Layer::Area, &json!({"cert_mode": "warn", "min_score": 50}))
            .unwrap_or_default();
        assert_eq!(
            rules.own_score_mode(),
            Some(Mode::Warn),
            "score_mode defaults to the cert_mode the layer sets"
        );
    }
}
