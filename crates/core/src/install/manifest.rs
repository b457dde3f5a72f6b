//! The manifest of an installed package (HUB_API.md section A), in either of its two
//! formats: the client format `entrypoints: [{os, arch, command, args}]` and the hub
//! format `entrypoint: {command: [...], args: [...], env: {...}}` (with
//! `certification: {level, score}`). Which entrypoint runs here is a pure function of the
//! manifest and the OS and architecture, so every platform's choice is tested on any.

use serde::Deserialize;
use serde_json::{Map, Value};

/// What the install needs from a manifest.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    pub package_id: String,
    pub version: Option<String>,
    entrypoints: Entrypoints,
    /// Environment variable names the package declares (hub `entrypoint.env` keys and
    /// string entries of `permissions.environment`); never values.
    pub env_names: Vec<String>,
    /// `permissions` or `permissions_requested`, as declared (`null` when absent).
    pub permissions: Value,
    /// Hub format `certification`, as declared (`null` when absent).
    pub certification: Value,
}

#[derive(Debug, Clone, PartialEq)]
enum Entrypoints {
    Client(Vec<ClientEntry>),
    Hub {
        command: Vec<String>,
        args: Vec<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
struct ClientEntry {
    #[serde(default)]
    os: Option<String>,
    #[serde(default)]
    arch: Option<String>,
    command: String,
    #[serde(default)]
    args: Vec<String>,
}

#[derive(Deserialize)]
struct Wire {
    package: WirePackage,
    #[serde(default)]
    entrypoints: Option<Vec<ClientEntry>>,
    #[serde(default)]
    entrypoint: Option<WireHubEntry>,
    #[serde(default)]
    permissions: Option<Value>,
    #[serde(default)]
    permissions_requested: Option<Value>,
    #[serde(default)]
    certification: Option<Value>,
}

#[derive(Deserialize)]
struct WirePackage {
    id: String,
    #[serde(default)]
    version: Option<String>,
}

#[derive(Deserialize)]
struct WireHubEntry {
    command: CommandField,
    #[serde(default)]
    args: Vec<String>,
    #[serde(default)]
    env: Map<String, Value>,
}

/// The hub format's `command` is a list; a single string is read as a list of one.
#[derive(Deserialize)]
#[serde(untagged)]
enum CommandField {
    List(Vec<String>),
    One(String),
}

/// The program and arguments chosen for this machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entrypoint {
    pub command: String,
    pub args: Vec<String>,
}

impl Manifest {
    /// Parses the manifest bytes; the message says what is wrong.
    pub fn parse(bytes: &[u8]) -> Result<Manifest, String> {
        let wire: Wire = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        if wire.package.id.trim().is_empty() {
            return Err("`package.id` is empty".to_owned());
        }
        let mut env_names = Vec::new();
        let entrypoints = match (wire.entrypoints, wire.entrypoint) {
            (Some(list), _) if !list.is_empty() => Entrypoints::Client(list),
            (_, Some(hub)) => {
                env_names.extend(hub.env.keys().cloned());
                let (command, mut args) = match hub.command {
                    CommandField::List(list) => (list, Vec::new()),
                    CommandField::One(one) => (vec![one], Vec::new()),
                };
                args.extend(hub.args);
                if command
                    .first()
                    .is_none_or(|program| program.trim().is_empty())
                {
                    return Err("`entrypoint.command` is empty".to_owned());
                }
                Entrypoints::Hub { command, args }
            }
            _ => return Err("it has neither `entrypoints` nor `entrypoint`".to_owned()),
        };
        let permissions = wire
            .permissions
            .or(wire.permissions_requested)
            .unwrap_or(Value::Null);
        if let Some(list) = permissions.get("environment").and_then(Value::as_array) {
            env_names.extend(list.iter().filter_map(Value::as_str).map(str::to_owned));
        }
        for name in &env_names {
            if !is_env_name(name) {
                return Err(format!("`{name}` is not an environment variable name"));
            }
        }
        // Gatehouse's own variables never reach a server, whatever a manifest asks for.
        env_names.retain(|name| !gatehouse_launch::is_gatehouse_own(name));
        env_names.sort();
        env_names.dedup();
        Ok(Manifest {
            package_id: wire.package.id,
            version: wire.package.version,
            entrypoints,
            env_names,
            permissions,
            certification: wire.certification.unwrap_or(Value::Null),
        })
    }

