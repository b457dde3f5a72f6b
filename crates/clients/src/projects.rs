//! Project-level configs: the MCP files a repository carries (`.mcp.json`,
//! `.cursor/mcp.json`, `.vscode/mcp.json`, `.windsurf/mcp.json`, `.zed/settings.json`), and
//! where the apps remember which projects a person opened (DESIGN.md "Every path onto the
//! machine"). Pure: the apps' state databases are read by the store crate, and only their
//! values are parsed here.

use std::path::{Path, PathBuf};

use jsonc_parser::ast::Value;

use crate::apps::ClientApp;
use crate::paths::{ConfigEnv, Os, editor_user_dir, join};
use crate::syntax::{parse, prop};

/// The files a project may hold, relative to its folder, with the app that reads each.
pub const PROJECT_FILES: [(ClientApp, &str); 5] = [
    (ClientApp::ClaudeCode, ".mcp.json"),
    (ClientApp::Cursor, ".cursor/mcp.json"),
    (ClientApp::VsCode, ".vscode/mcp.json"),
    (ClientApp::Windsurf, ".windsurf/mcp.json"),
    (ClientApp::Zed, ".zed/settings.json"),
];

/// Every place a project folder may hold a config, whether it exists or not (a watcher sees
/// one created later).
pub fn project_config_paths(project: &Path) -> Vec<(ClientApp, PathBuf)> {
    PROJECT_FILES
        .iter()
        .map(|(app, relative)| {
            (
                *app,
                join(project, &relative.split('/').collect::<Vec<_>>()),
            )
        })
        .collect()
}

/// Which editor of the VS Code family a state database belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Editor {
    VsCode,
    Cursor,
    Windsurf,
}

impl Editor {
    pub const ALL: [Editor; 3] = [Editor::VsCode, Editor::Cursor, Editor::Windsurf];

    fn product(self) -> &'static str {
        match self {
            Editor::VsCode => "Code",
            Editor::Cursor => "Cursor",
            Editor::Windsurf => "Windsurf",
        }
    }
}

/// The key under which the VS Code family keeps the recently opened folders, in the
/// `ItemTable` of `User/globalStorage/state.vscdb`.
pub const RECENTLY_OPENED_KEY: &str = "history.recentlyOpenedPathsList";

/// The state database of each editor of the VS Code family.
pub fn editor_state_databases(os: Os, env: &ConfigEnv) -> Vec<(Editor, PathBuf)> {
    Editor::ALL
        .into_iter()
        .filter_map(|editor| {
            editor_user_dir(editor.product(), os, env)
                .map(|dir| (editor, join(&dir, &["globalStorage", "state.vscdb"])))
        })
        .collect()
}

/// Zed's state databases (stable and preview), which list its recent workspaces.
pub fn zed_databases(os: Os, env: &ConfigEnv) -> Vec<PathBuf> {
    let base = match os {
        Os::MacOs => env
            .home
            .as_deref()
            .map(|h| join(h, &["Library", "Application Support", "Zed"])),
        Os::Windows => env.local_appdata.as_deref().map(|d| join(d, &["Zed"])),
        Os::Linux => env
            .xdg_data_home
            .clone()
            .or_else(|| env.home.as_deref().map(|h| join(h, &[".local", "share"])))
            .map(|d| d.join("zed")),
    };
    let Some(base) = base else {
        return Vec::new();
    };
    ["0-stable", "0-preview"]
        .iter()
        .map(|channel| join(&base, &["db", channel, "db.sqlite"]))
        .collect()
}

/// The project folders of Claude Code's `projects` map (`~/.claude.json`); none when the
/// text does not parse.
pub fn claude_code_projects(text: &str) -> Vec<PathBuf> {
    let Ok(Some(Value::Object(top))) = parse(text, false) else {
        return Vec::new();
    };
    match prop(&top, "projects").map(|p| &p.value) {
        Some(Value::Object(projects)) => projects
            .properties
            .iter()
            .map(|p| PathBuf::from(p.name.as_str()))
            .filter(|path| path.is_absolute())
            .collect(),
        _ => Vec::new(),
    }
}

