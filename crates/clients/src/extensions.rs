//! Claude Desktop extensions (`.mcpb`, formerly `.dxt`): servers a person installs with one
//! click, which Claude Desktop starts itself rather than from its `mcpServers`.
//!
//! The layout, beside `claude_desktop_config.json` (from the `modelcontextprotocol/mcpb`
//! manifest spec and public install scripts; Claude Desktop has no Linux build to check it
//! against):
//!
//! - `Claude Extensions/<id>/manifest.json`: the unpacked package's manifest: `name`,
//!   `display_name`, `version`, and `server.mcp_config` (`command`, `args`, `env`, with
//!   `${__dirname}` for the extension's folder and `${user_config.<key>}` for the person's
//!   answers);
//! - `Claude Extensions Settings/<id>.json`: `{"isEnabled": bool, "userConfig": {…}}`, the
//!   switch in Claude Desktop's Extensions settings. A missing file or key counts as enabled
//!   (Claude Desktop writes it when the person first toggles or configures the extension).
//!
//! Extensions cannot be routed through Gatehouse (Claude Desktop builds their launch from
//! the manifest), so a blocked one is switched off through that setting instead
//! ([`set_enabled`]), editing only the `isEnabled` value and keeping every other byte.

use std::path::{Path, PathBuf};

use jsonc_parser::ast::Value;
use serde::Serialize;

use crate::apps::ClientApp;
use crate::error::{Error, Result};
use crate::paths::{ConfigEnv, Os, config_paths};
use crate::syntax::{Splice, apply, parse, prop, span};

/// The folder names beside Claude Desktop's config.
const EXTENSIONS_DIR: &str = "Claude Extensions";
const SETTINGS_DIR: &str = "Claude Extensions Settings";

/// One installed extension, as its manifest and settings say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Extension {
    /// The folder name: Claude Desktop's id for it (`ant.dir.gh.acme.notes`, `local.tool`).
    pub id: String,
    /// The manifest's `name` (the package name).
    pub name: String,
    /// The manifest's `display_name`, else its `name`.
    pub display_name: String,
    pub version: Option<String>,
    /// `node`, `python`, `binary`, `uv`, … (`server.type`).
    pub server_type: Option<String>,
    /// The launch Claude Desktop builds, placeholders as written.
    pub command: Option<String>,
    pub args: Vec<String>,
    pub enabled: bool,
    pub folder: PathBuf,
    pub settings: PathBuf,
}

/// Where Claude Desktop keeps its extensions on `os`: the folder of its config file.
pub fn extension_roots(os: Os, env: &ConfigEnv) -> Vec<PathBuf> {
    config_paths(ClientApp::ClaudeDesktop, os, env)
        .into_iter()
        .filter_map(|config| config.parent().map(|dir| dir.join(EXTENSIONS_DIR)))
        .collect()
}

/// Every extension under `root` (a `Claude Extensions` folder), by id; each one whose
/// manifest cannot be read comes back as its id with why.
pub fn read_extensions(root: &Path) -> Vec<std::result::Result<Extension, (String, String)>> {
    let Ok(dirs) = std::fs::read_dir(root) else {
        return Vec::new();
    };
    let mut ids: Vec<String> = dirs
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.path().is_dir())
        .filter_map(|entry| entry.file_name().into_string().ok())
        .collect();
    ids.sort();
    let settings_dir = root.with_file_name(SETTINGS_DIR);
    ids.into_iter()
        .map(|id| {
            let folder = root.join(&id);
            let settings = settings_dir.join(format!("{id}.json"));
            read_one(&id, &folder, settings).map_err(|why| (id, why))
        })
        .collect()
}

fn read_one(id: &str, folder: &Path, settings: PathBuf) -> std::result::Result<Extension, String> {
    let text = std::fs::read_to_string(folder.join("manifest.json"))
        .map_err(|error| format!("its manifest cannot be read: {error}"))?;
    let manifest: serde_json::Value = serde_json::from_str(&text)
        .map_err(|error| format!("its manifest is not valid JSON: {error}"))?;
    let text_of = |value: &serde_json::Value| value.as_str().map(str::to_owned);
    let name = text_of(&manifest["name"]).unwrap_or_else(|| id.to_owned());
    let config = &manifest["server"]["mcp_config"];
    Ok(Extension {
        id: id.to_owned(),
        display_name: text_of(&manifest["display_name"]).unwrap_or_else(|| name.clone()),
        name,
        version: text_of(&manifest["version"]),
        server_type: text_of(&manifest["server"]["type"]),
        command: text_of(&config["command"]),
        args: config["args"]
            .as_array()
            .map(|args| args.iter().filter_map(text_of).collect())
            .unwrap_or_default(),
        enabled: is_enabled(&settings)?,
        folder: folder.to_owned(),
        settings,
    })
}

