//! The environment a server gets: the variables its configuration declares, a small base
//! every program needs to run (paths, locale, temp dirs), and the values the caller resolved
//! elsewhere (e.g. from the keyring). Nothing else of the launcher's own environment reaches
//! the server: it may hold hub tokens and other servers' secrets (DESIGN.md, threat model).
//!
//! Pure: the environment is read through a lookup function, and the operating system is an
//! argument, so the Windows table is tested on Linux. Values are never logged.

use std::collections::BTreeMap;
use std::ffi::OsString;

/// The operating-system family whose base variables apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OsFamily {
    /// Linux, macOS and the BSDs.
    Unix,
    /// Windows, which needs a few more variables for programs to start at all.
    Windows,
}

impl OsFamily {
    /// The family this binary was built for.
    pub fn current() -> Self {
        if cfg!(windows) {
            Self::Windows
        } else {
            Self::Unix
        }
    }
}

/// Variables every program may rely on: where programs and the home directory are, who the
/// user is, locale, time zone, temp dirs, the terminal type and the per-user runtime dir.
const BASE_UNIX: &[&str] = &[
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "LANG",
    "LC_ALL",
    "LC_CTYPE",
    "TZ",
    "TMPDIR",
    "TMP",
    "TEMP",
    "SHELL",
    "TERM",
    "XDG_RUNTIME_DIR",
];

/// Without these, many Windows programs (and `node`, `python`) fail to start or to find
/// their per-user folders.
const BASE_WINDOWS_EXTRA: &[&str] = &[
    "SYSTEMROOT",
    "WINDIR",
    "APPDATA",
    "LOCALAPPDATA",
    "USERPROFILE",
    "PATHEXT",
    "COMSPEC",
    "PROGRAMDATA",
];

/// The base variable names for `os`, in a stable order.
pub fn base_names(os: OsFamily) -> Vec<&'static str> {
    let mut names = BASE_UNIX.to_vec();
    if os == OsFamily::Windows {
        names.extend_from_slice(BASE_WINDOWS_EXTRA);
    }
    names
}

/// The environment of a server on this operating system: see [`filtered_env_for`].
pub fn filtered_env(
    declared: &[String],
    explicit: &BTreeMap<OsString, OsString>,
    lookup: impl Fn(&str) -> Option<OsString>,
) -> BTreeMap<OsString, OsString> {
    filtered_env_for(OsFamily::current(), declared, explicit, lookup)
}

/// The environment of a server: the base names of `os` and the `declared` names, each with
/// the value `lookup` finds (absent ones are left out), then every `explicit` entry, which
/// wins over a looked-up value of the same name.
///
/// A declared name that cannot be a variable name (empty, or holding `=` or NUL) is skipped:
/// passing it on would make the spawn fail or set a different variable. Gatehouse's own
/// variables (`GATEHOUSE_*`: the hub token, where its data and policy are) never reach a
/// server, whoever declared them (DESIGN.md "Tamper evidence").
pub fn filtered_env_for(
    os: OsFamily,
    declared: &[String],
    explicit: &BTreeMap<OsString, OsString>,
    lookup: impl Fn(&str) -> Option<OsString>,
) -> BTreeMap<OsString, OsString> {
    let base = base_names(os);
    let names = base
        .iter()
        .copied()
        .chain(declared.iter().map(String::as_str))
        .filter(|name| is_variable_name(name) && !is_gatehouse_own(name));
    let mut env = BTreeMap::new();
    for name in names {
        if let Some(value) = lookup(name) {
            env.insert(OsString::from(name), value);
        }
    }
    for (name, value) in explicit {
        if !name.to_str().is_some_and(is_gatehouse_own) {
            env.insert(name.clone(), value.clone());
        }
    }
    env
}

/// Whether `name` is one of Gatehouse's own variables (compared without case: Windows
/// variables are case-insensitive).
pub fn is_gatehouse_own(name: &str) -> bool {
    name.get(..10)
        .is_some_and(|prefix| prefix.eq_ignore_ascii_case("GATEHOUSE_"))
}

