//! The policy name and version of a server, derived from how it is launched.
//!
//! A server registered without `--name` is judged by the package it runs: `npx -y
//! @scope/pkg@1.2.3` is `@scope/pkg` version `1.2.3`. An unpinned package (`npx pkg`) has
//! no version: npx or uvx may fetch anything on the next launch, so the catalog's facts for
//! some version must not be lent to it (DESIGN.md "Server ids and names").

use std::path::Path;

/// A policy name with the version the launch command pins, if it pins one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DerivedName {
    pub name: String,
    pub version: Option<String>,
}

/// Derives the package a launch command runs, or `None` when the command is not a package
/// runner Gatehouse knows (then the caller falls back to the server id).
pub fn derive_name(command: &str, args: &[String]) -> Option<DerivedName> {
    let program = Path::new(command)
        .file_stem()?
        .to_str()?
        .to_ascii_lowercase();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match program.as_str() {
        "npx" | "bunx" => first_operand(&args, NPX_VALUE_FLAGS).map(npm_spec),
        "pnpm" | "yarn" if args.first() == Some(&"dlx") => {
            first_operand(&args[1..], NPX_VALUE_FLAGS).map(npm_spec)
        }
        "uvx" => first_operand(&args, UVX_VALUE_FLAGS).map(python_spec),
        "uv" if args.first() == Some(&"tool") && args.get(1) == Some(&"run") => {
            first_operand(&args[2..], UVX_VALUE_FLAGS).map(python_spec)
        }
        "pipx" if args.first() == Some(&"run") => {
            first_operand(&args[1..], PIPX_VALUE_FLAGS).map(python_spec)
        }
        "docker" | "podman" if args.first() == Some(&"run") => {
            first_operand(&args[1..], DOCKER_VALUE_FLAGS).map(image_spec)
        }
        _ => None,
    }
}

/// Flags of each runner that take a value, so the value is not mistaken for the package.
const NPX_VALUE_FLAGS: &[&str] = &["-p", "--package", "-c", "--call", "--registry", "--cache"];
const UVX_VALUE_FLAGS: &[&str] = &[
    "--from",
    "--with",
    "--python",
    "-p",
    "--index",
    "--index-url",
    "--extra-index-url",
    "--with-requirements",
    "--directory",
];
const PIPX_VALUE_FLAGS: &[&str] = &["--spec", "--python", "--index-url", "--pip-args"];
const DOCKER_VALUE_FLAGS: &[&str] = &[
    "-e",
    "--env",
    "--env-file",
    "-v",
    "--volume",
    "--name",
    "-p",
    "--publish",
    "-w",
    "--workdir",
    "--network",
    "--net",
    "-u",
    "--user",
    "--entrypoint",
    "--mount",
    "-l",
    "--label",
    "--platform",
    "--pull",
    "--memory",
    "-m",
    "--cpus",
    "--add-host",
    "--hostname",
    "-h",
    "--cap-add",
    "--cap-drop",
    "--security-opt",
    "--device",
    "--init-path",
];

fn first_operand<'a>(args: &[&'a str], value_flags: &[&str]) -> Option<&'a str> {
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        if *arg == "--" {
            return rest.next().copied();
        }
        if arg.starts_with('-') {
            if !arg.contains('=') && value_flags.contains(arg) {
                rest.next();
            }
            continue;
        }
        return Some(arg);
    }
    None
}

/// `@scope/pkg@1.2.3`, `pkg@1.2.3`, `pkg`. A tag such as `latest` is not a version.
fn npm_spec(spec: &str) -> DerivedName {
    let (name, version) = match spec.rfind('@') {
        Some(at) if at > 0 => (&spec[..at], Some(&spec[at + 1..])),
        _ => (spec, None),
    };
    DerivedName {
        name: name.to_owned(),
        version: exact_version(version),
    }
}

/// `pkg==1.2.3`, `pkg@1.2.3`, `pkg[extra]==1.2.3`, `pkg`.
fn python_spec(spec: &str) -> DerivedName {
    let (name, version) = if let Some((name, version)) = spec.split_once("==") {
        (name, Some(version))
    } else if let Some((name, version)) = spec.split_once('@') {
        (name, Some(version))
    } else {
        (spec, None)
    };
    let name = name.split('[').next().unwrap_or(name).trim();
    DerivedName {
        name: name.to_owned(),
        version: exact_version(version),
    }
}

