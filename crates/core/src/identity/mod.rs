//! Who a server is (DESIGN.md "Server identity"): its standing, the name bound to the code
//! that will run, and every other name its launch claims. Facts belong to code, not to
//! names, so all of it is derived from what will actually run, at every launch: the
//! command line read completely ([`spec`]), the entry's environment, the runner found on
//! the system's own path, and for an installed server the record of its files ([`tree`]).
//! Nothing is read back from a stored name, so editing a stored row cannot lend one server
//! another's badges.

pub(crate) mod spec;
pub(crate) mod tree;

use std::path::{Path, PathBuf};

use gatehouse_hub::{Binding, RegistryType, Subject};
use gatehouse_policy::{ServerFacts, normalize_name};
use gatehouse_store::{Server, ServerSource, TreeKind, VerifiedTree};
use serde::Serialize;

use crate::context::Environment;
use spec::{Ecosystem, Parsed};
pub use tree::TreeCheck;

/// How much Gatehouse can vouch for what a server runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Standing {
    /// Installed by Gatehouse, checked before every spawn, and certified by the signed
    /// catalog for exactly these bytes: its badges are the catalog's.
    Verified,
    /// A clean package spec (`npx -y pkg@1.2.3`): the name is bound, so lists, areas,
    /// per-server rules and revocations apply to it, but what the runner downloads cannot
    /// be checked, so it has no level, score or origin.
    Named,
    /// Anything else (a path, a script, an unpinned or unclean spec): only claims.
    Unbound,
}

/// What will run, as Gatehouse established it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// What the catalog is asked about.
    binding: OwnedBinding,
    /// Every other name the launch claims: the id, a `--name` label, extra packages.
    pub claims: Vec<String>,
    /// The program to start: for a named spec, its runner as found on the system's path
    /// (so the runner that was checked is the one that runs); otherwise as configured.
    pub program: String,
    /// A verified server's files no longer match their record.
    pub artifact_modified: bool,
    /// A stable hash of the expanded command, arguments and declared environment names: an
    /// "Always for this version" is remembered for exactly this launch.
    pub fingerprint: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum OwnedBinding {
    Registry {
        name: String,
        version: String,
        digest: String,
    },
    Copy {
        registry_type: RegistryType,
        identifier: String,
        version: String,
        file_sha256: String,
    },
    Named {
        registry_type: RegistryType,
        identifier: String,
        version: String,
    },
    Image {
        repository: String,
        digest: String,
    },
    Unbound,
}