fn is_variable_name(name: &str) -> bool {
    !name.is_empty() && !name.contains(['=', '\0'])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parent_env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> {
        let vars: BTreeMap<String, OsString> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), OsString::from(v)))
            .collect();
        move |name| vars.get(name).cloned()
    }

    #[test]
    fn gatehouse_variables_never_reach_a_server_even_when_declared() {
        let parent = parent_env(&[
            ("GATEHOUSE_HUB_TOKEN", "secret"),
            ("gatehouse_data_dir", "/x"),
            ("API_KEY", "k"),
        ]);
        let mut explicit = BTreeMap::new();
        explicit.insert(
            OsString::from("GATEHOUSE_MANAGED_SETTINGS"),
            OsString::from("/e"),
        );
        let env = filtered_env_for(
            OsFamily::Unix,
            &[
                "GATEHOUSE_HUB_TOKEN".to_owned(),
                "gatehouse_data_dir".to_owned(),
                "API_KEY".to_owned(),
            ],
            &explicit,
            parent,
        );
        assert_eq!(names(&env), ["API_KEY"]);
    }

    fn names(env: &BTreeMap<OsString, OsString>) -> Vec<&str> {
        env.keys().filter_map(|k| k.to_str()).collect()
    }

    #[test]
    fn only_base_and_declared_names_pass() {
        let lookup = parent_env(&[
            ("PATH", "/usr/bin"),
            ("HOME", "/home/a"),
            ("GATEHOUSE_HUB_TOKEN", "secret"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
            ("GITHUB_TOKEN", "gh"),
        ]);
        let env = filtered_env_for(
            OsFamily::Unix,
            &["GITHUB_TOKEN".to_owned()],
            &BTreeMap::new(),
            lookup,
        );
        assert_eq!(
            names(&env),
            ["GITHUB_TOKEN", "HOME", "PATH"],
            "undeclared secrets of the launcher must not reach the server"
        );
        assert_eq!(
            env.get(&OsString::from("GITHUB_TOKEN")),
            Some(&OsString::from("gh"))
        );
    }

    #[test]
    fn absent_variables_are_left_out_rather_than_set_empty() {
        let env = filtered_env_for(
            OsFamily::Unix,
            &["NOT_SET".to_owned()],
            &BTreeMap::new(),
            parent_env(&[]),
        );
        assert!(env.is_empty(), "an unset variable must stay unset: {env:?}");
    }

    #[test]
    fn explicit_values_win_and_need_no_declaration() {
        let explicit = BTreeMap::from([
            (OsString::from("API_KEY"), OsString::from("from-keyring")),
            (OsString::from("PATH"), OsString::from("/opt/bin")),
        ]);
        let env = filtered_env_for(
            OsFamily::Unix,
            &["API_KEY".to_owned()],
            &explicit,
            parent_env(&[("API_KEY", "from-parent"), ("PATH", "/usr/bin")]),
        );
        assert_eq!(
            env.get(&OsString::from("API_KEY")),
            Some(&OsString::from("from-keyring"))
        );
        assert_eq!(
            env.get(&OsString::from("PATH")),
            Some(&OsString::from("/opt/bin"))
        );
    }

    #[test]
    fn windows_adds_its_startup_variables_and_unix_does_not() {
        let lookup = || parent_env(&[("SYSTEMROOT", "C:\\Windows"), ("APPDATA", "C:\\a")]);
        let windows = filtered_env_for(OsFamily::Windows, &[], &BTreeMap::new(), lookup());
        let unix = filtered_env_for(OsFamily::Unix, &[], &BTreeMap::new(), lookup());
        assert_eq!(names(&windows), ["APPDATA", "SYSTEMROOT"]);
        assert!(
            unix.is_empty(),
            "Windows-only names are not part of the Unix base: {unix:?}"
        );
        assert!(base_names(OsFamily::Windows).contains(&"COMSPEC"));
        assert!(!base_names(OsFamily::Unix).contains(&"COMSPEC"));
    }

    #[test]
    fn malformed_declared_names_are_skipped() {
        let lookup = |name: &str| Some(OsString::from(format!("value of {name}")));
        let declared = [
            "".to_owned(),
            "A=B".to_owned(),
            "NUL\0".to_owned(),
            "OK".to_owned(),
        ];
        let env = filtered_env_for(OsFamily::Unix, &declared, &BTreeMap::new(), lookup);
        assert!(env.contains_key(&OsString::from("OK")));
        assert!(
            !env.keys()
                .any(|k| k.is_empty() || k.to_string_lossy().contains(['=', '\0']))
        );
    }
}
