//! Plain words for a non-technical user: level names, who imposed a rule, and one sentence
//! per violation. The command line and the tray show these strings as they are.

use serde_json::Value;

use crate::decision::Code;
use crate::facts::Status;
use crate::layer::Layer;
use crate::origin::{Origin, OriginSet};

/// The name of a certification level (`POLICY.md` section 6).
pub fn level_name(level: u8) -> &'static str {
    match level {
        0 => "Integrity Verified",
        1 => "Static Verified",
        2 => "Security Certified",
        3 => "Runtime Certified",
        _ => "an unknown level",
    }
}

/// Who imposed a rule, as the subject of a sentence.
pub fn layer_words(layer: Layer) -> &'static str {
    match layer {
        Layer::Mandatory => "your organization's mandatory policy",
        Layer::Org => "your organization",
        // Not "your area": the area may be the one that lists the server by name, on a
        // device that has none of its own.
        Layer::Area => "its area's policy",
        Layer::Server => "your organization's rule for this server",
        Layer::Local => "your own settings (~/.mcp/config.yaml)",
        Layer::Platform => "Gatehouse",
    }
}

/// What a violation is about, in the terms the message needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Detail {
    None,
    /// The name (normalized) a deny list matched: the bound name or a claim.
    Name(String),
    Status(Status),
    Origin {
        allowed: OriginSet,
        actual: Origin,
    },
    Level {
        required: u8,
        actual: Option<u8>,
    },
    Score {
        required: u8,
        actual: Option<u8>,
    },
    Stale {
        age_secs: Option<i64>,
        max_secs: i64,
    },
}

impl Detail {
    /// The `required` and `actual` values a violation carries for the UI.
    pub(crate) fn values(&self) -> (Option<Value>, Option<Value>) {
        match self {
            Detail::None => (None, None),
            Detail::Name(name) => (None, Some(Value::from(name.as_str()))),
            Detail::Status(status) => (None, Some(Value::from(status.name()))),
            Detail::Origin { allowed, actual } => (
                Some(Value::from(
                    allowed.iter().map(Origin::name).collect::<Vec<_>>(),
                )),
                Some(Value::from(actual.name())),
            ),
            Detail::Level { required, actual } | Detail::Score { required, actual } => (
                Some(Value::from(*required)),
                Some(actual.map_or(Value::Null, Value::from)),
            ),
            Detail::Stale { age_secs, max_secs } => (
                Some(Value::from(*max_secs)),
                Some(age_secs.map_or(Value::Null, Value::from)),
            ),
        }
    }
}

/// One sentence saying what a violation means for the user.
pub(crate) fn describe(code: Code, layer: Layer, detail: &Detail) -> String {
    let who = capitalized(layer_words(layer));
    // "Your own settings" is plural; every other subject is singular.
    let s = if layer == Layer::Local { "" } else { "s" };
    match (code, detail) {
        (Code::StatusBlocked, Detail::Status(Status::Quarantined)) => {
            "This server version is quarantined while it is investigated, so it may not run."
                .to_owned()
        }
        (Code::StatusBlocked, _) => {
            "This server version has been revoked, so it may not run.".to_owned()
        }
        (Code::ArtifactModified, _) => {
            "The files of this server were changed after it was installed, so it is not the \
             code your organization certified; it may not run. Remove it and install it again."
                .to_owned()
        }
        (Code::DenyListed, _) => format!("{who} block{s} this server."),
        (Code::NotAllowListed, _) => {
            format!("{who} allow{s} only the servers on a list, and this server is not on it.")
        }
        (Code::OriginNotAllowed, Detail::Origin { allowed, actual }) if allowed.is_empty() => {
            format!(
                "{who} allow{s} no server origin at all, so no server may run (this one is {}).",
                origin_words(*actual)
            )
        }
        (Code::OriginNotAllowed, Detail::Origin { allowed, actual }) => format!(
            "{who} allow{s} only servers {}; this server is {}.",
            origin_list_words(*allowed),
            origin_words(*actual)
        ),
        (Code::CertLevelBelowMin | Code::CertLevelUnknown, Detail::Level { required, actual }) => {
            let actual = match actual {
                Some(level) => format!("this server is level {level} ({})", level_name(*level)),
                None => "this server's certification level is unknown".to_owned(),
            };
            format!(
                "{who} require{s} certification level {required} ({}); {actual}.",
                level_name(*required)
            )
        }
        (Code::ScoreBelowMin | Code::ScoreUnknown, Detail::Score { required, actual }) => {
            let actual = match actual {
                Some(score) => format!("this server scores {score}"),
                None => "this server's score is unknown".to_owned(),
            };
            format!("{who} require{s} a security score of at least {required}; {actual}.")
        }
        (Code::StatusDeprecated, _) => {
            "This server version is deprecated; consider moving to a newer version.".to_owned()
        }
        (
            Code::PolicyStale,
            Detail::Stale {
                age_secs: Some(age),
                max_secs,
            },
        ) => format!(
            "Your organization's policy was last confirmed {} ago, longer than the {} it may \
             be used offline; connect to the network so Gatehouse can refresh it.",
            duration_words(*age),
            duration_words(*max_secs)
        ),
        (Code::PolicyStale, _) => "The current time is unknown, so Gatehouse cannot tell whether \
                                   your organization's policy is still fresh."
            .to_owned(),
        (Code::ForceNotPermitted, _) => format!(
            "{who} do{} not allow --force overrides, so they were ignored.",
            if layer == Layer::Local { "" } else { "es" }
        ),
        // A code with a detail of another kind cannot be built by `evaluate`.
        (code, _) => format!(
            "This server breaks the rule `{code}` set by {}.",
            layer_words(layer)
        ),
    }
}

