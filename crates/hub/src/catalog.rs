//! The signed catalog (HUB_API.md B1) and what it says about one server's identity
//! (DESIGN.md "Server identity"). Facts belong to code, not to names: an entry's level,
//! score and origin are given only to the code the entry certifies, a registry bundle with
//! the entry's `digest` or a public-registry artifact with one of its packages' `fileSha256`.
//! A name alone (a named clean spec, or any claim) can only be refused by the catalog: a
//! `revoked` or `quarantined` entry for it blocks.
//!
//! [`resolve`] is the one place that decides this. The whole bundle ([`crate::Bundle`]) and
//! the launch path's slice ([`crate::server_slice`]) both hand it the entries that may
//! concern the server, so a list, an install and a launch judge with the same facts.

use gatehouse_policy::{ServerFacts, Status, fold_name, normalize_name};
use serde::Deserialize;
use serde_json::Value;

use crate::registry::ArtifactDigest;

/// The public registries whose artifacts a catalog entry can certify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RegistryType {
    /// The npm registry: `identifier` is the package name, `fileSha256` the tarball's.
    Npm,
    /// PyPI: `identifier` is the project name, `fileSha256` the wheel's or sdist's.
    Pypi,
    /// An MCP Bundle (`.mcpb`): `identifier` is where it is downloaded from.
    Mcpb,
}

impl RegistryType {
    /// The `registryType` of the official MCP registry's vocabulary; `None` for a type this
    /// build does not install (an entry may list such packages; they are ignored).
    pub fn parse(text: &str) -> Option<RegistryType> {
        match text {
            "npm" => Some(RegistryType::Npm),
            "pypi" => Some(RegistryType::Pypi),
            "mcpb" => Some(RegistryType::Mcpb),
            _ => None,
        }
    }

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            RegistryType::Npm => "npm",
            RegistryType::Pypi => "pypi",
            RegistryType::Mcpb => "mcpb",
        }
    }

    /// Whether two identifiers name the same package in this registry: npm names are
    /// lower case by rule, PyPI folds case and runs of `-`, `_`, `.` (PEP 503), and an
    /// `.mcpb` location is compared exactly.
    pub fn same_identifier(self, a: &str, b: &str) -> bool {
        match self {
            RegistryType::Npm => a.eq_ignore_ascii_case(b),
            RegistryType::Pypi => fold_name(&a.to_lowercase()) == fold_name(&b.to_lowercase()),
            RegistryType::Mcpb => a == b,
        }
    }
}

/// A public-registry artifact a catalog entry certifies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageArtifact {
    pub registry_type: RegistryType,
    pub identifier: String,
    pub version: String,
    /// The SHA-256 of the artifact's bytes, lower-case hex.
    pub file_sha256: String,
    /// Where the registry is (`registryBaseUrl`, as in the MCP registry's `server.json`);
    /// `None` for the public one (<https://registry.npmjs.org>, <https://pypi.org>).
    pub registry_base_url: Option<String>,
}

impl PackageArtifact {
    /// Whether this is the package `identifier` at `version` of `registry_type`.
    pub fn is(&self, registry_type: RegistryType, identifier: &str, version: &str) -> bool {
        self.registry_type == registry_type
            && self.version == version
            && registry_type.same_identifier(&self.identifier, identifier)
    }
}

/// One validated catalog entry.
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogEntry {
    /// The name as the hub wrote it.
    pub name: String,
    pub version: String,
    /// The registry bundle the facts were established for, `sha256:<hex>`.
    pub digest: Option<String>,
    /// Origin, level, score and status as the entry states them.
    pub facts: ServerFacts,
    /// The public-registry artifacts it certifies.
    pub packages: Vec<PackageArtifact>,
}

#[derive(Deserialize)]
struct WirePackage {
    #[serde(rename = "registryType")]
    registry_type: String,
    identifier: String,
    version: String,
    #[serde(rename = "fileSha256")]
    file_sha256: String,
    #[serde(rename = "registryBaseUrl", default)]
    registry_base_url: Option<String>,
}

