//! The catalog: the certification facts the hub vouches for, one entry per server version
//! (`catalog.yaml`), served inside the signed bundle and by the search endpoint (B3).
//!
//! The app reads facts leniently (an odd origin counts as community), so the hub is the place
//! to be strict: an entry with a misspelled origin or status, a level out of range or an
//! unknown key is refused here rather than silently served as "uncertified".

use std::collections::HashSet;

use gatehouse_policy::{MAX_CERT_LEVEL, MAX_SCORE, normalize_name};
use serde::{Deserialize, Serialize};
use serde_json::Value;

const ORIGINS: [&str; 3] = ["official", "verified", "community"];
const STATUSES: [&str; 4] = ["published", "deprecated", "quarantined", "revoked"];

/// One catalog entry as written in `catalog.yaml` and served.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogEntry {
    pub name: String,
    /// Read as text even when unquoted: `1.10` stays `1.10`, not the number 1.1.
    pub version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cert_level: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// How the app installs it, e.g. `{registry: true}`; passed through as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub install: Option<Value>,
    /// The public-registry artifacts it certifies (HUB_API.md B1), in the MCP registry's
    /// `server.json` vocabulary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub packages: Option<Vec<Package>>,
}

/// One certified public-registry artifact.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Package {
    #[serde(rename = "registryType")]
    pub registry_type: String,
    pub identifier: String,
    pub version: String,
    #[serde(rename = "fileSha256")]
    pub file_sha256: String,
    #[serde(
        rename = "registryBaseUrl",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub registry_base_url: Option<String>,
}

impl CatalogEntry {
    /// Checks one entry; origin and status come back lower-cased, as the app compares them.
    fn validated(mut self) -> Result<CatalogEntry, String> {
        let label = format!("`{}@{}`", self.name, self.version);
        if self.name.trim().is_empty() || self.name.chars().any(char::is_whitespace) {
            return Err(format!(
                "catalog entry name `{}` must be a non-empty name without spaces",
                self.name
            ));
        }
        if self.version.trim().is_empty() {
            return Err(format!(
                "catalog entry `{}` has an empty version",
                self.name
            ));
        }
        if let Some(digest) = &self.digest
            && !is_sha256_digest(digest)
        {
            return Err(format!(
                "{label}: digest `{digest}` is not `sha256:` and 64 lower-case hex digits"
            ));
        }
        if let Some(origin) = &self.origin {
            self.origin = Some(one_of(&label, "origin", origin, &ORIGINS)?);
        }
        if let Some(status) = &self.status {
            self.status = Some(one_of(&label, "status", status, &STATUSES)?);
        }
        if let Some(level) = self.cert_level
            && level > MAX_CERT_LEVEL
        {
            return Err(format!(
                "{label}: cert_level `{level}` is out of range 0-{MAX_CERT_LEVEL}"
            ));
        }
        if let Some(score) = self.score
            && score > MAX_SCORE
        {
            return Err(format!(
                "{label}: score `{score}` is out of range 0-{MAX_SCORE}"
            ));
        }
        if let Some(install) = &self.install
            && !install.is_object()
        {
            return Err(format!("{label}: install must be a mapping"));
        }
        for package in self.packages.iter().flatten() {
            let known = ["npm", "pypi", "mcpb", "oci", "nuget"];
            if !known.contains(&package.registry_type.as_str()) {
                return Err(format!(
                    "{label}: registryType `{}` is not one of {}",
                    package.registry_type,
                    known.join(", ")
                ));
            }
            let hex = &package.file_sha256;
            if hex.len() != 64
                || !hex
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            {
                return Err(format!(
                    "{label}: package `{}`'s fileSha256 is not 64 lower-case hex digits",
                    package.identifier
                ));
            }
            if package.identifier.trim().is_empty() || package.version.trim().is_empty() {
                return Err(format!(
                    "{label}: a package needs an identifier and a version"
                ));
            }
        }
        Ok(self)
    }

