//! The client apps Gatehouse knows, by the names the command line uses (`shared/CLI.md`).

use serde::Serialize;

/// An MCP client app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum ClientApp {
    ClaudeDesktop,
    ClaudeCode,
    Cursor,
    /// `vscode`, as `--client` takes it (CLI.md: every JSON output uses these words).
    #[serde(rename = "vscode")]
    VsCode,
    Windsurf,
    Zed,
    Cline,
}

impl ClientApp {
    /// Every app, in the order they are listed.
    pub const ALL: [ClientApp; 7] = [
        ClientApp::ClaudeDesktop,
        ClientApp::ClaudeCode,
        ClientApp::Cursor,
        ClientApp::VsCode,
        ClientApp::Windsurf,
        ClientApp::Zed,
        ClientApp::Cline,
    ];

    /// The name `--client` takes.
    pub fn name(self) -> &'static str {
        match self {
            ClientApp::ClaudeDesktop => "claude-desktop",
            ClientApp::ClaudeCode => "claude-code",
            ClientApp::Cursor => "cursor",
            ClientApp::VsCode => "vscode",
            ClientApp::Windsurf => "windsurf",
            ClientApp::Zed => "zed",
            ClientApp::Cline => "cline",
        }
    }

    /// The app's own name, for people.
    pub fn label(self) -> &'static str {
        match self {
            ClientApp::ClaudeDesktop => "Claude Desktop",
            ClientApp::ClaudeCode => "Claude Code",
            ClientApp::Cursor => "Cursor",
            ClientApp::VsCode => "VS Code",
            ClientApp::Windsurf => "Windsurf",
            ClientApp::Zed => "Zed",
            ClientApp::Cline => "Cline",
        }
    }

    /// The app named `name` (as `--client` takes it).
    pub fn from_name(name: &str) -> Option<ClientApp> {
        ClientApp::ALL.into_iter().find(|app| app.name() == name)
    }

    /// The app whose program file is called `program` (a process's executable, without
    /// its folder), for a launch whose entry does not name its app (`run` without
    /// `--client`): its parent processes are the hint. Shells, `node`, `npx` and other
    /// runners in between name no app. Cline runs inside VS Code and is seen as it.
    pub fn from_program_name(program: &str) -> Option<ClientApp> {
        let stem = program.strip_suffix(".exe").unwrap_or(program);
        match stem {
            // Claude Desktop's executable is `Claude` (macOS, Windows) or `claude-desktop`
            // (community Linux builds); Claude Code's native binary is `claude`.
            "Claude" | "claude-desktop" => Some(ClientApp::ClaudeDesktop),
            "claude" => Some(ClientApp::ClaudeCode),
            "cursor" | "Cursor" => Some(ClientApp::Cursor),
            "code" | "code-insiders" | "codium" | "Code" | "Code - Insiders" => {
                Some(ClientApp::VsCode)
            }
            "windsurf" | "Windsurf" => Some(ClientApp::Windsurf),
            "zed" | "zed-editor" | "zeditor" | "Zed" => Some(ClientApp::Zed),
            _ => None,
        }
    }

    /// The key of the object that maps entry names to servers, at the top of the file (and,
    /// for Claude Code, in each `projects.<path>` object too).
    pub fn servers_key(self) -> &'static str {
        match self {
            ClientApp::VsCode => "servers",
            ClientApp::Zed => "context_servers",
            _ => "mcpServers",
        }
    }

    /// Whether the app's file is JSON with comments and trailing commas (VS Code, Zed), so
    /// an edit may keep them; the others are strict JSON and are checked as such.
    pub fn allows_jsonc(self) -> bool {
        matches!(self, ClientApp::VsCode | ClientApp::Zed)
    }
}

impl std::fmt::Display for ClientApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apps_are_known_by_their_program_and_runners_are_not() {
        for (program, app) in [
            ("Claude", ClientApp::ClaudeDesktop),
            ("Claude.exe", ClientApp::ClaudeDesktop),
            ("claude", ClientApp::ClaudeCode),
            ("cursor", ClientApp::Cursor),
            ("code", ClientApp::VsCode),
            ("windsurf", ClientApp::Windsurf),
            ("zed-editor", ClientApp::Zed),
        ] {
            assert_eq!(
                ClientApp::from_program_name(program),
                Some(app),
                "{program}"
            );
        }
        for runner in ["sh", "bash", "node", "npx", "uvx", "python3", "gatehouse"] {
            assert_eq!(ClientApp::from_program_name(runner), None, "{runner}");
        }
    }

    #[test]
    fn every_app_is_found_by_its_command_line_name() {
        for app in ClientApp::ALL {
            assert_eq!(ClientApp::from_name(app.name()), Some(app));
        }
        assert_eq!(
            ClientApp::from_name("vs-code"),
            None,
            "CLI.md spells it `vscode`"
        );
    }

    #[test]
    fn json_names_every_app_as_the_command_line_does() {
        for app in ClientApp::ALL {
            assert_eq!(
                serde_json::to_value(app).unwrap(),
                serde_json::json!(app.name()),
                "`clients list --json` must name an app as `--client` takes it"
            );
        }
    }
}
