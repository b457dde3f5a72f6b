//! Enforcement modes (`strict`, `warn`, `disabled`) that decide how the origin, cert-level
//! and score checks report, and the staleness modes of a hub snapshot.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// How a check reports. Declared from loosest to strictest so that `max` is the strictest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mode {
    /// The check is skipped.
    Disabled,
    /// A failed check warns.
    Warn,
    /// A failed check blocks.
    Strict,
}

impl Mode {
    /// The lower-case name used in files.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Disabled => "disabled",
            Mode::Warn => "warn",
            Mode::Strict => "strict",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Mode {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        [Mode::Strict, Mode::Warn, Mode::Disabled]
            .into_iter()
            .find(|mode| mode.name().eq_ignore_ascii_case(text))
            .ok_or_else(|| format!("`{text}` is not a mode; expected strict, warn or disabled"))
    }
}

impl Serialize for Mode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

/// What a stale hub snapshot does to decisions (`HUB_API.md` B1 `stale_mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StaleMode {
    /// Keep enforcing the snapshot; no violation.
    Keep,
    /// Enforce it and add a warning to every decision.
    Warn,
    /// Block every launch until a fresh sync.
    Block,
}

impl StaleMode {
    /// The lower-case name used in the bundle.
    pub fn name(self) -> &'static str {
        match self {
            StaleMode::Keep => "keep",
            StaleMode::Warn => "warn",
            StaleMode::Block => "block",
        }
    }
}

impl FromStr for StaleMode {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        [StaleMode::Keep, StaleMode::Warn, StaleMode::Block]
            .into_iter()
            .find(|mode| mode.name().eq_ignore_ascii_case(text))
            .ok_or_else(|| format!("`{text}` is not a stale mode; expected keep, warn or block"))
    }
}

impl Serialize for StaleMode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for StaleMode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strictest_is_the_maximum() {
        assert_eq!(
            Mode::Warn.max(Mode::Strict),
            Mode::Strict,
            "merging takes the strictest mode with max"
        );
        assert_eq!(
            Mode::Disabled.max(Mode::Warn),
            Mode::Warn,
            "warn is stricter than disabled"
        );
    }

    #[test]
    fn misspelled_modes_are_refused() {
        assert!(
            "strcit".parse::<Mode>().is_err(),
            "an unknown mode must never fail open"
        );
        assert_eq!(
            "WARN".parse::<Mode>(),
            Ok(Mode::Warn),
            "modes compare case-insensitively"
        );
    }
}
