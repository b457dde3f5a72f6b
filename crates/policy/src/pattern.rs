//! Server name patterns of allow and deny lists, and their compiled form.
//!
//! Names are normalized by lowercasing and stripping one leading `@`, so `@Scope/Name` and
//! `scope/name` are the same server. A compiled [`PatternSet`] answers "which layer lists this
//! server" with hash lookups only, so a 10,000-entry list costs the same as a short one.

use std::collections::HashMap;
use std::fmt;

use serde::{Serialize, Serializer};

use crate::layer::Layer;

/// Normalizes a server name: lower case, without one leading `@`.
pub fn normalize_name(name: &str) -> String {
    let lowered = name.to_lowercase();
    match lowered.strip_prefix('@') {
        Some(rest) => rest.to_owned(),
        None => lowered,
    }
}

/// A normalized name with PyPI-style spellings folded: every run of `-`, `_` and `.` is one
/// `-`. Deny lists compare folded names (POLICY.md section 2), which only ever widens a deny.
pub fn fold_name(normalized: &str) -> String {
    folded_bytes(normalized.as_bytes())
        .map(char::from)
        .collect()
}

/// The bytes of `text` lower-cased (ASCII) with runs of `-`, `_`, `.` folded into one `-`.
fn folded_bytes(text: &[u8]) -> impl Iterator<Item = u8> + '_ {
    let mut previous_separator = false;
    text.iter().filter_map(move |byte| {
        let separator = matches!(byte, b'-' | b'_' | b'.');
        let keep = !(separator && previous_separator);
        previous_separator = separator;
        keep.then(|| {
            if separator {
                b'-'
            } else {
                byte.to_ascii_lowercase()
            }
        })
    })
}

/// Whether a list entry might match a server named `name`, decided without allocating, for
/// narrowing a large list to the few entries that concern one server before parsing them.
/// It errs towards `true`: an entry it keeps may still not match, one it drops never does.
/// Spellings are folded as deny lists fold them, so it serves allow and deny lists alike.
pub fn pattern_may_match(pattern: &str, name: &str) -> bool {
    NameFilter::new([name]).may_match(pattern)
}

/// [`pattern_may_match`] for a few names at once, with each name folded once: the launch path
/// runs it over every entry of a 10,000-entry list, so the names are not folded again per entry.
#[derive(Debug, Clone)]
pub struct NameFilter {
    /// Each ASCII name without its leading `@`, folded.
    folded: Vec<Vec<u8>>,
    /// A non-ASCII name: every entry is kept and left to the real matcher.
    keep_all: bool,
}

impl NameFilter {
    pub fn new<'a>(names: impl IntoIterator<Item = &'a str>) -> NameFilter {
        let mut filter = NameFilter {
            folded: Vec::new(),
            keep_all: false,
        };
        for name in names {
            if !name.is_ascii() {
                filter.keep_all = true;
            }
            let name = name.strip_prefix('@').unwrap_or(name);
            filter.folded.push(folded_bytes(name.as_bytes()).collect());
        }
        filter
    }

    /// Whether the list entry `pattern` might match one of the names.
    pub fn may_match(&self, pattern: &str) -> bool {
        if self.keep_all || !pattern.is_ascii() {
            return true; // non-ASCII case folding is left to the real matcher
        }
        let pattern = pattern.strip_prefix('@').unwrap_or(pattern);
        if let Some(prefix) = pattern.strip_suffix('*') {
            return self.folded.iter().any(|name| {
                let mut name = name.iter().copied();
                folded_bytes(prefix.as_bytes()).all(|byte| name.next() == Some(byte))
            });
        }
        let bytes = pattern.as_bytes();
        let pattern_name = match bytes.iter().position(|byte| *byte == b'@') {
            Some(at) => &bytes[..at],
            None => bytes,
        };
        self.folded
            .iter()
            .any(|name| folded_bytes(pattern_name).eq(name.iter().copied()))
    }
}

/// A validated pattern of an allow or deny list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    source: String,
    kind: PatternKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum PatternKind {
    /// Any version of one server.
    Exact(String),
    /// One version of one server.
    Versioned { name: String, version: String },
    /// Every server whose normalized name starts with this (empty: every server).
    Prefix(String),
}