/// `registry/org/image:1.2.3`, `image@sha256:…` (a digest is not a version), `image`.
fn image_spec(spec: &str) -> DerivedName {
    let without_digest = spec.split('@').next().unwrap_or(spec);
    // A colon after the last slash is a tag; one before it is a registry port.
    let tag_at = without_digest
        .rfind(':')
        .filter(|colon| without_digest.rfind('/').is_none_or(|slash| *colon > slash));
    let (name, version) = match tag_at {
        Some(colon) => (&without_digest[..colon], Some(&without_digest[colon + 1..])),
        None => (without_digest, None),
    };
    DerivedName {
        name: name.to_owned(),
        version: exact_version(version),
    }
}

/// Only a concrete version pins anything: ranges and tags (`latest`, `^1.2`) do not.
fn exact_version(version: Option<&str>) -> Option<String> {
    let version = version?.trim();
    let concrete = version.chars().next().is_some_and(|c| c.is_ascii_digit())
        && version
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+'));
    concrete.then(|| version.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn derive(command: &str, args: &[&str]) -> Option<(String, Option<String>)> {
        let args: Vec<String> = args.iter().map(|arg| (*arg).to_owned()).collect();
        derive_name(command, &args).map(|derived| (derived.name, derived.version))
    }

    fn named(name: &str, version: Option<&str>) -> Option<(String, Option<String>)> {
        Some((name.to_owned(), version.map(str::to_owned)))
    }

    #[test]
    fn npx_with_scope_and_version() {
        assert_eq!(
            derive("npx", &["-y", "@scope/pkg@1.2.3"]),
            named("@scope/pkg", Some("1.2.3"))
        );
        assert_eq!(
            derive("/usr/bin/npx", &["@scope/pkg", "--port", "1"]),
            named("@scope/pkg", None)
        );
        assert_eq!(
            derive("npx.cmd", &["--yes", "pkg@2.0.0", "stdio"]),
            named("pkg", Some("2.0.0"))
        );
    }

    #[test]
    fn tags_and_ranges_are_not_versions() {
        assert_eq!(
            derive("npx", &["-y", "pkg@latest"]),
            named("pkg", None),
            "latest moves"
        );
        assert_eq!(
            derive("npx", &["-y", "pkg@^1.2.0"]),
            named("pkg", None),
            "a range is not pinned"
        );
    }

    #[test]
    fn flag_values_are_not_packages() {
        assert_eq!(
            derive(
                "npx",
                &["--registry", "https://r.example", "-y", "pkg@1.0.0"]
            ),
            named("pkg", Some("1.0.0"))
        );
    }

    #[test]
    fn python_runners() {
        assert_eq!(
            derive("uvx", &["mcp-server-time==2026.1.1"]),
            named("mcp-server-time", Some("2026.1.1"))
        );
        assert_eq!(
            derive("uvx", &["--python", "3.12", "mcp-server-git"]),
            named("mcp-server-git", None)
        );
        assert_eq!(
            derive("uv", &["tool", "run", "pkg[cli]@1.0"]),
            named("pkg", Some("1.0"))
        );
        assert_eq!(
            derive("pipx", &["run", "pkg==3.1"]),
            named("pkg", Some("3.1"))
        );
        assert_eq!(
            derive("pipx", &["install", "pkg"]),
            None,
            "only `pipx run` launches a package"
        );
    }

    #[test]
    fn docker_images() {
        assert_eq!(
            derive(
                "docker",
                &["run", "-i", "--rm", "-e", "TOKEN", "ghcr.io/acme/mcp:1.4.0"]
            ),
            named("ghcr.io/acme/mcp", Some("1.4.0"))
        );
        assert_eq!(
            derive("docker", &["run", "-i", "localhost:5000/mcp"]),
            named("localhost:5000/mcp", None)
        );
        assert_eq!(
            derive("docker", &["run", "mcp@sha256:abcd"]),
            named("mcp", None)
        );
    }

    #[test]
    fn other_commands_have_no_derived_name() {
        assert_eq!(derive("node", &["server.js"]), None);
        assert_eq!(derive("npx", &[]), None);
    }
}