impl Identity {
    /// The question to ask the catalog about this server.
    pub fn subject(&self) -> Subject<'_> {
        let binding = match &self.binding {
            OwnedBinding::Registry {
                name,
                version,
                digest,
            } => Binding::Registry {
                name,
                version,
                digest,
            },
            OwnedBinding::Copy {
                registry_type,
                identifier,
                version,
                file_sha256,
            } => Binding::Copy {
                registry_type: *registry_type,
                identifier,
                version,
                file_sha256,
            },
            OwnedBinding::Named {
                registry_type,
                identifier,
                version,
            } => Binding::Named {
                registry_type: *registry_type,
                identifier,
                version,
            },
            OwnedBinding::Image { repository, digest } => Binding::Image { repository, digest },
            OwnedBinding::Unbound => Binding::Unbound,
        };
        Subject {
            binding,
            claims: &self.claims,
        }
    }

    /// Whether this is a verified copy of a public package (not a registry bundle).
    pub fn is_copy(&self) -> bool {
        matches!(self.binding, OwnedBinding::Copy { .. })
    }

    /// For a named clean spec: the package it names (registry, identifier, version), so a
    /// verified copy of exactly that can be offered.
    pub fn named_package(&self) -> Option<(RegistryType, &str, &str)> {
        match &self.binding {
            OwnedBinding::Named {
                registry_type,
                identifier,
                version,
            } => Some((*registry_type, identifier, version)),
            _ => None,
        }
    }

    /// The standing, once the catalog's facts are known: installed code the catalog does
    /// not certify (or no longer does) is unbound.
    pub fn standing(&self, facts: &ServerFacts) -> Standing {
        match self.binding {
            OwnedBinding::Registry { .. } | OwnedBinding::Copy { .. } if facts.name.is_some() => {
                Standing::Verified
            }
            OwnedBinding::Named { .. } | OwnedBinding::Image { .. } => Standing::Named,
            _ => Standing::Unbound,
        }
    }

    /// The package and version it was installed or named as, whatever the catalog says.
    pub fn package(&self) -> Option<(&str, &str)> {
        match &self.binding {
            OwnedBinding::Registry { name, version, .. } => Some((name, version)),
            OwnedBinding::Copy {
                identifier,
                version,
                ..
            }
            | OwnedBinding::Named {
                identifier,
                version,
                ..
            } => Some((identifier, version)),
            OwnedBinding::Image { .. } | OwnedBinding::Unbound => None,
        }
    }

    /// The identity of something that is not a registered server: a catalog name asked
    /// about with `gatehouse check @org/name`. Only the name is claimed; nothing is bound.
    pub fn of_name(name: &str) -> Identity {
        Identity {
            binding: OwnedBinding::Unbound,
            claims: vec![name.to_owned()],
            program: String::new(),
            artifact_modified: false,
            fingerprint: fingerprint(name, &[], &[]),
        }
    }

    /// The identity of a registry package about to be installed: the bytes `digest` of
    /// `name` at `version`, as the registry resolved them. Install judges it with the same
    /// facts `run` will.
    pub fn of_install(name: &str, version: &str, digest: &str) -> Identity {
        Identity {
            binding: OwnedBinding::Registry {
                name: name.to_owned(),
                version: version.to_owned(),
                digest: digest.to_owned(),
            },
            claims: Vec::new(),
            program: String::new(),
            artifact_modified: false,
            fingerprint: fingerprint(name, &[version.to_owned()], &[]),
        }
    }

    /// The identity of a public package's copy about to be installed.
    pub fn of_copy(
        registry_type: RegistryType,
        identifier: &str,
        version: &str,
        file_sha256: &str,
    ) -> Identity {
        Identity {
            binding: OwnedBinding::Copy {
                registry_type,
                identifier: identifier.to_owned(),
                version: version.to_owned(),
                file_sha256: file_sha256.to_owned(),
            },
            claims: Vec::new(),
            program: String::new(),
            artifact_modified: false,
            fingerprint: fingerprint(identifier, &[version.to_owned()], &[]),
        }
    }
}

/// Environment variables an entry may not set for its server to be named: each changes
/// which code a runner fetches or what the interpreter loads (DESIGN.md "Server identity").
const DENIED_NAMES: &[&str] = &[
    "PATH",
    "NODE_OPTIONS",
    "NODE_PATH",
    "SSL_CERT_FILE",
    "NODE_EXTRA_CA_CERTS",
    "REQUESTS_CA_BUNDLE",
];
/// Prefixes of such variables (compared without case for npm's, which npm reads so).
const DENIED_PREFIXES: &[&str] = &[
    "UV_", "PIP_", "PIPX_", "PYTHON", "LD_", "DYLD_", "DOCKER_", "BUN_", "YARN_",
];

/// Whether an entry that sets variable `name` can still be named.
pub fn env_changes_what_runs(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    DENIED_NAMES.contains(&upper.as_str())
        || upper.starts_with("NPM_CONFIG_")
        || DENIED_PREFIXES
            .iter()
            .any(|prefix| upper.starts_with(prefix))
}

