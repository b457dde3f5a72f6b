//! Where Gatehouse keeps its files on each platform.
//!
//! The decision is a pure function of the environment and the platform, so every
//! platform's table is tested on whichever machine runs the tests; the environment comes
//! from the [`super::Environment`] a shell read once.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The operating systems whose per-user data conventions Gatehouse follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    Linux,
    MacOs,
    Windows,
}

impl Platform {
    /// The platform this binary was built for. Other Unixes follow the Linux (XDG) table.
    pub fn current() -> Self {
        if cfg!(target_os = "macos") {
            Platform::MacOs
        } else if cfg!(target_os = "windows") {
            Platform::Windows
        } else {
            Platform::Linux
        }
    }
}

/// Gatehouse's per-user directories.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataDirs {
    data: PathBuf,
}

impl DataDirs {
    /// Resolves the directories from an environment lookup.
    ///
    /// `GATEHOUSE_DATA_DIR` wins everywhere (tests and portable installs use it); otherwise
    /// the platform's convention applies.
    pub fn resolve(platform: Platform, env: impl Fn(&str) -> Option<OsString>) -> Result<Self> {
        let absolute = |variable: &'static str| -> Result<Option<PathBuf>> {
            match env(variable).filter(|value| !value.is_empty()) {
                None => Ok(None),
                Some(value) => {
                    let path = PathBuf::from(value);
                    if is_absolute_for(platform, &path) {
                        Ok(Some(path))
                    } else {
                        Err(Error::RelativePath { variable, path })
                    }
                }
            }
        };
        if let Some(dir) = absolute("GATEHOUSE_DATA_DIR")? {
            return Ok(DataDirs { data: dir });
        }
        let data = match platform {
            Platform::Linux => match absolute("XDG_DATA_HOME")? {
                Some(base) => base.join("gatehouse"),
                None => absolute("HOME")?
                    .ok_or(Error::NoDataDir)?
                    .join(".local/share/gatehouse"),
            },
            Platform::MacOs => absolute("HOME")?
                .ok_or(Error::NoDataDir)?
                .join("Library/Application Support/Gatehouse"),
            Platform::Windows => absolute("LOCALAPPDATA")?
                .or(absolute("APPDATA")?)
                .ok_or(Error::NoDataDir)?
                .join("Gatehouse"),
        };
        Ok(DataDirs { data })
    }

    /// The directory that holds the database, backups, installed bundles and logs.
    pub fn data(&self) -> &Path {
        &self.data
    }
}

/// The `~/.mcp/config.yaml` whose `policy:` block is the `local` layer:
/// `GATEHOUSE_MCP_CONFIG` when set, else `.mcp/config.yaml` in the home directory.
pub fn mcp_config_path(
    platform: Platform,
    env: impl Fn(&str) -> Option<OsString>,
) -> Result<PathBuf> {
    if let Some(path) = env("GATEHOUSE_MCP_CONFIG").filter(|value| !value.is_empty()) {
        return Ok(PathBuf::from(path));
    }
    let home_variable = match platform {
        Platform::Windows => "USERPROFILE",
        Platform::Linux | Platform::MacOs => "HOME",
    };
    let home = env(home_variable)
        .filter(|value| !value.is_empty())
        .ok_or(Error::NoDataDir)?;
    Ok(PathBuf::from(home).join(".mcp").join("config.yaml"))
}

/// Where the managed settings file is: the platform's, IT's place. `GATEHOUSE_MANAGED_SETTINGS`
/// is honoured only where no platform file `exists`: a variable a client entry or a script
/// can set must never replace the file IT put there (DESIGN.md "Tamper evidence"); it
/// serves tests and machines without one.
pub fn managed_settings_path(
    platform: Platform,
    env: impl Fn(&str) -> Option<OsString>,
    exists: impl Fn(&Path) -> bool,
) -> PathBuf {
    let platform_path = match platform {
        Platform::Linux => PathBuf::from("/etc/gatehouse/managed.yaml"),
        Platform::MacOs => PathBuf::from("/Library/Application Support/Gatehouse/managed.yaml"),
        Platform::Windows => {
            let base =
                env("ProgramData").map_or_else(|| PathBuf::from("C:\\ProgramData"), PathBuf::from);
            base.join("Gatehouse").join("managed.yaml")
        }
    };
    if exists(&platform_path) {
        return platform_path;
    }
    match env("GATEHOUSE_MANAGED_SETTINGS").filter(|value| !value.is_empty()) {
        Some(path) => PathBuf::from(path),
        None => platform_path,
    }
}