/// The `isEnabled` of a settings file; `true` when it or the key is missing.
fn is_enabled(settings: &Path) -> std::result::Result<bool, String> {
    let text = match std::fs::read_to_string(settings) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(true),
        Err(error) => return Err(format!("its settings cannot be read: {error}")),
    };
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|error| format!("its settings are not valid JSON: {error}"))?;
    Ok(value["isEnabled"].as_bool().unwrap_or(true))
}

/// The settings text with `isEnabled` set to `enabled`: the value spliced in place when the
/// key is there, else the key added first in the object; a missing file becomes
/// `{"isEnabled": …}`. Every other byte is kept.
pub fn with_enabled(path: &Path, text: Option<&str>, enabled: bool) -> Result<String> {
    let Some(text) = text.filter(|t| !t.trim().is_empty()) else {
        return Ok(format!("{{\"isEnabled\": {enabled}}}\n"));
    };
    let unparsable = |reason: String| Error::Unparsable {
        path: path.to_owned(),
        reason,
    };
    let Some(Value::Object(top)) = parse(text, false).map_err(unparsable)? else {
        return Err(unparsable("its top level is not an object".to_owned()));
    };
    let splice = match prop(&top, "isEnabled") {
        Some(property) => Splice {
            range: span(&property.value),
            text: enabled.to_string(),
        },
        None => {
            let open = span(&top).start + 1;
            let comma = if top.properties.is_empty() { "" } else { ", " };
            Splice {
                range: open..open,
                text: format!("\"isEnabled\": {enabled}{comma}"),
            }
        }
    };
    Ok(apply(text, vec![splice]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn install(root: &Path, id: &str, manifest: &str, settings: Option<&str>) {
        std::fs::create_dir_all(root.join(id)).unwrap();
        std::fs::write(root.join(id).join("manifest.json"), manifest).unwrap();
        if let Some(settings) = settings {
            let dir = root.with_file_name(SETTINGS_DIR);
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join(format!("{id}.json")), settings).unwrap();
        }
    }

    #[test]
    fn manifests_and_switches_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join(EXTENSIONS_DIR);
        install(
            &root,
            "ant.dir.gh.acme.notes",
            r#"{"manifest_version": "0.2", "name": "notes", "display_name": "Notes", "version": "1.2.0",
                "server": {"type": "node", "entry_point": "server/index.js",
                  "mcp_config": {"command": "node", "args": ["${__dirname}/server/index.js", "${user_config.dir}"]}}}"#,
            Some(r#"{"isEnabled": false, "userConfig": {"dir": "/home/ana"}}"#),
        );
        install(
            &root,
            "local.tool",
            r#"{"name": "tool", "version": "0.1.0", "server": {"type": "binary", "mcp_config": {"command": "${__dirname}/tool"}}}"#,
            None,
        );
        install(&root, "broken", "{", None);
        let found = read_extensions(&root);
        assert_eq!(found.len(), 3);
        // In id order: `ant.dir…`, `broken`, `local.tool`.
        assert!(matches!(&found[1], Err((id, why)) if id == "broken" && why.contains("JSON")));
        let notes = found[0].as_ref().unwrap();
        assert_eq!(notes.display_name, "Notes");
        assert_eq!(notes.version.as_deref(), Some("1.2.0"));
        assert_eq!(notes.command.as_deref(), Some("node"));
        assert_eq!(notes.args.len(), 2);
        assert!(!notes.enabled);
        let tool = found[2].as_ref().unwrap();
        assert!(tool.enabled, "no settings file: enabled");
        assert_eq!(tool.display_name, "tool");
    }

    #[test]
    fn switching_keeps_every_other_byte() {
        let path = Path::new("x.json");
        let text = "{\n  \"isEnabled\": true,\n  \"userConfig\": {\"k\": \"v\"}\n}\n";
        let off = with_enabled(path, Some(text), false).unwrap();
        assert_eq!(off, text.replace("true", "false"));
        assert_eq!(with_enabled(path, Some(&off), true).unwrap(), text);
        let without = "{\"userConfig\": {}}";
        assert_eq!(
            with_enabled(path, Some(without), false).unwrap(),
            "{\"isEnabled\": false, \"userConfig\": {}}"
        );
        assert_eq!(
            with_enabled(path, Some("{}"), false).unwrap(),
            "{\"isEnabled\": false}"
        );
        assert_eq!(
            with_enabled(path, None, false).unwrap(),
            "{\"isEnabled\": false}\n"
        );
        assert!(with_enabled(path, Some("[1]"), false).is_err());
    }
}
