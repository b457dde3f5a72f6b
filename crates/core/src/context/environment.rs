//! The process environment as Gatehouse reads it: captured once by a shell at start
//! ([`Environment::new`] with `std::env::vars_os()`), then passed in through the
//! [`crate::Context`]. Nothing in core reads the process environment itself, so every
//! decision that depends on a variable (where the data is, which client app files exist,
//! the hub's time limit, the headless token) is tested by building an `Environment`.

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::time::Duration;

use gatehouse_clients::{ConfigEnv, Os};
use gatehouse_hub::{Sensitive, TOTAL_TIMEOUT};

use super::paths::{DataDirs, Platform, managed_settings_path, mcp_config_path};
use super::socket::socket_path;
use crate::clients::ClientsEnv;
use crate::error::{Error, Result};

/// The variable with the whole-request time limit of hub requests, in milliseconds (tests
/// of a hanging hub lower it).
pub const TIMEOUT_VARIABLE: &str = "GATEHOUSE_HUB_TIMEOUT_MS";

/// The variable holding a hub token for headless use; when set, the keyring is not asked.
pub const TOKEN_VARIABLE: &str = "GATEHOUSE_HUB_TOKEN";

/// Which Gatehouse program is running: it decides where the launcher that client app
/// entries call is found ([`Environment::launcher`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Program {
    /// `gatehouse`, the command line: it is the launcher itself.
    Cli,
    /// `gatehouse-app`, the tray app: the launcher is installed beside it.
    App,
}

/// The environment of one process, read once.
#[derive(Clone)]
pub struct Environment {
    platform: Platform,
    vars: BTreeMap<String, OsString>,
    executable: Option<(PathBuf, Program)>,
    /// The computer's host name, as the shell read it from the OS.
    host: Option<String>,
    /// The OS by name and release, as the shell read it (for the device inventory).
    os_name: Option<String>,
}

impl std::fmt::Debug for Environment {
    // Values may be secrets (a token, a password in a URL): only names are shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Environment")
            .field("platform", &self.platform)
            .field("vars", &self.vars.keys().collect::<Vec<_>>())
            .field("executable", &self.executable)
            .field("host", &self.host)
            .finish()
    }
}

impl Environment {
    /// The environment `vars` (a process's `std::env::vars_os()`) on `platform`. Variables
    /// whose name is not text cannot be asked for by name and are left out.
    pub fn new(
        platform: Platform,
        vars: impl IntoIterator<Item = (OsString, OsString)>,
    ) -> Environment {
        Environment {
            platform,
            vars: vars
                .into_iter()
                .filter_map(|(name, value)| Some((name.into_string().ok()?, value)))
                .collect(),
            executable: None,
            host: None,
            os_name: None,
        }
    }

    /// An environment confined to `dir`, for tests and throwaway sandboxes: the home is
    /// `dir`, the data is in `dir/data`, the local policy file is `dir/config.yaml`, and
    /// nothing else is set, so nothing of the real user's is read.
    pub fn confined_to(platform: Platform, dir: &Path) -> Environment {
        let vars = [
            ("HOME", dir.to_owned()),
            ("GATEHOUSE_DATA_DIR", dir.join("data")),
            ("GATEHOUSE_MCP_CONFIG", dir.join("config.yaml")),
            ("USER", PathBuf::from("tester")),
        ];
        Environment::new(
            platform,
            vars.into_iter()
                .map(|(name, value)| (OsString::from(name), value.into_os_string())),
        )
    }

    /// The same environment, running `program` from the binary at `path` (the process's
    /// `std::env::current_exe()`).
    pub fn running(mut self, program: Program, path: PathBuf) -> Environment {
        self.executable = Some((path, program));
        self
    }

    /// The same environment on the computer called `host` (read by the shell's OS adapter;
    /// empty names are ignored).
    pub fn on_host(mut self, host: Option<String>, os_name: Option<String>) -> Environment {
        self.host = host.filter(|name| !name.trim().is_empty());
        self.os_name = os_name.filter(|name| !name.trim().is_empty());
        self
    }

    /// The OS by name and release, when the shell gave it.
    pub fn os_name(&self) -> Option<&str> {
        self.os_name.as_deref()
    }