impl CatalogEntry {
    /// Reads and checks one entry of the bundle's `catalog`. A malformed digest or package
    /// is an error: the whole bundle is then refused, never used with the entry half-read.
    pub fn parse(value: &Value) -> Result<CatalogEntry, String> {
        let facts = ServerFacts::from_value(value).map_err(|e| e.to_string())?;
        let name = facts
            .name
            .clone()
            .ok_or_else(|| "it has no name".to_owned())?;
        let version = facts
            .version
            .clone()
            .ok_or_else(|| format!("`{name}` has no version"))?;
        let digest = match value.get("digest") {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) => Some(
                ArtifactDigest::parse(text)
                    .ok_or_else(|| format!("`{name}`'s digest `{text}` is not `sha256:<hex>`"))?
                    .as_str()
                    .to_owned(),
            ),
            Some(other) => return Err(format!("`{name}`'s digest `{other}` is not text")),
        };
        let mut packages = Vec::new();
        if let Some(listed) = value.get("packages").filter(|v| !v.is_null()) {
            let wire: Vec<WirePackage> = serde_json::from_value(listed.clone())
                .map_err(|e| format!("`{name}`'s packages: {e}"))?;
            for package in wire {
                let sha = package.file_sha256.to_ascii_lowercase();
                if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(format!(
                        "`{name}`'s package `{}` has a fileSha256 that is not 64 hex digits",
                        package.identifier
                    ));
                }
                if package.identifier.is_empty() || package.version.is_empty() {
                    return Err(format!(
                        "`{name}` lists a package without an identifier or version"
                    ));
                }
                if let Some(base) = &package.registry_base_url {
                    crate::public::check_base(base).map_err(|reason| {
                        format!(
                            "`{name}`'s package `{}` has registryBaseUrl `{base}`: {reason}",
                            package.identifier
                        )
                    })?;
                }
                if let Some(registry_type) = RegistryType::parse(&package.registry_type) {
                    packages.push(PackageArtifact {
                        registry_type,
                        identifier: package.identifier,
                        version: package.version,
                        file_sha256: sha,
                        registry_base_url: package.registry_base_url,
                    });
                }
            }
        }
        Ok(CatalogEntry {
            name,
            version,
            digest,
            facts,
            packages,
        })
    }

    /// The entry's certified package of `registry_type` named `identifier` at `version`.
    pub fn package(
        &self,
        registry_type: RegistryType,
        identifier: &str,
        version: &str,
    ) -> Option<&PackageArtifact> {
        self.packages
            .iter()
            .find(|package| package.is(registry_type, identifier, version))
    }
}

/// What will run, as the catalog is asked about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Binding<'a> {
    /// A registry install of `name` at `version` whose bundle has SHA-256 `digest`.
    Registry {
        name: &'a str,
        version: &'a str,
        digest: &'a str,
    },
    /// A verified copy of a public package: exactly the artifact with `file_sha256`.
    Copy {
        registry_type: RegistryType,
        identifier: &'a str,
        version: &'a str,
        file_sha256: &'a str,
    },
    /// A clean package spec (`npx -y pkg@1.2.3`): the name is bound, but what the runner
    /// downloads cannot be checked, so it gets no facts.
    Named {
        registry_type: RegistryType,
        identifier: &'a str,
        version: &'a str,
    },
    /// A docker image pinned by digest: the repository is the bound name; no facts.
    Image {
        repository: &'a str,
        digest: &'a str,
    },
    /// Anything else: only claims.
    Unbound,
}

/// A server as the catalog is asked about it: what runs, and every other name it claims.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subject<'a> {
    pub binding: Binding<'a>,
    pub claims: &'a [String],
}

impl<'a> Subject<'a> {
    /// The bound name before the catalog is consulted, and its version.
    fn bound(&self) -> (Option<&'a str>, Option<&'a str>) {
        match self.binding {
            Binding::Registry { name, version, .. } => (Some(name), Some(version)),
            Binding::Copy {
                identifier,
                version,
                ..
            }
            | Binding::Named {
                identifier,
                version,
                ..
            } => (Some(identifier), Some(version)),
            Binding::Image { repository, .. } => (Some(repository), None),
            Binding::Unbound => (None, None),
        }
    }

    /// The normalized names whose entries may concern this server: the bound name and
    /// every claim.
    pub fn names(&self) -> Vec<String> {
        let (bound, _) = self.bound();
        bound
            .into_iter()
            .chain(self.claims.iter().map(String::as_str))
            .map(normalize_name)
            .collect()
    }

    /// Whether entries that list packages may concern this server (they may certify it,
    /// or revoke the package its runner downloads).
    pub fn needs_packages(&self) -> bool {
        matches!(self.binding, Binding::Copy { .. } | Binding::Named { .. })
    }
}