/// `Path::is_absolute` answers for the host; the tables are tested for every platform on
/// one host, so Windows paths are recognised by their drive letter or UNC prefix.
fn is_absolute_for(platform: Platform, path: &Path) -> bool {
    match platform {
        Platform::Windows => {
            let text = path.to_string_lossy();
            let bytes = text.as_bytes();
            text.starts_with("\\\\")
                || (bytes.len() >= 3
                    && bytes[0].is_ascii_alphabetic()
                    && bytes[1] == b':'
                    && (bytes[2] == b'\\' || bytes[2] == b'/'))
        }
        Platform::Linux | Platform::MacOs => path.is_absolute(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<OsString> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| OsString::from(value))
        }
    }

    #[test]
    fn explicit_data_dir_wins_on_every_platform() {
        for platform in [Platform::Linux, Platform::MacOs] {
            let dirs = DataDirs::resolve(
                platform,
                env(&[("GATEHOUSE_DATA_DIR", "/srv/gh"), ("HOME", "/home/ada")]),
            )
            .unwrap();
            assert_eq!(
                dirs.data(),
                Path::new("/srv/gh"),
                "the override is for tests and portable installs"
            );
        }
    }

    #[test]
    fn linux_follows_xdg_then_home() {
        let xdg = DataDirs::resolve(
            Platform::Linux,
            env(&[("XDG_DATA_HOME", "/x"), ("HOME", "/home/ada")]),
        )
        .unwrap();
        assert_eq!(xdg.data(), Path::new("/x/gatehouse"));
        let home = DataDirs::resolve(Platform::Linux, env(&[("HOME", "/home/ada")])).unwrap();
        assert_eq!(home.data(), Path::new("/home/ada/.local/share/gatehouse"));
    }

    #[test]
    fn macos_uses_application_support() {
        let dirs = DataDirs::resolve(Platform::MacOs, env(&[("HOME", "/Users/ada")])).unwrap();
        assert_eq!(
            dirs.data(),
            Path::new("/Users/ada/Library/Application Support/Gatehouse")
        );
    }

    #[test]
    fn windows_prefers_local_app_data() {
        let dirs = DataDirs::resolve(
            Platform::Windows,
            env(&[
                ("LOCALAPPDATA", "C:\\Users\\ada\\AppData\\Local"),
                ("APPDATA", "C:\\Roaming"),
            ]),
        )
        .unwrap();
        assert!(
            dirs.data().starts_with("C:\\Users\\ada\\AppData\\Local"),
            "the database must not roam between machines: {}",
            dirs.data().display()
        );
    }

    #[test]
    fn relative_override_is_refused_not_guessed() {
        let err =
            DataDirs::resolve(Platform::Linux, env(&[("GATEHOUSE_DATA_DIR", "data")])).unwrap_err();
        assert!(matches!(
            err,
            Error::RelativePath {
                variable: "GATEHOUSE_DATA_DIR",
                ..
            }
        ));
    }

    #[test]
    fn mcp_config_follows_the_override_then_home() {
        let explicit = mcp_config_path(
            Platform::Linux,
            env(&[("GATEHOUSE_MCP_CONFIG", "/t/c.yaml"), ("HOME", "/h")]),
        );
        assert_eq!(explicit.unwrap(), Path::new("/t/c.yaml"));
        let home = mcp_config_path(Platform::MacOs, env(&[("HOME", "/Users/ada")])).unwrap();
        assert_eq!(home, Path::new("/Users/ada/.mcp/config.yaml"));
        let windows =
            mcp_config_path(Platform::Windows, env(&[("USERPROFILE", "C:\\Users\\ada")])).unwrap();
        assert!(windows.ends_with("config.yaml") && windows.starts_with("C:\\Users\\ada"));
    }

    #[test]
    fn no_home_is_an_error() {
        let err = DataDirs::resolve(Platform::Linux, env(&[])).unwrap_err();
        assert!(matches!(err, Error::NoDataDir));
    }

    #[test]
    fn the_platform_paths() {
        let none = |_: &str| None;
        let absent = |_: &Path| false;
        assert_eq!(
            managed_settings_path(Platform::Linux, none, absent),
            Path::new("/etc/gatehouse/managed.yaml")
        );
        assert!(
            managed_settings_path(Platform::MacOs, none, absent)
                .starts_with("/Library/Application Support")
        );
        let env = |name: &str| {
            (name == "GATEHOUSE_MANAGED_SETTINGS").then(|| OsString::from("/t/m.yaml"))
        };
        assert_eq!(
            managed_settings_path(Platform::Windows, env, absent),
            Path::new("/t/m.yaml"),
            "the variable serves machines without a managed file"
        );
        assert_eq!(
            managed_settings_path(Platform::Linux, env, |path: &Path| {
                path == Path::new("/etc/gatehouse/managed.yaml")
            }),
            Path::new("/etc/gatehouse/managed.yaml"),
            "it never replaces the file IT put there"
        );
    }
}