/// Establishes who `server` is, in `env` (whose `PATH` finds runners), with its verified
/// files' record if it has one, compared as `check` says.
pub fn identify(
    server: &Server,
    tree: Option<&VerifiedTree>,
    env: &Environment,
    check: TreeCheck,
) -> Identity {
    let parsed = spec::parse(&server.command, &server.args);
    let mut claims = vec![server.id.clone()];
    if server.name != server.id {
        claims.push(server.name.clone());
    }
    claims.extend(
        parsed
            .iter()
            .flat_map(|parsed| parsed.names.iter().cloned()),
    );
    let fingerprint = fingerprint(&server.command, &server.args, &server.env_names);
    let mut identity = Identity {
        binding: OwnedBinding::Unbound,
        claims: Vec::new(),
        program: server.command.clone(),
        artifact_modified: false,
        fingerprint,
    };
    if let Some(tree) = tree.filter(|tree| runs_inside(server, tree)) {
        identity.binding = match tree.kind {
            TreeKind::Registry => OwnedBinding::Registry {
                name: tree.name.clone(),
                version: tree.version.clone(),
                digest: format!("sha256:{}", tree.artifact_sha256),
            },
            TreeKind::Package => {
                match tree.registry_type.as_deref().and_then(RegistryType::parse) {
                    Some(registry_type) => OwnedBinding::Copy {
                        registry_type,
                        identifier: tree.name.clone(),
                        version: tree.version.clone(),
                        file_sha256: tree.artifact_sha256.clone(),
                    },
                    None => OwnedBinding::Unbound,
                }
            }
        };
        // A change found by an earlier check stands until the server is installed again,
        // even if the files were put back since (they were not what ran meanwhile).
        identity.artifact_modified =
            tree.modified_at.is_some() || !tree::matches(Path::new(&tree.root), &tree.files, check);
    } else if server.source == ServerSource::Registry {
        // Installed by Gatehouse, but its record is gone or its command (edited in the
        // store) no longer runs the recorded files: what runs is not what was installed.
        identity.artifact_modified = true;
    } else if let Some(parsed) = parsed.as_ref().filter(|parsed| parsed.clean)
        && !server
            .env_names
            .iter()
            .any(|name| env_changes_what_runs(name))
        && placeholders_are_harmless(&server.command, &server.args)
        && let Some(runner) = system_runner(&server.command, env)
    {
        identity.binding = named(parsed);
        if identity.binding != OwnedBinding::Unbound {
            identity.program = runner.to_string_lossy().into_owned();
        }
    }
    identity.claims = dedup(claims, &identity.binding);
    identity
}

/// What a placeholder is tried as, to see whether its value could change what runs: a
/// plain word, options, another package (npm and PyPI forms), a path.
const PLACEHOLDER_TRIALS: [&str; 6] =
    ["x", "-x", "--x=1", "@other/pkg@9.9.9", "other==9.9.9", "/x"];

/// Whether the placeholders a client app fills in at launch (DESIGN.md "Every path onto the
/// machine") leave the spec's package as it is: none in the program, and none in a runner
/// option or the package position, which shows as a different reading of the line for some
/// value. A line without placeholders is harmless.
fn placeholders_are_harmless(command: &str, args: &[String]) -> bool {
    use crate::launch::values::has_placeholder;
    if has_placeholder(command) {
        return false;
    }
    if !args.iter().any(|arg| has_placeholder(arg)) {
        return true;
    }
    let reading = |trial: &str| {
        let filled: Vec<String> = args
            .iter()
            .map(|arg| crate::launch::values::literal_parts(arg).join(trial))
            .collect();
        spec::parse(command, &filled).map(|parsed| (parsed.runner, parsed.target, parsed.clean))
    };
    let first = reading(PLACEHOLDER_TRIALS[0]);
    PLACEHOLDER_TRIALS[1..]
        .iter()
        .all(|trial| reading(trial) == first)
}