impl Pattern {
    /// Parses a pattern: `@scope/name`, `@scope/name@1.2.0` or a prefix ending in `*`.
    /// The error says why, in words meant to follow the pattern in backticks.
    pub fn parse(source: &str) -> Result<Pattern, String> {
        if source.is_empty() {
            return Err("a pattern must not be empty".to_owned());
        }
        if source.chars().any(char::is_whitespace) {
            return Err(format!("`{source}` contains whitespace"));
        }
        let normalized = normalize_name(source);
        let kind = if let Some(star) = normalized.find('*') {
            if star + 1 != normalized.len() {
                return Err(format!("`{source}` has a `*` that is not at the end"));
            }
            let prefix = &normalized[..star];
            if prefix.contains('@') {
                return Err(format!("`{source}` is a prefix and cannot name a version"));
            }
            PatternKind::Prefix(prefix.to_owned())
        } else if let Some((name, version)) = normalized.split_once('@') {
            // The leading `@` of a scope is already stripped, so this `@` is the version's.
            if name.is_empty() {
                return Err(format!("`{source}` has no server name"));
            }
            if version.is_empty() {
                return Err(format!("`{source}` has an empty version after `@`"));
            }
            if version.contains('@') {
                return Err(format!(
                    "`{source}` has more than one version separator `@`"
                ));
            }
            PatternKind::Versioned {
                name: name.to_owned(),
                version: version.to_owned(),
            }
        } else if normalized.is_empty() {
            return Err(format!("`{source}` has no server name"));
        } else {
            PatternKind::Exact(normalized)
        };
        Ok(Pattern {
            source: source.to_owned(),
            kind,
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

impl Serialize for Pattern {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.source)
    }
}

/// A server as the pattern sets see it: normalized name and version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ServerKey {
    pub name: String,
    pub version: Option<String>,
}

impl ServerKey {
    pub(crate) fn new(name: &str, version: Option<&str>) -> ServerKey {
        ServerKey {
            name: normalize_name(name),
            version: version.map(str::to_lowercase),
        }
    }

    /// The same key with its name folded ([`fold_name`]), as a folding set compares it.
    fn folded(&self) -> ServerKey {
        ServerKey {
            name: fold_name(&self.name),
            version: self.version.clone(),
        }
    }
}

/// What a versioned entry does for a server whose version is unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UnknownVersion {
    /// Deny lists: the unknown version might be the denied one, so it matches (fail closed).
    Matches,
    /// Allow lists: only the listed version is admitted, so it does not match.
    DoesNotMatch,
}

/// Compiled patterns, each remembering the most authoritative layer that listed it.
#[derive(Debug, Clone, Default)]
pub(crate) struct PatternSet {
    /// Names are compared folded ([`fold_name`]): the deny list's set.
    fold: bool,
    exact: HashMap<String, Layer>,
    versioned: HashMap<String, HashMap<String, Layer>>,
    /// Prefixes grouped by byte length, shortest first: a name is checked with one lookup
    /// per distinct length instead of a scan over every prefix.
    prefixes: Vec<(usize, HashMap<String, Layer>)>,
    len: usize,
}

impl PatternSet {
    /// A set that compares names folded, PyPI-style: what deny lists use.
    pub(crate) fn folding() -> PatternSet {
        PatternSet {
            fold: true,
            ..PatternSet::default()
        }
    }

    fn key(&self, name: &str) -> String {
        if self.fold {
            fold_name(name)
        } else {
            name.to_owned()
        }
    }

    /// Adds a pattern; an entry listed by several layers keeps the most authoritative one.
    pub(crate) fn insert(&mut self, pattern: &Pattern, layer: Layer) {
        let slot = match &pattern.kind {
            PatternKind::Exact(name) => {
                let key = self.key(name);
                self.exact.entry(key)
            }
            PatternKind::Versioned { name, version } => {
                let key = self.key(name);
                self.versioned
                    .entry(key)
                    .or_default()
                    .entry(version.clone())
            }
            PatternKind::Prefix(prefix) => {
                let prefix = self.key(prefix);
                let prefix = &prefix;
                let index = match self
                    .prefixes
                    .binary_search_by_key(&prefix.len(), |(len, _)| *len)
                {
                    Ok(index) => index,
                    Err(index) => {
                        self.prefixes.insert(index, (prefix.len(), HashMap::new()));
                        index
                    }
                };
                match self.prefixes.get_mut(index) {
                    Some((_, by_prefix)) => by_prefix.entry(prefix.clone()),
                    None => return,
                }
            }
        };
        let kept = slot.or_insert(layer);
        *kept = (*kept).min(layer);
        self.len += 1;
    }

    /// The number of patterns inserted (duplicates included).
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The most authoritative layer with a pattern that matches the server, if any.
    pub(crate) fn best_match(&self, server: &ServerKey, unknown: UnknownVersion) -> Option<Layer> {
        let folded;
        let server = if self.fold {
            folded = server.folded();
            &folded
        } else {
            server
        };
        let mut best = self.exact.get(&server.name).copied();
        if let Some(versions) = self.versioned.get(&server.name) {
            let listed = match (&server.version, unknown) {
                (Some(version), _) => versions.get(version).copied(),
                (None, UnknownVersion::Matches) => versions.values().min().copied(),
                (None, UnknownVersion::DoesNotMatch) => None,
            };
            best = min_layer(best, listed);
        }
        for (len, by_prefix) in &self.prefixes {
            if *len > server.name.len() {
                break;
            }
            // `get` is None when the length falls inside a multi-byte character: no match.
            let listed = server
                .name
                .get(..*len)
                .and_then(|head| by_prefix.get(head).copied());
            best = min_layer(best, listed);
        }
        best
    }
}

