//! Where the confirmation socket lives (DESIGN.md, "Settings and files").

use std::ffi::OsString;
use std::path::PathBuf;

use super::paths::{DataDirs, Platform};
use crate::error::{Error, Result};

const FILE: &str = "gatehouse.sock";

/// `$GATEHOUSE_DATA_DIR/gatehouse.sock` when that variable is set (tests and portable
/// installs, so two sandboxes never share a socket), else `$XDG_RUNTIME_DIR/gatehouse/
/// gatehouse.sock` (per-user, cleared at logout), else the data dir.
pub fn socket_path(platform: Platform, env: impl Fn(&str) -> Option<OsString>) -> Result<PathBuf> {
    let set = |name: &str| env(name).filter(|value| !value.is_empty());
    if set("GATEHOUSE_DATA_DIR").is_some() {
        return Ok(DataDirs::resolve(platform, &env)?.data().join(FILE));
    }
    if let Some(runtime) = set("XDG_RUNTIME_DIR") {
        let runtime = PathBuf::from(runtime);
        if !runtime.is_absolute() {
            return Err(Error::RelativePath {
                variable: "XDG_RUNTIME_DIR",
                path: runtime,
            });
        }
        return Ok(runtime.join("gatehouse").join(FILE));
    }
    Ok(DataDirs::resolve(platform, &env)?.data().join(FILE))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<OsString> + 'a {
        move |name| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| OsString::from(value))
        }
    }

    #[test]
    fn the_data_dir_variable_wins_so_sandboxes_never_share_a_socket() {
        let path = socket_path(
            Platform::Linux,
            env(&[
                ("GATEHOUSE_DATA_DIR", "/tmp/g"),
                ("XDG_RUNTIME_DIR", "/run/user/1"),
            ]),
        );
        assert_eq!(path.ok(), Some(PathBuf::from("/tmp/g/gatehouse.sock")));
    }

    #[test]
    fn the_runtime_dir_is_next_then_the_data_dir() {
        let runtime = socket_path(
            Platform::Linux,
            env(&[("XDG_RUNTIME_DIR", "/run/user/1"), ("HOME", "/home/a")]),
        );
        assert_eq!(
            runtime.ok(),
            Some(PathBuf::from("/run/user/1/gatehouse/gatehouse.sock"))
        );
        let data = socket_path(Platform::Linux, env(&[("HOME", "/home/a")]));
        assert_eq!(
            data.ok(),
            Some(PathBuf::from(
                "/home/a/.local/share/gatehouse/gatehouse.sock"
            ))
        );
        assert!(
            socket_path(Platform::Linux, env(&[("XDG_RUNTIME_DIR", "run")])).is_err(),
            "a relative runtime dir would depend on the working directory"
        );
    }
}
