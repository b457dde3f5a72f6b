//! The request: what the user asked for on the command line (`--trust`, `--force` and its
//! overrides) and the current time, passed in because the policy reads no clock.

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::origin::Origin;
use crate::rules::MAX_CERT_LEVEL;
use crate::time::Timestamp;

/// One launch (or check) request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Request {
    /// Run a `warn` verdict without asking.
    pub trust: bool,
    /// Apply the overrides below (only where the merged `allow_force` is true).
    pub force: bool,
    /// Lower the effective minimum cert level for this request.
    pub override_min_cert_level: Option<u8>,
    /// Admit these origins for this request.
    pub override_allow_origins: Vec<Origin>,
    /// The current time, for the staleness check.
    pub now: Option<Timestamp>,
}

impl Request {
    /// Whether the request carries an override.
    pub fn has_override(&self) -> bool {
        self.override_min_cert_level.is_some() || !self.override_allow_origins.is_empty()
    }

    /// Whether `--force` is in use: the flag together with at least one override.
    pub fn is_forced(&self) -> bool {
        self.force && self.has_override()
    }

    /// Refuses what the command line refuses with exit code 2: an override without
    /// `--force`, `--force` without an override, or a cert level that does not exist.
    pub fn validate(&self) -> Result<()> {
        if self.has_override() && !self.force {
            return Err(Error::Usage(
                "an override (`override_min_cert_level`, `override_allow_origins`) needs `force`"
                    .to_owned(),
            ));
        }
        if self.force && !self.has_override() {
            return Err(Error::Usage(
                "`force` needs an override (`override_min_cert_level` or `override_allow_origins`)"
                    .to_owned(),
            ));
        }
        if let Some(level) = self.override_min_cert_level
            && level > MAX_CERT_LEVEL
        {
            return Err(Error::Usage(format!(
                "`{level}` is not a certification level; expected 0 to 3"
            )));
        }
        Ok(())
    }

    /// Reads and validates a request from a JSON value (as in the corpus or `--request`).
    pub fn from_value(value: &serde_json::Value) -> Result<Request> {
        if value.is_null() {
            return Ok(Request::default());
        }
        let request = Request::deserialize(value)
            .map_err(|error| Error::Usage(format!("the request is invalid: {error}")))?;
        request.validate()?;
        Ok(request)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn overrides_and_force_need_each_other() {
        let override_only = json!({"override_min_cert_level": 0});
        assert!(
            matches!(Request::from_value(&override_only), Err(Error::Usage(_))),
            "an override without force is a usage error (exit 2)"
        );
        assert!(
            matches!(
                Request::from_value(&json!({"force": true})),
                Err(Error::Usage(_))
            ),
            "force without an override is a usage error (exit 2)"
        );
        let forced = json!({"force": true, "override_allow_origins": ["Community"]});
        assert!(
            Request::from_value(&forced).is_ok(),
            "force with an override is valid"
        );
    }

    #[test]
    fn requests_are_read_strictly() {
        for bad in [
            json!({"force": true, "override_allow_origins": ["offical"]}),
            json!({"trsut": true}),
            json!({"force": true, "override_min_cert_level": 4}),
            json!({"now": "yesterday"}),
        ] {
            assert!(
                matches!(Request::from_value(&bad), Err(Error::Usage(_))),
                "`{bad}` must be refused, not guessed at"
            );
        }
        let timed = Request::from_value(&json!({"now": "1970-01-01T00:01:00Z"}));
        assert_eq!(
            timed.ok().and_then(|request| request.now),
            Some(Timestamp(60))
        );
        let timed = Request::from_value(&json!({"now": 60}));
        assert_eq!(
            timed.ok().and_then(|request| request.now),
            Some(Timestamp(60))
        );
    }
}