/// Says a duration in the largest whole unit, e.g. "9 days" or "3 hours".
pub fn duration_words(seconds: i64) -> String {
    let (count, unit) = [(86_400, "day"), (3_600, "hour"), (60, "minute")]
        .into_iter()
        .find(|(size, _)| seconds >= *size)
        .map_or((seconds, "second"), |(size, unit)| (seconds / size, unit));
    let plural = if count == 1 { "" } else { "s" };
    format!("{count} {unit}{plural}")
}

fn origin_words(origin: Origin) -> &'static str {
    match origin {
        Origin::Official => "official",
        Origin::Verified => "from a verified publisher",
        Origin::Community => "from the community",
    }
}

fn origin_list_words(allowed: OriginSet) -> String {
    let words: Vec<&str> = allowed.iter().map(origin_words).collect();
    match words.as_slice() {
        [] => "of no origin".to_owned(),
        [one] => format!("that are {one}"),
        [init @ .., last] => format!("that are {} or {last}", init.join(", ")),
    }
}

pub(crate) fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cert_messages_read_as_in_the_brief() {
        let detail = Detail::Level {
            required: 2,
            actual: Some(1),
        };
        assert_eq!(
            describe(Code::CertLevelBelowMin, Layer::Org, &detail),
            "Your organization requires certification level 2 (Security Certified); \
             this server is level 1 (Static Verified).",
            "the user must see both levels by number and name, and who asked"
        );
        let unknown = Detail::Level {
            required: 1,
            actual: None,
        };
        assert_eq!(
            describe(Code::CertLevelUnknown, Layer::Local, &unknown),
            "Your own settings (~/.mcp/config.yaml) require certification level 1 \
             (Static Verified); this server's certification level is unknown.",
            "the local layer is plural and names the file the user can edit"
        );
    }

    #[test]
    fn origin_messages_list_what_is_allowed() {
        let allowed: OriginSet = [Origin::Official, Origin::Verified].into_iter().collect();
        let detail = Detail::Origin {
            allowed,
            actual: Origin::Community,
        };
        assert_eq!(
            describe(Code::OriginNotAllowed, Layer::Area, &detail),
            "Its area's policy allows only servers that are official or from a verified publisher; \
             this server is from the community."
        );
    }

    #[test]
    fn every_code_has_a_sentence() {
        for code in Code::ALL {
            let message = describe(code, Layer::Server, &Detail::None);
            assert!(
                message.ends_with('.') && message.chars().next().is_some_and(char::is_uppercase),
                "`{code}` must read as a sentence: {message}"
            );
        }
    }

    #[test]
    fn durations_use_the_largest_unit() {
        assert_eq!(
            duration_words(9 * 86_400 + 5),
            "9 days",
            "ages are said in whole days"
        );
        assert_eq!(duration_words(3_600), "1 hour", "one is singular");
        assert_eq!(duration_words(59), "59 seconds");
    }

    #[test]
    fn level_names_match_policy_md() {
        let names: Vec<_> = (0..4).map(level_name).collect();
        assert_eq!(
            names,
            [
                "Integrity Verified",
                "Static Verified",
                "Security Certified",
                "Runtime Certified"
            ],
            "POLICY.md section 6 names the levels"
        );
    }
}