/// The facts of `subject` from the catalog `entries` that may concern it (others are
/// ignored, so a caller may pass more than it must).
///
/// - A registry install gets the facts of the entry for its name and version whose
///   `digest` is its bundle's; an entry with another digest, or none, certifies other bytes.
/// - A verified copy gets the facts of the entry that lists its exact artifact, and that
///   entry's name becomes its bound name (the certification is the entry's).
/// - A registry install or copy the catalog does not certify is unbound: its name becomes a
///   claim. Every other server gets no facts: level, score and origin stay unknown.
/// - A `revoked` or `quarantined` entry for the bound name (at its version) or for any
///   claim (at any version: a claim's version is unknown), or one that lists the package a
///   named server's runner downloads, blocks it.
pub fn resolve<'e>(
    entries: impl IntoIterator<Item = &'e CatalogEntry>,
    subject: &Subject<'_>,
) -> ServerFacts {
    let entries: Vec<&CatalogEntry> = entries.into_iter().collect();
    let (bound, bound_version) = subject.bound();
    let certified = entries.iter().find(|entry| match subject.binding {
        Binding::Registry {
            name,
            version,
            digest,
        } => {
            entry.version == version
                && normalize_name(&entry.name) == normalize_name(name)
                && entry
                    .digest
                    .as_deref()
                    .is_some_and(|listed| listed.eq_ignore_ascii_case(digest))
        }
        Binding::Copy {
            registry_type,
            identifier,
            version,
            file_sha256,
        } => entry
            .package(registry_type, identifier, version)
            .is_some_and(|package| package.file_sha256.eq_ignore_ascii_case(file_sha256)),
        Binding::Named { .. } | Binding::Image { .. } | Binding::Unbound => false,
    });
    let mut facts = match certified {
        Some(entry) => {
            let mut facts = entry.facts.clone();
            if let Binding::Registry { name, .. } = subject.binding {
                facts.name = Some(name.to_owned());
            }
            facts
        }
        // Code whose certification the catalog does not state is unbound: its name is only
        // a claim (HUB_API.md section A: "a name the signed catalog does not list installs
        // unbound").
        None if matches!(
            subject.binding,
            Binding::Registry { .. } | Binding::Copy { .. }
        ) =>
        {
            let mut facts = ServerFacts::unbound(Vec::new());
            facts.claims.extend(bound.map(str::to_owned));
            facts
        }
        None => {
            let mut facts = ServerFacts::unbound(Vec::new());
            facts.name = bound.map(str::to_owned);
            facts.version = bound_version.map(str::to_owned);
            facts
        }
    };
    facts.claims.extend(subject.claims.iter().cloned());
    if let Some(refusal) = refusing_status(&entries, subject, &facts) {
        facts.status = refusal;
    }
    facts
}