    /// The entrypoint for `os` and `arch` (Rust's names, as in `std::env::consts`): in the
    /// client format the entry for exactly this OS and architecture, else one for this OS
    /// and any architecture, else one for any OS; the hub format runs everywhere.
    pub fn entrypoint_for(&self, os: &str, arch: &str) -> Option<Entrypoint> {
        match &self.entrypoints {
            Entrypoints::Hub { command, args } => {
                let (program, rest) = command.split_first()?;
                Some(Entrypoint {
                    command: program.clone(),
                    args: rest.iter().chain(args).cloned().collect(),
                })
            }
            Entrypoints::Client(list) => {
                let os = canonical_os(os);
                let arch = canonical_arch(arch);
                let fits = |field: &Option<String>, want: &str, canon: fn(&str) -> String| {
                    field.as_deref().map(canon) == Some(want.to_owned())
                };
                let any = |field: &Option<String>| {
                    field
                        .as_deref()
                        .is_none_or(|v| matches!(v.to_ascii_lowercase().as_str(), "any" | "*" | ""))
                };
                let exact = list.iter().find(|e| {
                    fits(&e.os, &os, canonical_os) && fits(&e.arch, &arch, canonical_arch)
                });
                let same_os = || {
                    list.iter()
                        .find(|e| fits(&e.os, &os, canonical_os) && any(&e.arch))
                };
                let anywhere = || list.iter().find(|e| any(&e.os) && any(&e.arch));
                exact
                    .or_else(same_os)
                    .or_else(anywhere)
                    .map(|e| Entrypoint {
                        command: e.command.clone(),
                        args: e.args.clone(),
                    })
            }
        }
    }
}

/// One name per OS whatever the spelling (`darwin`, `macos`; `win32`, `windows`).
fn canonical_os(os: &str) -> String {
    match os.to_ascii_lowercase().as_str() {
        "darwin" | "macos" | "osx" | "mac" => "macos".to_owned(),
        "win32" | "windows" | "win" => "windows".to_owned(),
        other => other.to_owned(),
    }
}

/// One name per architecture (`amd64`, `x64` → `x86_64`; `arm64` → `aarch64`).
fn canonical_arch(arch: &str) -> String {
    match arch.to_ascii_lowercase().as_str() {
        "amd64" | "x64" | "x86_64" | "x86-64" => "x86_64".to_owned(),
        "arm64" | "aarch64" => "aarch64".to_owned(),
        other => other.to_owned(),
    }
}

fn is_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn manifest(value: Value) -> Manifest {
        Manifest::parse(value.to_string().as_bytes()).unwrap()
    }

    fn client_format() -> Manifest {
        manifest(json!({
            "package": {"id": "acme-corp/tool", "version": "1.0.0"},
            "entrypoints": [
                {"os": "linux", "arch": "amd64", "command": "bin/tool-linux-x64"},
                {"os": "linux", "arch": "arm64", "command": "bin/tool-linux-arm64"},
                {"os": "darwin", "command": "bin/tool-mac", "args": ["--stdio"]},
                {"os": "any", "arch": "any", "command": "node", "args": ["server.js"]}
            ],
            "permissions": {"network": ["api.acme.test"], "environment": ["ACME_TOKEN"]}
        }))
    }

    #[test]
    fn the_client_format_picks_os_and_arch_then_os_then_anything() {
        let m = client_format();
        let command = |os, arch| m.entrypoint_for(os, arch).map(|e| e.command);
        assert_eq!(
            command("linux", "x86_64").as_deref(),
            Some("bin/tool-linux-x64")
        );
        assert_eq!(
            command("linux", "aarch64").as_deref(),
            Some("bin/tool-linux-arm64")
        );
        assert_eq!(
            m.entrypoint_for("macos", "aarch64"),
            Some(Entrypoint {
                command: "bin/tool-mac".into(),
                args: vec!["--stdio".into()]
            }),
            "`darwin` is macOS, for any architecture"
        );
        assert_eq!(
            command("windows", "x86_64").as_deref(),
            Some("node"),
            "no Windows entry: the one for any OS"
        );
        assert_eq!(
            command("linux", "riscv64").as_deref(),
            Some("node"),
            "no entry for this arch: the one for any OS"
        );
    }

    #[test]
    fn without_a_matching_entry_there_is_no_entrypoint() {
        let m = manifest(json!({
            "package": {"id": "a/b"},
            "entrypoints": [{"os": "windows", "arch": "x64", "command": "tool.exe"}]
        }));
        assert_eq!(m.entrypoint_for("linux", "x86_64"), None);
        assert_eq!(
            m.entrypoint_for("windows", "x86_64").unwrap().command,
            "tool.exe"
        );
    }

    #[test]
    fn the_hub_format_runs_everywhere_and_declares_env_names() {
        let m = manifest(json!({
            "package": {"id": "@acme-corp/tool", "version": "2.0.0"},
            "entrypoint": {"command": ["node", "dist/index.js"], "args": ["--stdio"],
                           "env": {"ACME_URL": "https://acme.test", "ACME_TOKEN": ""}},
            "permissions_requested": {"environment": ["ACME_TOKEN", "GATEHOUSE_HUB_TOKEN", {"name": "X"}]},
            "certification": {"level": 2, "score": 88}
        }));
        for (os, arch) in [
            ("linux", "x86_64"),
            ("windows", "aarch64"),
            ("macos", "x86_64"),
        ] {
            assert_eq!(
                m.entrypoint_for(os, arch),
                Some(Entrypoint {
                    command: "node".into(),
                    args: vec!["dist/index.js".into(), "--stdio".into()]
                }),
                "{os}/{arch}"
            );
        }
        assert_eq!(
            m.env_names,
            ["ACME_TOKEN", "ACME_URL"],
            "names only, once each, and never Gatehouse's own"
        );
        assert_eq!(m.certification["score"], 88);
        assert_eq!(m.permissions["environment"][0], "ACME_TOKEN");
    }

    #[test]
    fn broken_manifests_say_why() {
        for (value, words) in [
            (json!({"entrypoint": {"command": ["x"]}}), "package"),
            (json!({"package": {"id": "a/b"}}), "neither"),
            (
                json!({"package": {"id": "a/b"}, "entrypoint": {"command": []}}),
                "empty",
            ),
            (
                json!({"package": {"id": "a/b"}, "entrypoint": {"command": ["x"], "env": {"A=B": ""}}}),
                "not an environment variable name",
            ),
        ] {
            let error = Manifest::parse(value.to_string().as_bytes()).unwrap_err();
            assert!(error.contains(words), "{value}: {error}");
        }
        assert!(Manifest::parse(b"not json").is_err());
    }
}
