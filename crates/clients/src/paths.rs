//! Where each client app keeps its MCP configuration, per OS.
//!
//! A pure function of the OS and the environment ([`ConfigEnv`]), so the macOS and Windows
//! tables are tested on Linux and tests point every app at a temporary home.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::apps::ClientApp;

/// The operating systems whose conventions the apps follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Os {
    Linux,
    MacOs,
    Windows,
}

impl Os {
    /// The OS this binary was built for; other Unixes follow Linux (XDG).
    pub fn current() -> Os {
        if cfg!(target_os = "macos") {
            Os::MacOs
        } else if cfg!(windows) {
            Os::Windows
        } else {
            Os::Linux
        }
    }
}

/// The environment variables the apps' paths derive from. Empty values count as unset.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigEnv {
    pub home: Option<PathBuf>,
    /// Windows: `%APPDATA%` (Roaming).
    pub appdata: Option<PathBuf>,
    /// Windows: `%LOCALAPPDATA%` (where Microsoft Store apps keep their files).
    pub local_appdata: Option<PathBuf>,
    /// Linux: `$XDG_CONFIG_HOME`.
    pub xdg_config_home: Option<PathBuf>,
    /// Linux: `$XDG_DATA_HOME` (where Zed keeps its state database).
    pub xdg_data_home: Option<PathBuf>,
}

impl ConfigEnv {
    /// Reads the variables through `lookup`. On Windows the home is `USERPROFILE` unless
    /// `HOME` is set (tests and MSYS shells set it).
    pub fn from_lookup(os: Os, lookup: impl Fn(&str) -> Option<OsString>) -> ConfigEnv {
        let var = |name: &str| lookup(name).filter(|v| !v.is_empty()).map(PathBuf::from);
        let home = match os {
            Os::Windows => var("HOME").or_else(|| var("USERPROFILE")),
            Os::Linux | Os::MacOs => var("HOME"),
        };
        ConfigEnv {
            home,
            appdata: var("APPDATA"),
            local_appdata: var("LOCALAPPDATA"),
            xdg_config_home: var("XDG_CONFIG_HOME"),
            xdg_data_home: var("XDG_DATA_HOME"),
        }
    }

    /// This process's environment.
    pub fn from_process(os: Os) -> ConfigEnv {
        ConfigEnv::from_lookup(os, |name| std::env::var_os(name))
    }
}

/// The Microsoft Store package folder of Claude Desktop: the Store build keeps its roaming
/// files in a per-package virtualised folder instead of `%APPDATA%`.
const CLAUDE_STORE_PACKAGE: &str = "Claude_pzs8sxrjxfjjc";

/// Every place `app` may keep its MCP configuration on `os`, most usual first. Callers read
/// those that exist; none may exist when the app is not installed.
pub fn config_paths(app: ClientApp, os: Os, env: &ConfigEnv) -> Vec<PathBuf> {
    let home = env.home.as_deref();
    let in_home = |parts: &[&str]| home.map(|h| join(h, parts));
    let paths = match app {
        ClientApp::ClaudeDesktop => match os {
            Os::MacOs => vec![in_home(&[
                "Library",
                "Application Support",
                "Claude",
                "claude_desktop_config.json",
            ])],
            Os::Windows => vec![
                env.appdata
                    .as_deref()
                    .map(|d| join(d, &["Claude", "claude_desktop_config.json"])),
                env.local_appdata.as_deref().map(|d| {
                    join(
                        d,
                        &[
                            "Packages",
                            CLAUDE_STORE_PACKAGE,
                            "LocalCache",
                            "Roaming",
                            "Claude",
                            "claude_desktop_config.json",
                        ],
                    )
                }),
            ],
            Os::Linux => {
                vec![xdg_config(env).map(|d| join(&d, &["Claude", "claude_desktop_config.json"]))]
            }
        },
        ClientApp::ClaudeCode => vec![in_home(&[".claude.json"])],
        ClientApp::Cursor => vec![in_home(&[".cursor", "mcp.json"])],
        ClientApp::Windsurf => vec![in_home(&[".codeium", "windsurf", "mcp_config.json"])],
        ClientApp::VsCode => vec![vscode_user_dir(os, env).map(|d| join(&d, &["mcp.json"]))],
        ClientApp::Cline => vec![vscode_user_dir(os, env).map(|d| {
            join(
                &d,
                &[
                    "globalStorage",
                    "saoudrizwan.claude-dev",
                    "settings",
                    "cline_mcp_settings.json",
                ],
            )
        })],
        // Zed keeps `~/.config/zed` on macOS too.
        ClientApp::Zed => match os {
            Os::Windows => vec![
                env.appdata
                    .as_deref()
                    .map(|d| join(d, &["Zed", "settings.json"])),
            ],
            Os::MacOs => vec![in_home(&[".config", "zed", "settings.json"])],
            Os::Linux => vec![xdg_config(env).map(|d| join(&d, &["zed", "settings.json"]))],
        },
    };
    paths.into_iter().flatten().collect()
}

/// VS Code's per-user settings folder (`Code/User`), where its `mcp.json` and the
/// `globalStorage` of its extensions (Cline) live.
fn vscode_user_dir(os: Os, env: &ConfigEnv) -> Option<PathBuf> {
    editor_user_dir("Code", os, env)
}