fn min_layer(a: Option<Layer>, b: Option<Layer>) -> Option<Layer> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, None) => a,
        (None, b) => b,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn may_match_never_drops_an_entry_that_matches() {
        let name = "@Acme/Tool";
        for (pattern, expected) in [
            ("@acme/tool", true),
            ("acme/TOOL", true),
            ("@acme/tool@1.2.0", true),
            ("@acme/*", true),
            ("*", true),
            ("@acme/tools", false),
            ("@other/*", false),
            ("@acme/to", false),
        ] {
            assert_eq!(pattern_may_match(pattern, name), expected, "{pattern}");
            if let Ok(parsed) = Pattern::parse(pattern) {
                let normalized = normalize_name(name);
                let matches = match &parsed.kind {
                    PatternKind::Exact(n) | PatternKind::Versioned { name: n, .. } => {
                        *n == normalized
                    }
                    PatternKind::Prefix(p) => normalized.starts_with(p.as_str()),
                };
                assert!(
                    !matches || pattern_may_match(pattern, name),
                    "a real match is never dropped: {pattern}"
                );
            }
        }
        assert!(
            pattern_may_match("@acmé/*", "@x/y"),
            "non-ASCII is left to the real matcher"
        );
    }

    use super::*;

    fn set(entries: &[(&str, Layer)]) -> PatternSet {
        let mut set = PatternSet::default();
        for (source, layer) in entries {
            let pattern = Pattern::parse(source);
            assert!(pattern.is_ok(), "test pattern `{source}` must be valid");
            if let Ok(pattern) = pattern {
                set.insert(&pattern, *layer);
            }
        }
        set
    }

    #[test]
    fn names_normalize_case_and_one_leading_at() {
        assert_eq!(
            normalize_name("@Scope/Name"),
            "scope/name",
            "POLICY.md: `@scope/name` and `scope/name` are the same server, case-insensitively"
        );
        assert_eq!(
            normalize_name("@@x"),
            "@x",
            "only one leading `@` is stripped"
        );
    }

    #[test]
    fn invalid_patterns_are_refused() {
        for bad in [
            "",
            "@acme/*tool",
            "@acme/tool@",
            "a**",
            "@",
            "@acme/to ol",
            "a@1@2",
            "x*@1",
        ] {
            assert!(
                Pattern::parse(bad).is_err(),
                "`{bad}` must be a validation error"
            );
        }
    }

    #[test]
    fn kinds_match_as_specified() {
        let set = set(&[
            ("@Acme/Tool", Layer::Area),
            ("@acme/versioned@1.2.0", Layer::Org),
            ("@community/*", Layer::Local),
        ]);
        let exact = ServerKey::new("acme/tool", Some("9"));
        assert_eq!(
            set.best_match(&exact, UnknownVersion::DoesNotMatch),
            Some(Layer::Area),
            "an exact pattern matches every version, whatever the case and `@`"
        );
        let versioned = ServerKey::new("@acme/versioned", Some("1.2.0"));
        assert_eq!(
            set.best_match(&versioned, UnknownVersion::DoesNotMatch),
            Some(Layer::Org)
        );
        let other_version = ServerKey::new("@acme/versioned", Some("1.2.1"));
        assert_eq!(
            set.best_match(&other_version, UnknownVersion::Matches),
            None,
            "a versioned pattern matches only that version"
        );
        let unknown = ServerKey::new("@acme/versioned", None);
        assert_eq!(
            set.best_match(&unknown, UnknownVersion::Matches),
            Some(Layer::Org),
            "deny lists fail closed on an unknown version"
        );
        assert_eq!(set.best_match(&unknown, UnknownVersion::DoesNotMatch), None);
        let scoped = ServerKey::new("@Community/anything", None);
        assert_eq!(
            set.best_match(&scoped, UnknownVersion::DoesNotMatch),
            Some(Layer::Local),
            "a prefix matches a whole scope"
        );
        let outside = ServerKey::new("@communityx/anything", None);
        assert_eq!(set.best_match(&outside, UnknownVersion::Matches), None);
    }

    #[test]
    fn a_lone_star_matches_everything() {
        let set = set(&[("*", Layer::Server)]);
        let key = ServerKey::new("ünïcode/ñame", None);
        assert_eq!(
            set.best_match(&key, UnknownVersion::DoesNotMatch),
            Some(Layer::Server)
        );
    }

    #[test]
    fn the_most_authoritative_listing_layer_wins() {
        let set = set(&[
            ("@a/*", Layer::Local),
            ("@a/b", Layer::Area),
            ("@a/b", Layer::Org),
            ("a*", Layer::Mandatory),
        ]);
        let key = ServerKey::new("@a/b", Some("1"));
        assert_eq!(
            set.best_match(&key, UnknownVersion::Matches),
            Some(Layer::Mandatory),
            "provenance of a deny match is the most authoritative layer whose list matches"
        );
    }

    #[test]
    fn prefix_lengths_inside_multibyte_characters_do_not_panic() {
        let set = set(&[("ab*", Layer::Org)]);
        let key = ServerKey::new("éz", None);
        assert_eq!(
            set.best_match(&key, UnknownVersion::Matches),
            None,
            "no match, no panic"
        );
    }
}
