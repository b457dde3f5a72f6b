//! Server facts: who a server is (its bound name and every name its launch claims, POLICY.md
//! section 1) and what the signed catalog knows about it (version, origin, certification
//! level, score, status, digest).
//!
//! Facts describe the world, so they are read leniently: an unknown origin counts as
//! community, an unknown status as unknown, and a cert level or score that is not a number
//! in range as unknown (which fails any positive minimum). A server may have no bound name
//! (it is unbound: only claims), so only facts that are not a mapping are an error.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::origin::Origin;
use crate::rules::{MAX_CERT_LEVEL, MAX_SCORE};

/// The publication status of a server version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(
    feature = "ts",
    derive(ts_rs::TS),
    ts(rename = "PublicationStatus", rename_all = "lowercase")
)]
pub enum Status {
    /// Published and current.
    Published,
    /// Still available; runs with a warning.
    Deprecated,
    /// Held back while it is investigated; never runs.
    Quarantined,
    /// Withdrawn; never runs.
    Revoked,
    /// Not known (not in the catalog, or a status this version does not know).
    #[default]
    Unknown,
}

impl Status {
    /// The lower-case name used in the catalog.
    pub fn name(self) -> &'static str {
        match self {
            Status::Published => "published",
            Status::Deprecated => "deprecated",
            Status::Quarantined => "quarantined",
            Status::Revoked => "revoked",
            Status::Unknown => "unknown",
        }
    }

    fn from_fact(text: Option<&str>) -> Status {
        let known = [
            Status::Published,
            Status::Deprecated,
            Status::Quarantined,
            Status::Revoked,
        ];
        text.and_then(|text| {
            known
                .into_iter()
                .find(|status| status.name().eq_ignore_ascii_case(text))
        })
        .unwrap_or(Status::Unknown)
    }
}

impl Serialize for Status {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

/// What is known about one server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServerFacts {
    /// The bound name: the name of the code that will run, e.g. `@acme-corp/db-connector`
    /// (compared normalized). `None` for an unbound server, which has only claims.
    pub name: Option<String>,
    /// The version, if known.
    pub version: Option<String>,
    /// The origin; unknown or missing counts as community.
    pub origin: Origin,
    /// The certification level 0-3, if known.
    pub cert_level: Option<u8>,
    /// The score 0-100, if known.
    pub score: Option<u8>,
    /// The publication status.
    pub status: Status,
    /// The artifact digest, if known.
    pub digest: Option<String>,
    /// Every other name the launch claims (a `--name` label, the id, extra packages its
    /// command names): deny lists and revocations see them, allow lists do not.
    pub claims: Vec<String>,
    /// The installed files of a verified server no longer match what was recorded when it
    /// was installed: it never runs, whatever the policy says.
    pub artifact_modified: bool,
}

impl ServerFacts {
    /// Facts about a server of which only the bound name is known: uncertified community.
    pub fn named(name: impl Into<String>) -> ServerFacts {
        ServerFacts {
            name: Some(name.into()),
            ..ServerFacts::unbound(Vec::new())
        }
    }

    /// Facts about an unbound server: no bound name, only `claims`, nothing certified.
    pub fn unbound(claims: Vec<String>) -> ServerFacts {
        ServerFacts {
            name: None,
            version: None,
            origin: Origin::Community,
            cert_level: None,
            score: None,
            status: Status::Unknown,
            digest: None,
            claims,
            artifact_modified: false,
        }
    }

    /// What to call the server in a message: its bound name, else the first name it claims.
    pub fn label(&self) -> &str {
        self.name
            .as_deref()
            .or_else(|| self.claims.first().map(String::as_str))
            .unwrap_or("this server")
    }

    /// The bound name and every claim: the names a deny list or a revocation sees.
    pub fn every_name(&self) -> impl Iterator<Item = &str> {
        self.name
            .as_deref()
            .into_iter()
            .chain(self.claims.iter().map(String::as_str))
    }

    /// Reads facts from a mapping such as a catalog entry or a corpus `server:`; keys other
    /// than the known ones are ignored.
    pub fn from_value(value: &Value) -> Result<ServerFacts> {
        let map = value
            .as_object()
            .ok_or_else(|| Error::Facts("the server facts must be a mapping".to_owned()))?;
        let field = |key: &str| map.get(key).filter(|value| !value.is_null());
        let name = match field("name").map(text) {
            None => None,
            Some(Some(name)) if !name.is_empty() => Some(name),
            Some(_) => {
                return Err(Error::Facts(
                    "a server's `name` must be a non-empty string when it is given".to_owned(),
                ));
            }
        };
        let claims = match field("claims") {
            None => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| match item {
                    Value::String(claim) if !claim.is_empty() => Ok(claim.clone()),
                    _ => Err(Error::Facts(
                        "every entry of `claims` must be a non-empty string".to_owned(),
                    )),
                })
                .collect::<Result<Vec<_>>>()?,
            Some(_) => {
                return Err(Error::Facts("`claims` must be a list of names".to_owned()));
            }
        };
        Ok(ServerFacts {
            name,
            claims,
            artifact_modified: false,
            version: field("version").and_then(text),
            origin: Origin::from_fact(field("origin").and_then(Value::as_str)),
            cert_level: field("cert_level").and_then(|value| whole(value, MAX_CERT_LEVEL)),
            score: field("score").and_then(|value| whole(value, MAX_SCORE)),
            status: Status::from_fact(field("status").and_then(Value::as_str)),
            digest: field("digest").and_then(text),
        })
    }
}

impl<'de> Deserialize<'de> for ServerFacts {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        ServerFacts::from_value(&value).map_err(serde::de::Error::custom)
    }
}

/// A string, or a number written where a string was meant (YAML reads `version: 1.0` as a
/// number).
fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// A whole number in `0..=max`, also when written as a string; anything else is unknown.
fn whole(value: &Value, max: u8) -> Option<u8> {
    let number = match value {
        Value::Number(number) => number.as_u64(),
        Value::String(text) => text.trim().parse::<u64>().ok(),
        _ => None,
    }?;
    u8::try_from(number).ok().filter(|number| *number <= max)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn facts_are_read_leniently() {
        let facts = ServerFacts::from_value(&json!({
            "name": "@a/b", "version": 1.5, "origin": "Partner", "cert_level": 9,
            "score": "80", "status": "yanked", "description": "ignored"
        }));
        let expected = ServerFacts {
            version: Some("1.5".to_owned()),
            score: Some(80),
            ..ServerFacts::named("@a/b")
        };
        assert_eq!(
            facts.ok(),
            Some(expected),
            "facts describe the world: odd values become unknown or community, never an error"
        );
    }

    #[test]
    fn an_unbound_server_has_only_claims() {
        let facts = ServerFacts::from_value(&json!({"claims": ["evil-bin", "@evil/pkg"]}));
        assert_eq!(
            facts.ok(),
            Some(ServerFacts::unbound(vec![
                "evil-bin".to_owned(),
                "@evil/pkg".to_owned()
            ])),
            "POLICY.md section 1: an unbound server has no `name`"
        );
        assert!(
            ServerFacts::from_value(&json!({"name": ""})).is_err(),
            "a name, when given, is a real one"
        );
        assert!(ServerFacts::from_value(&json!({"claims": "x"})).is_err());
        assert!(
            ServerFacts::from_value(&json!([])).is_err(),
            "facts must be a mapping"
        );
    }
}
