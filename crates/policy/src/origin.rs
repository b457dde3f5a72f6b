//! Where a server comes from (`official`, `verified`, `community`) and sets of origins, as
//! used by `allowed_origins` and `--allow-origin`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The origin of a server. Compared case-insensitively when parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename_all = "lowercase"))]
pub enum Origin {
    /// Published by the registry's own maintainers.
    Official,
    /// Published by a verified publisher.
    Verified,
    /// Anyone else; also what an unknown or missing origin counts as.
    #[default]
    Community,
}

impl Origin {
    /// Every origin, in a stable order for messages.
    pub const ALL: [Origin; 3] = [Origin::Official, Origin::Verified, Origin::Community];

    /// The lower-case name used in files.
    pub fn name(self) -> &'static str {
        match self {
            Origin::Official => "official",
            Origin::Verified => "verified",
            Origin::Community => "community",
        }
    }

    /// Lenient reading for facts: anything that is not a known origin counts as community.
    pub fn from_fact(text: Option<&str>) -> Origin {
        text.and_then(|text| text.parse().ok())
            .unwrap_or(Origin::Community)
    }

    fn bit(self) -> u8 {
        match self {
            Origin::Official => 1,
            Origin::Verified => 2,
            Origin::Community => 4,
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Origin {
    type Err = String;

    /// Strict reading for policy and requests: a misspelling is an error, never a default.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Origin::ALL
            .into_iter()
            .find(|origin| origin.name().eq_ignore_ascii_case(text))
            .ok_or_else(|| {
                format!("`{text}` is not an origin; expected official, verified or community")
            })
    }
}

impl Serialize for Origin {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Origin {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A set of origins. The empty set is meaningful: nothing may run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct OriginSet(u8);

impl OriginSet {
    /// The set with no origin in it.
    pub const EMPTY: OriginSet = OriginSet(0);

    /// Whether `origin` is in the set.
    pub fn contains(self, origin: Origin) -> bool {
        self.0 & origin.bit() != 0
    }

    /// The set with `origin` added.
    #[must_use]
    pub fn with(self, origin: Origin) -> OriginSet {
        OriginSet(self.0 | origin.bit())
    }

    /// The origins in both sets.
    #[must_use]
    pub fn intersection(self, other: OriginSet) -> OriginSet {
        OriginSet(self.0 & other.0)
    }

    /// Whether the set holds no origin.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The origins in the set, in the order of [`Origin::ALL`].
    pub fn iter(self) -> impl Iterator<Item = Origin> {
        Origin::ALL
            .into_iter()
            .filter(move |origin| self.contains(*origin))
    }
}

impl FromIterator<Origin> for OriginSet {
    fn from_iter<I: IntoIterator<Item = Origin>>(iter: I) -> Self {
        iter.into_iter().fold(OriginSet::EMPTY, OriginSet::with)
    }
}

impl Serialize for OriginSet {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_parse_case_insensitively_and_strictly() {
        assert_eq!(
            "Verified".parse::<Origin>(),
            Ok(Origin::Verified),
            "POLICY.md compares origins case-insensitively"
        );
        assert!(
            "offical".parse::<Origin>().is_err(),
            "a misspelled origin in a policy must be an error, not a default"
        );
    }

    #[test]
    fn unknown_facts_count_as_community() {
        assert_eq!(
            Origin::from_fact(Some("partner")),
            Origin::Community,
            "facts are lenient: an unknown origin is the least trusted one"
        );
        assert_eq!(
            Origin::from_fact(None),
            Origin::Community,
            "missing origin is community"
        );
    }

    #[test]
    fn sets_intersect() {
        let all: OriginSet = Origin::ALL.into_iter().collect();
        let official = OriginSet::EMPTY.with(Origin::Official);
        assert_eq!(
            all.intersection(official),
            official,
            "intersection keeps common origins"
        );
        assert!(
            OriginSet::EMPTY.iter().next().is_none(),
            "the empty set lists nothing"
        );
    }
}