/// The local folders of a VS Code family `history.recentlyOpenedPathsList` value
/// (`{"entries": [{"folderUri": "file:///…"}, {"fileUri": …}, {"workspace": …}]}`): only
/// folders on this computer (`file:` URIs); remote ones (`vscode-remote:`) are not here.
pub fn recently_opened_folders(json: &str) -> Vec<PathBuf> {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(json) else {
        return Vec::new();
    };
    value["entries"]
        .as_array()
        .map(|entries| {
            entries
                .iter()
                .filter_map(|entry| entry["folderUri"].as_str())
                .filter_map(file_uri_path)
                .collect()
        })
        .unwrap_or_default()
}

/// The folders of one Zed workspace's `paths` column (one path per line).
pub fn zed_workspace_folders(paths: &str) -> Vec<PathBuf> {
    paths
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(PathBuf::from)
        .filter(|path| path.is_absolute())
        .collect()
}

/// The path of a `file:` URI, percent-decoded; `None` for other schemes or a URI that does
/// not decode to UTF-8.
fn file_uri_path(uri: &str) -> Option<PathBuf> {
    let rest = uri.strip_prefix("file://")?;
    // `file:///c%3A/Users/…` on Windows: the drive letter follows the third slash.
    let decoded = percent_decode(rest)?;
    let path = match decoded.as_bytes() {
        [b'/', drive, b':', ..] if drive.is_ascii_alphabetic() => decoded[1..].to_owned(),
        _ => decoded,
    };
    let path = PathBuf::from(path);
    (path.is_absolute() || path.to_string_lossy().contains(':')).then_some(path)
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recently_opened_keeps_local_folders_only_decoded() {
        let json = r#"{"entries":[
            {"folderUri":"file:///home/ana/my%20shop"},
            {"fileUri":"file:///home/ana/notes.md"},
            {"folderUri":"vscode-remote://ssh-remote%2Bbox/home/ana/remote"},
            {"workspace":{"id":"1","configPath":"file:///home/ana/w.code-workspace"}},
            {"folderUri":"file:///home/ana/caf%C3%A9","label":"café"}
        ]}"#;
        assert_eq!(
            recently_opened_folders(json),
            vec![
                PathBuf::from("/home/ana/my shop"),
                PathBuf::from("/home/ana/café")
            ]
        );
        assert!(recently_opened_folders("not json").is_empty());
        assert!(recently_opened_folders(r#"{"entries":[{"folderUri":"file:///%zz"}]}"#).is_empty());
    }

    #[test]
    fn claude_code_projects_are_the_keys_of_its_projects_map() {
        let text = r#"{"numStartups": 2, "projects": {"/home/ana/shop": {"mcpServers": {}}, "relative": {}}}"#;
        assert_eq!(
            claude_code_projects(text),
            vec![PathBuf::from("/home/ana/shop")]
        );
        assert!(claude_code_projects("{").is_empty());
    }

    #[test]
    fn zed_paths_are_one_per_line() {
        assert_eq!(
            zed_workspace_folders("/home/ana/a\n/home/ana/b\n\nrelative"),
            vec![PathBuf::from("/home/ana/a"), PathBuf::from("/home/ana/b")]
        );
    }

    #[test]
    fn every_project_file_kind_has_its_app() {
        let files = project_config_paths(Path::new("/p"));
        assert_eq!(files.len(), 5);
        assert!(files.contains(&(ClientApp::VsCode, PathBuf::from("/p/.vscode/mcp.json"))));
        assert!(files.contains(&(ClientApp::Zed, PathBuf::from("/p/.zed/settings.json"))));
    }

    #[test]
    fn state_databases_follow_each_os() {
        let env = ConfigEnv {
            home: Some(PathBuf::from("/home/ana")),
            ..ConfigEnv::default()
        };
        let dbs = editor_state_databases(Os::Linux, &env);
        assert_eq!(
            dbs[1],
            (
                Editor::Cursor,
                PathBuf::from("/home/ana/.config/Cursor/User/globalStorage/state.vscdb")
            )
        );
        assert_eq!(
            zed_databases(Os::Linux, &env)[0],
            PathBuf::from("/home/ana/.local/share/zed/db/0-stable/db.sqlite")
        );
    }
}