    /// Whether a search for `needle` (already lower-cased) finds this entry: a substring of
    /// the name or the description, ignoring case.
    pub fn matches(&self, needle: &str) -> bool {
        needle.is_empty()
            || self.name.to_lowercase().contains(needle)
            || self
                .description
                .as_deref()
                .is_some_and(|text| text.to_lowercase().contains(needle))
    }
}

fn one_of(label: &str, key: &str, value: &str, known: &[&str]) -> Result<String, String> {
    known
        .iter()
        .find(|known| known.eq_ignore_ascii_case(value))
        .map(|known| (*known).to_owned())
        .ok_or_else(|| {
            format!(
                "{label}: {key} `{value}` is not one of {}",
                known.join(", ")
            )
        })
}

fn is_sha256_digest(text: &str) -> bool {
    text.strip_prefix("sha256:").is_some_and(|hex| {
        hex.len() == 64
            && hex
                .bytes()
                .all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte))
    })
}

/// Validates every entry and refuses the same name and version twice (names compared as the
/// app compares them: `@Scope/Name` is `scope/name`).
pub(crate) fn validate(entries: Vec<CatalogEntry>) -> Result<Vec<CatalogEntry>, String> {
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(entries.len());
    for entry in entries {
        let entry = entry.validated()?;
        if !seen.insert((normalize_name(&entry.name), entry.version.clone())) {
            return Err(format!(
                "`{}@{}` is listed twice",
                entry.name, entry.version
            ));
        }
        out.push(entry);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(yaml: &str) -> Result<Vec<CatalogEntry>, String> {
        let entries: Vec<CatalogEntry> = serde_norway::from_str(yaml).map_err(|e| e.to_string())?;
        validate(entries)
    }

    #[test]
    fn a_full_entry_is_kept_and_normalized() {
        let entries = entry(
            "- {name: '@a/b', version: '1.0.0', origin: Verified, status: PUBLISHED, cert_level: 2, score: 80,\n   digest: 'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',\n   install: {registry: true}}",
        )
        .unwrap();
        assert_eq!(entries[0].origin.as_deref(), Some("verified"));
        assert_eq!(entries[0].status.as_deref(), Some("published"));
    }

    #[test]
    fn an_unquoted_version_keeps_its_text() {
        let entries = entry("- {name: '@a/b', version: 1.10}").unwrap();
        assert_eq!(
            entries[0].version, "1.10",
            "read as the number 1.1 it would name another version"
        );
    }

    #[test]
    fn wrong_entries_are_refused() {
        let cases = [
            "- {name: '@a/b'}",
            "- {name: '', version: '1'}",
            "- {name: '@a/b', version: '1', origin: offical}",
            "- {name: '@a/b', version: '1', status: yanked}",
            "- {name: '@a/b', version: '1', cert_level: 4}",
            "- {name: '@a/b', version: '1', score: 101}",
            "- {name: '@a/b', version: '1', digest: 'sha256:abc'}",
            "- {name: '@a/b', version: '1', install: yes}",
            "- {name: '@a/b', version: '1', vesrion: '2'}",
            "- {name: '@a/b', version: '1'}\n- {name: 'A/B', version: '1'}",
            "- {name: '@a/b', version: '1', packages: [{registryType: npm, identifier: x, version: '1', fileSha256: abc}]}",
            "- {name: '@a/b', version: '1', packages: [{registryType: cargo, identifier: x, version: '1', fileSha256: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'}]}",
        ];
        for case in cases {
            assert!(entry(case).is_err(), "must be refused: {case}");
        }
    }

    #[test]
    fn search_is_a_case_insensitive_substring_of_name_or_description() {
        let entries = entry(
            "- {name: '@acme/Database-Connector', version: '1', description: 'Talks to Postgres'}",
        )
        .unwrap();
        assert!(entries[0].matches("database"));
        assert!(entries[0].matches("postgres"));
        assert!(entries[0].matches(""));
        assert!(!entries[0].matches("mysql"));
    }
}