    /// The computer's host name, when the shell gave one.
    pub fn host(&self) -> Option<&str> {
        self.host.as_deref().or_else(|| match self.platform {
            Platform::Windows => self
                .var("COMPUTERNAME")
                .and_then(OsStr::to_str)
                .filter(|name| !name.is_empty()),
            _ => None,
        })
    }

    /// The same environment without the variables `names`.
    pub fn without(mut self, names: &[&str]) -> Environment {
        for name in names {
            self.vars.remove(*name);
        }
        self
    }

    /// The platform whose conventions apply.
    pub fn platform(&self) -> Platform {
        self.platform
    }

    /// The value of `name`, as set (possibly empty).
    pub fn var(&self, name: &str) -> Option<&OsStr> {
        self.vars.get(name).map(OsString::as_os_str)
    }

    /// A lookup by name, for the pure path tables and the server's filtered environment.
    pub fn lookup(&self) -> impl Fn(&str) -> Option<OsString> + '_ {
        |name| self.vars.get(name).cloned()
    }

    /// The names of the `GATEHOUSE_VALUE_<n>` variables set: values a client app filled in
    /// for a wired entry's placeholders.
    pub fn placeholder_value_names(&self) -> Vec<String> {
        self.vars
            .keys()
            .filter(|name| name.starts_with("GATEHOUSE_VALUE_"))
            .cloned()
            .collect()
    }

    /// Whether any `GATEHOUSE_VALUE_<n>` is set.
    pub fn has_placeholder_values(&self) -> bool {
        !self.placeholder_value_names().is_empty()
    }

    /// The data directory: `GATEHOUSE_DATA_DIR`, else the platform's per-user place.
    pub fn data_dir(&self) -> Result<PathBuf> {
        Ok(DataDirs::resolve(self.platform, self.lookup())?
            .data()
            .to_owned())
    }

    /// The `~/.mcp/config.yaml` whose `policy:` block is the local layer.
    pub fn mcp_config(&self) -> Result<PathBuf> {
        mcp_config_path(self.platform, self.lookup())
    }

    /// Where the managed settings file is looked for.
    pub fn managed_settings(&self) -> PathBuf {
        managed_settings_path(self.platform, self.lookup(), Path::exists)
    }

    /// The confirmation socket between the launcher and the tray app.
    pub fn socket(&self) -> Result<PathBuf> {
        socket_path(self.platform, self.lookup())
    }

    /// Where the client apps' config files are.
    pub fn clients(&self) -> ClientsEnv {
        let os = match self.platform {
            Platform::Linux => Os::Linux,
            Platform::MacOs => Os::MacOs,
            Platform::Windows => Os::Windows,
        };
        ClientsEnv {
            os,
            env: ConfigEnv::from_lookup(os, self.lookup()),
        }
    }

    /// The whole-request time limit of hub requests: 30 s unless `GATEHOUSE_HUB_TIMEOUT_MS`
    /// lowers it; an error when that is not a positive number of milliseconds.
    pub fn hub_timeout(&self) -> Result<Duration> {
        match self.var(TIMEOUT_VARIABLE) {
            None => Ok(TOTAL_TIMEOUT),
            Some(value) => {
                let text = value.to_string_lossy();
                match text.trim().parse::<u64>() {
                    Ok(ms) if ms > 0 => Ok(Duration::from_millis(ms)),
                    _ => Err(Error::Usage(format!(
                        "`{TIMEOUT_VARIABLE}` must be a positive number of milliseconds, not `{text}`"
                    ))),
                }
            }
        }
    }

    /// The headless hub token (`GATEHOUSE_HUB_TOKEN`), when set and not empty.
    pub fn hub_token(&self) -> Option<Sensitive<String>> {
        self.var(TOKEN_VARIABLE)
            .and_then(OsStr::to_str)
            .filter(|token| !token.is_empty())
            .map(|token| Sensitive::new(token.to_owned()))
    }

    /// The OS user name, as the audit log records it.
    pub fn user(&self) -> String {
        ["USER", "LOGNAME", "USERNAME"]
            .iter()
            .find_map(|name| {
                self.var(name)
                    .and_then(OsStr::to_str)
                    .filter(|value| !value.is_empty())
            })
            .unwrap_or("unknown")
            .to_owned()
    }

    /// The person's home folder, when the environment names one.
    pub fn home(&self) -> Option<PathBuf> {
        let name = match self.platform {
            Platform::Windows => "USERPROFILE",
            Platform::Linux | Platform::MacOs => "HOME",
        };
        self.var(name)
            .filter(|value| !value.is_empty())
            .map(PathBuf::from)
    }

    /// The `gatehouse` binary that client app entries call: the command line itself, or the
    /// one installed beside the tray app. This is the only place that decides it.
    pub fn launcher(&self) -> Result<PathBuf> {
        let Some((exe, program)) = &self.executable else {
            return Err(Error::LauncherMissing {
                path: PathBuf::new(),
            });
        };
        match program {
            Program::Cli => exe.canonicalize().map_err(|source| Error::Io {
                path: exe.clone(),
                source,
            }),
            Program::App => {
                let name = match self.platform {
                    Platform::Windows => "gatehouse.exe",
                    Platform::Linux | Platform::MacOs => "gatehouse",
                };
                let path = exe.with_file_name(name);
                if path.is_file() {
                    Ok(path)
                } else {
                    Err(Error::LauncherMissing { path })
                }
            }
        }
    }

    /// The binary this process runs from, when the shell said.
    pub fn executable(&self) -> Option<&Path> {
        self.executable.as_ref().map(|(path, _)| path.as_path())
    }

    /// The first executable file named `name` in the directories of `PATH` (only absolute
    /// ones: a relative entry would find whatever the current folder holds).
    pub fn find_program(&self, name: impl AsRef<OsStr>) -> Option<PathBuf> {
        let path = self.var("PATH")?;
        std::env::split_paths(path)
            .filter(|dir| dir.is_absolute())
            .map(|dir| dir.join(name.as_ref()))
            .find(|candidate| is_executable(candidate))
    }
}