/// The binding of a clean spec.
fn named(parsed: &Parsed) -> OwnedBinding {
    let Some(target) = &parsed.target else {
        return OwnedBinding::Unbound;
    };
    match (parsed.runner.ecosystem(), &target.name) {
        (Ecosystem::Npm, Some(name)) | (Ecosystem::Pypi, Some(name)) => match &target.version {
            Some(version) => OwnedBinding::Named {
                registry_type: if parsed.runner.ecosystem() == Ecosystem::Npm {
                    RegistryType::Npm
                } else {
                    RegistryType::Pypi
                },
                identifier: name.clone(),
                version: version.clone(),
            },
            None => OwnedBinding::Unbound,
        },
        (Ecosystem::Oci, Some(repository)) => match &target.digest {
            Some(digest) => OwnedBinding::Image {
                repository: repository.clone(),
                digest: digest.clone(),
            },
            None => OwnedBinding::Unbound,
        },
        _ => OwnedBinding::Unbound,
    }
}

/// Whether the server's command runs the recorded tree: its program is a file inside the
/// tree, or an interpreter whose script (its first argument) is one. Anything else (an
/// `npx …` entrypoint, a command edited in the store) runs code the record does not cover.
fn runs_inside(server: &Server, tree: &VerifiedTree) -> bool {
    let root = Path::new(&tree.root);
    let inside = |path: &str| {
        let path = Path::new(path);
        path.is_absolute()
            && path.starts_with(root)
            && path
                .components()
                .all(|component| !matches!(component, std::path::Component::ParentDir))
    };
    if inside(&server.command) {
        return true;
    }
    let interpreter = spec_program(&server.command);
    let interpreters = ["node", "python", "python3", "deno", "bun"];
    // Python's isolation switches may come first (a PyPI copy runs `python3 -I -B …`):
    // each only takes away what the interpreter reads from outside.
    let python = interpreter.starts_with("python");
    let script = server
        .args
        .iter()
        .find(|arg| !(python && matches!(arg.as_str(), "-I" | "-B" | "-E" | "-s")));
    interpreters.contains(&interpreter.as_str())
        && script.is_some_and(|script| inside(script) || runs_relative(root, script))
}

/// A relative script run from the tree (a registry bundle's entrypoint runs in its folder).
fn runs_relative(root: &Path, script: &str) -> bool {
    let path = Path::new(script);
    !path.is_absolute()
        && !script.starts_with('-')
        && path.components().all(|component| {
            matches!(
                component,
                std::path::Component::Normal(_) | std::path::Component::CurDir
            )
        })
        && root.join(path).is_file()
}

fn spec_program(command: &str) -> String {
    Path::new(command)
        .file_name()
        .and_then(|name| name.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// The runner as the system's own path finds it, when `command` is that runner (its bare
/// name, or the very file the system's path gives).
fn system_runner(command: &str, env: &Environment) -> Option<PathBuf> {
    let file_name = Path::new(command).file_name()?;
    let found = env.find_program(file_name)?;
    let given = Path::new(command);
    if given.components().count() == 1 {
        return Some(found);
    }
    let same = match (given.canonicalize(), found.canonicalize()) {
        (Ok(given), Ok(found)) => given == found,
        _ => false,
    };
    same.then_some(found)
}

/// The claims without the bound name and without repeats (compared normalized).
fn dedup(claims: Vec<String>, binding: &OwnedBinding) -> Vec<String> {
    let bound = match binding {
        OwnedBinding::Named { identifier, .. } => Some(normalize_name(identifier)),
        OwnedBinding::Image { repository, .. } => Some(normalize_name(repository)),
        _ => None,
    };
    let mut seen = std::collections::BTreeSet::new();
    claims
        .into_iter()
        .filter(|claim| {
            let key = normalize_name(claim);
            bound.as_deref() != Some(key.as_str()) && seen.insert(key)
        })
        .collect()
}

/// A stable hash of a launch: command, arguments and declared environment names.
fn fingerprint(command: &str, args: &[String], env_names: &[String]) -> String {
    use sha2::{Digest, Sha256};
    let canonical = serde_json::json!([command, args, env_names]).to_string();
    hex::encode(Sha256::digest(canonical.as_bytes()))
}

#[cfg(test)]
mod tests;