/// The per-user settings folder (`<product>/User`) of an editor of the VS Code family:
/// `Code`, `Cursor`, `Windsurf`.
pub(crate) fn editor_user_dir(product: &str, os: Os, env: &ConfigEnv) -> Option<PathBuf> {
    match os {
        Os::MacOs => env
            .home
            .as_deref()
            .map(|h| join(h, &["Library", "Application Support", product, "User"])),
        Os::Windows => env.appdata.as_deref().map(|d| join(d, &[product, "User"])),
        Os::Linux => xdg_config(env).map(|d| join(&d, &[product, "User"])),
    }
}

/// `$XDG_CONFIG_HOME`, else `~/.config`.
pub(crate) fn xdg_config(env: &ConfigEnv) -> Option<PathBuf> {
    env.xdg_config_home
        .clone()
        .or_else(|| env.home.as_deref().map(|h| h.join(".config")))
}

pub(crate) fn join(base: &Path, parts: &[&str]) -> PathBuf {
    parts
        .iter()
        .fold(base.to_path_buf(), |path, part| path.join(part))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> ConfigEnv {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        ConfigEnv::from_lookup(Os::Linux, |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| OsString::from(v))
        })
    }

    fn one(app: ClientApp, os: Os, env: &ConfigEnv) -> PathBuf {
        let paths = config_paths(app, os, env);
        assert_eq!(paths.len(), 1, "{app} has one place on {os:?}: {paths:?}");
        paths.into_iter().next().unwrap_or_default()
    }

    #[test]
    fn linux_follows_xdg_and_falls_back_to_dot_config() {
        let home = env(&[("HOME", "/home/ana")]);
        assert_eq!(
            one(ClientApp::ClaudeDesktop, Os::Linux, &home),
            PathBuf::from("/home/ana/.config/Claude/claude_desktop_config.json")
        );
        assert_eq!(
            one(ClientApp::VsCode, Os::Linux, &home),
            PathBuf::from("/home/ana/.config/Code/User/mcp.json")
        );
        assert_eq!(
            one(ClientApp::Cline, Os::Linux, &home),
            PathBuf::from(
                "/home/ana/.config/Code/User/globalStorage/saoudrizwan.claude-dev/settings/cline_mcp_settings.json"
            )
        );
        let xdg = env(&[("HOME", "/home/ana"), ("XDG_CONFIG_HOME", "/cfg")]);
        assert_eq!(
            one(ClientApp::Zed, Os::Linux, &xdg),
            PathBuf::from("/cfg/zed/settings.json")
        );
        assert_eq!(
            one(ClientApp::ClaudeCode, Os::Linux, &xdg),
            PathBuf::from("/home/ana/.claude.json"),
            "Claude Code keeps its file in the home, whatever XDG says"
        );
        assert_eq!(
            one(ClientApp::Cursor, Os::Linux, &xdg),
            PathBuf::from("/home/ana/.cursor/mcp.json")
        );
        assert_eq!(
            one(ClientApp::Windsurf, Os::Linux, &xdg),
            PathBuf::from("/home/ana/.codeium/windsurf/mcp_config.json")
        );
    }

    #[test]
    fn macos_uses_application_support_except_for_zed() {
        let home = env(&[("HOME", "/Users/ana"), ("XDG_CONFIG_HOME", "/ignored")]);
        assert_eq!(
            one(ClientApp::ClaudeDesktop, Os::MacOs, &home),
            PathBuf::from(
                "/Users/ana/Library/Application Support/Claude/claude_desktop_config.json"
            )
        );
        assert_eq!(
            one(ClientApp::VsCode, Os::MacOs, &home),
            PathBuf::from("/Users/ana/Library/Application Support/Code/User/mcp.json")
        );
        assert_eq!(
            one(ClientApp::Zed, Os::MacOs, &home),
            PathBuf::from("/Users/ana/.config/zed/settings.json")
        );
    }

    #[test]
    fn windows_has_appdata_and_the_store_build_of_claude_desktop() {
        let pairs = [
            ("USERPROFILE", r"C:\Users\ana"),
            ("APPDATA", r"C:\Users\ana\AppData\Roaming"),
            ("LOCALAPPDATA", r"C:\Users\ana\AppData\Local"),
        ];
        let windows = ConfigEnv::from_lookup(Os::Windows, |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| OsString::from(v))
        });
        assert_eq!(windows.home, Some(PathBuf::from(r"C:\Users\ana")));
        let roaming = Path::new(r"C:\Users\ana\AppData\Roaming");
        let local = Path::new(r"C:\Users\ana\AppData\Local");
        assert_eq!(
            config_paths(ClientApp::ClaudeDesktop, Os::Windows, &windows),
            vec![
                join(roaming, &["Claude", "claude_desktop_config.json"]),
                join(
                    local,
                    &[
                        "Packages",
                        "Claude_pzs8sxrjxfjjc",
                        "LocalCache",
                        "Roaming",
                        "Claude",
                        "claude_desktop_config.json"
                    ]
                ),
            ]
        );
        assert_eq!(
            one(ClientApp::VsCode, Os::Windows, &windows),
            join(roaming, &["Code", "User", "mcp.json"])
        );
        assert_eq!(
            one(ClientApp::Zed, Os::Windows, &windows),
            join(roaming, &["Zed", "settings.json"])
        );
        assert_eq!(
            one(ClientApp::Cursor, Os::Windows, &windows),
            join(Path::new(r"C:\Users\ana"), &[".cursor", "mcp.json"])
        );
    }

    #[test]
    fn nothing_is_guessed_without_the_variables() {
        let empty = env(&[("HOME", "")]);
        for app in ClientApp::ALL {
            assert!(
                config_paths(app, Os::Linux, &empty).is_empty(),
                "an empty HOME must not turn into a relative path for {app}"
            );
        }
    }
}