/// The worst of `revoked`/`quarantined` the catalog states for any name of the server.
fn refusing_status(
    entries: &[&CatalogEntry],
    subject: &Subject<'_>,
    facts: &ServerFacts,
) -> Option<Status> {
    let refusing = |status: Status| matches!(status, Status::Revoked | Status::Quarantined);
    let bound = facts.name.as_deref().map(normalize_name);
    let claims: Vec<String> = facts.claims.iter().map(|c| normalize_name(c)).collect();
    let mut found: Option<Status> = None;
    for entry in entries {
        if !refusing(entry.facts.status) {
            continue;
        }
        let name = normalize_name(&entry.name);
        let by_bound = bound.as_deref() == Some(name.as_str())
            && facts
                .version
                .as_deref()
                .is_none_or(|version| version == entry.version);
        let by_claim = claims.contains(&name);
        let by_package = match subject.binding {
            Binding::Named {
                registry_type,
                identifier,
                version,
            }
            | Binding::Copy {
                registry_type,
                identifier,
                version,
                ..
            } => entry.package(registry_type, identifier, version).is_some(),
            _ => false,
        };
        if by_bound || by_claim || by_package {
            // Revoked is final; quarantined may be lifted. Report the worse.
            found = Some(match (found, entry.facts.status) {
                (Some(Status::Revoked), _) | (_, Status::Revoked) => Status::Revoked,
                _ => Status::Quarantined,
            });
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use gatehouse_policy::Origin;
    use serde_json::json;

    use super::*;

    const SHA: &str = "3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f";

    fn entries() -> Vec<CatalogEntry> {
        [
            json!({"name": "@acme/good", "version": "1.0.0", "digest": format!("sha256:{SHA}"),
                   "origin": "verified", "cert_level": 2, "score": 90, "status": "published"}),
            json!({"name": "@modelcontextprotocol/server-filesystem", "version": "2026.8.31",
                   "origin": "official", "cert_level": 3, "score": 95, "status": "published",
                   "packages": [{"registryType": "npm", "identifier": "@modelcontextprotocol/server-filesystem",
                                 "version": "2026.8.31", "fileSha256": SHA}]}),
            json!({"name": "mcp-evil", "version": "0.1.0", "status": "revoked"}),
        ]
        .iter()
        .map(|value| CatalogEntry::parse(value).unwrap())
        .collect()
    }

    #[test]
    fn a_registry_install_gets_the_facts_only_for_the_certified_bytes() {
        let entries = entries();
        let digest = format!("sha256:{SHA}");
        let certified = resolve(
            &entries,
            &Subject {
                binding: Binding::Registry {
                    name: "@acme/good",
                    version: "1.0.0",
                    digest: &digest,
                },
                claims: &[],
            },
        );
        assert_eq!(
            (certified.cert_level, certified.score, certified.origin),
            (Some(2), Some(90), Origin::Verified)
        );
        let other = format!("sha256:{}", "0".repeat(64));
        let forged = resolve(
            &entries,
            &Subject {
                binding: Binding::Registry {
                    name: "@acme/good",
                    version: "1.0.0",
                    digest: &other,
                },
                claims: &[],
            },
        );
        assert_eq!(
            (forged.name.as_deref(), forged.cert_level, forged.score),
            (None, None, None),
            "other bytes under the same name borrow nothing, not even the name"
        );
        assert_eq!(
            forged.claims,
            vec!["@acme/good".to_owned()],
            "it is still a claim"
        );
    }

    #[test]
    fn a_named_spec_is_bound_but_never_certified_and_a_copy_is_both() {
        let entries = entries();
        let named = resolve(
            &entries,
            &Subject {
                binding: Binding::Named {
                    registry_type: RegistryType::Npm,
                    identifier: "@modelcontextprotocol/server-filesystem",
                    version: "2026.8.31",
                },
                claims: &[],
            },
        );
        assert_eq!(
            named.name.as_deref(),
            Some("@modelcontextprotocol/server-filesystem")
        );
        assert_eq!(
            (named.cert_level, named.score),
            (None, None),
            "npx downloads what it downloads"
        );
        let copy = resolve(
            &entries,
            &Subject {
                binding: Binding::Copy {
                    registry_type: RegistryType::Npm,
                    identifier: "@modelcontextprotocol/server-filesystem",
                    version: "2026.8.31",
                    file_sha256: SHA,
                },
                claims: &[],
            },
        );
        assert_eq!((copy.cert_level, copy.score), (Some(3), Some(95)));
    }

    #[test]
    fn a_revocation_reaches_every_claim() {
        let entries = entries();
        let claims = vec!["evil-bin".to_owned(), "MCP-Evil".to_owned()];
        let facts = resolve(
            &entries,
            &Subject {
                binding: Binding::Unbound,
                claims: &claims,
            },
        );
        assert_eq!(facts.name, None);
        assert_eq!(facts.status, Status::Revoked, "{facts:?}");
    }

    #[test]
    fn malformed_digests_and_packages_are_refused() {
        for bad in [
            json!({"name": "a", "version": "1", "digest": "md5:abc"}),
            json!({"name": "a", "version": "1", "digest": 7}),
            json!({"name": "a", "version": "1", "packages": [{"registryType": "npm",
                   "identifier": "a", "version": "1", "fileSha256": "nothex"}]}),
            json!({"name": "a", "version": "1", "packages": "npm:a"}),
            json!({"name": "a"}),
        ] {
            assert!(CatalogEntry::parse(&bad).is_err(), "must be refused: {bad}");
        }
        let other_type = json!({"name": "a", "version": "1", "packages": [{"registryType": "oci",
            "identifier": "ghcr.io/a", "version": "1", "fileSha256": SHA}]});
        assert!(
            CatalogEntry::parse(&other_type)
                .unwrap()
                .packages
                .is_empty(),
            "a registry type this build does not install is ignored, not an error"
        );
    }
}
