//! An MCP Bundle's verified copy: the certified `.mcpb` (a zip with its dependencies
//! inside) unpacked into the copy's folder, and started as its `manifest.json` says
//! (`server.mcp_config`), with `${__dirname}` standing for that folder. Nothing is
//! installed beside it, so the sync's re-check compares the whole tree with the bundle.

use std::path::Path;

use serde::Deserialize;

use super::{DIRNAME, Entry, bad};
use crate::error::{Error, Result};
use crate::identity::tree;
use crate::sync::trees::Expected;

#[derive(Deserialize)]
struct Manifest {
    server: ServerPart,
}

#[derive(Deserialize)]
struct ServerPart {
    mcp_config: McpConfig,
}

#[derive(Deserialize)]
struct McpConfig {
    command: String,
    #[serde(default)]
    args: Vec<String>,
    #[serde(default)]
    env: serde_json::Map<String, serde_json::Value>,
}

/// Unpacks the bundle at `bundle` (already checked) into `root`, and says how to run it.
pub(super) fn install(bundle: &Path, root: &Path) -> Result<Entry> {
    let file = std::fs::File::open(bundle).map_err(|source| Error::Io {
        path: bundle.to_owned(),
        source,
    })?;
    gatehouse_artifact::extract_zip(
        std::io::BufReader::new(file),
        root,
        gatehouse_artifact::MAX_EXTRACTED_BYTES,
    )
    .map_err(crate::install::InstallError::Unpack)?;
    let text = std::fs::read(root.join("manifest.json"))
        .map_err(|_| bad("the bundle has no manifest.json"))?;
    let manifest: Manifest = serde_json::from_slice(&text)
        .map_err(|e| bad(&format!("its manifest.json cannot be read: {e}")))?;
    entry_of(manifest.server.mcp_config, root)
}

fn entry_of(config: McpConfig, root: &Path) -> Result<Entry> {
    if !config.env.is_empty() {
        return Err(bad(
            "it sets environment values for its server, which Gatehouse does not pass on",
        ));
    }
    let unresolved = |text: &str| text.replace(DIRNAME, "").contains("${");
    if unresolved(&config.command) || config.args.iter().any(|arg| unresolved(arg)) {
        return Err(bad(
            "it needs settings chosen at install (user_config), which Gatehouse does not ask for",
        ));
    }
    let inside = |text: &str| {
        text.strip_prefix(DIRNAME)
            .map(|rest| rest.trim_start_matches(['/', '\\']).to_owned())
    };
    let plain = |relative: &str| {
        !relative.is_empty()
            && Path::new(relative)
                .components()
                .all(|c| matches!(c, std::path::Component::Normal(_)))
            && root.join(relative).is_file()
    };
    if let Some(program) = inside(&config.command) {
        if !plain(&program) {
            return Err(bad("its program is not a file in the bundle"));
        }
        return Ok(Entry {
            interpreter: None,
            flags: Vec::new(),
            script: program,
            args: config.args,
            env_names: Vec::new(),
        });
    }
    let interpreter = match config.command.as_str() {
        "node" => "node",
        "python" | "python3" => "python3",
        _ => {
            return Err(bad(
                "it runs a program from outside the bundle, which cannot be checked",
            ));
        }
    };
    let mut args = config.args.into_iter();
    let script = args
        .next()
        .and_then(|first| inside(&first))
        .filter(|script| plain(script))
        .ok_or_else(|| bad("its script is not a file in the bundle"))?;
    Ok(Entry {
        interpreter: Some(interpreter.to_owned()),
        flags: Vec::new(),
        script,
        args: args.collect(),
        env_names: Vec::new(),
    })
}

/// The bundle's files: the whole tree.
pub(super) fn artifact_files(bundle: &Path, root: &Path) -> Result<Expected> {
    let file = std::fs::File::open(bundle).map_err(|source| Error::Io {
        path: bundle.to_owned(),
        source,
    })?;
    gatehouse_artifact::extract_zip(
        std::io::BufReader::new(file),
        root,
        gatehouse_artifact::MAX_EXTRACTED_BYTES,
    )
    .map_err(crate::install::InstallError::Unpack)?;
    let files = tree::record(root).map_err(|source| Error::Io {
        path: root.to_owned(),
        source,
    })?;
    Ok(Expected {
        prefix: String::new(),
        files,
        exact: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(command: &str, args: &[&str]) -> McpConfig {
        McpConfig {
            command: command.to_owned(),
            args: args.iter().map(|a| (*a).to_owned()).collect(),
            env: serde_json::Map::new(),
        }
    }

    #[test]
    fn a_node_bundle_runs_its_own_script() {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("server")).unwrap();
        std::fs::write(root.path().join("server/index.js"), "").unwrap();
        let entry = entry_of(
            config("node", &["${__dirname}/server/index.js", "--stdio"]),
            root.path(),
        )
        .unwrap();
        assert_eq!(entry.interpreter.as_deref(), Some("node"));
        assert_eq!(entry.script, "server/index.js");
        assert_eq!(entry.args, vec!["--stdio"]);
    }

    #[test]
    fn a_bundle_running_code_from_elsewhere_or_needing_settings_is_refused() {
        let root = tempfile::tempdir().unwrap();
        std::fs::write(root.path().join("a.js"), "").unwrap();
        for (command, args) in [
            ("npx", vec!["-y", "pkg"]),
            ("node", vec!["/tmp/evil.js"]),
            ("node", vec!["${__dirname}/../evil.js"]),
            ("node", vec!["${__dirname}/a.js", "${user_config.dir}"]),
            ("${__dirname}/missing", vec![]),
        ] {
            assert!(
                entry_of(config(command, &args), root.path()).is_err(),
                "{command} {args:?}"
            );
        }
    }
}