fn is_executable(path: &Path) -> bool {
    let Ok(metadata) = std::fs::metadata(path) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        metadata.is_file() && metadata.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        metadata.is_file()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&str, &str)]) -> Environment {
        Environment::new(
            Platform::Linux,
            vars.iter()
                .map(|(name, value)| (OsString::from(name), OsString::from(value))),
        )
    }

    #[test]
    fn the_time_limit_variable_is_milliseconds() {
        assert_eq!(env(&[]).hub_timeout().unwrap(), TOTAL_TIMEOUT);
        assert_eq!(
            env(&[(TIMEOUT_VARIABLE, "250")]).hub_timeout().unwrap(),
            Duration::from_millis(250)
        );
        assert!(env(&[(TIMEOUT_VARIABLE, "0")]).hub_timeout().is_err());
        assert!(env(&[(TIMEOUT_VARIABLE, "soon")]).hub_timeout().is_err());
    }

    #[test]
    fn an_empty_token_variable_counts_as_unset() {
        assert!(env(&[(TOKEN_VARIABLE, "")]).hub_token().is_none());
        assert_eq!(
            env(&[(TOKEN_VARIABLE, "t")])
                .hub_token()
                .map(|t| t.expose().clone()),
            Some("t".to_owned())
        );
    }

    #[test]
    fn values_never_show_in_debug_output() {
        let shown = format!("{:?}", env(&[(TOKEN_VARIABLE, "secret-value")]));
        assert!(shown.contains(TOKEN_VARIABLE), "names are shown: {shown}");
        assert!(!shown.contains("secret-value"), "values never are: {shown}");
    }

    #[test]
    fn the_user_comes_from_the_first_variable_set() {
        assert_eq!(env(&[("LOGNAME", "ada"), ("USER", "")]).user(), "ada");
        assert_eq!(env(&[]).user(), "unknown");
    }

    #[test]
    fn the_app_finds_the_launcher_beside_it_or_says_it_is_missing() {
        let dir = tempfile::tempdir().unwrap();
        let app = dir.path().join("gatehouse-app");
        let launched = env(&[]).running(Program::App, app.clone());
        assert!(matches!(
            launched.launcher(),
            Err(Error::LauncherMissing { .. })
        ));
        std::fs::write(dir.path().join("gatehouse"), "").unwrap();
        assert_eq!(launched.launcher().unwrap(), dir.path().join("gatehouse"));
    }
}
