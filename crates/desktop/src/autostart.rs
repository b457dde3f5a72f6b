//! "Start at login": a per-user autostart entry for the tray app. The file and its content
//! are pure functions of the platform and the environment, tested for every platform here;
//! only Linux (XDG autostart) and macOS (a LaunchAgent) are written by this build. Windows
//! uses the registry's Run key, which this build does not write yet.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use gatehouse_core::context::{Environment, Platform};
use gatehouse_core::{Error, Result};

/// The autostart file of the user of `env`, or `None` where autostart is not a file.
pub fn entry_path(env: &Environment) -> Option<PathBuf> {
    entry_path_in(env.platform(), env.lookup())
}

/// [`entry_path`] as a pure function of the platform and a variable lookup.
pub fn entry_path_in(
    platform: Platform,
    env: impl Fn(&str) -> Option<OsString>,
) -> Option<PathBuf> {
    let set = |name: &str| env(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    match platform {
        Platform::Linux => set("XDG_CONFIG_HOME")
            .filter(|p| p.is_absolute())
            .or_else(|| set("HOME").map(|home| home.join(".config")))
            .map(|config| config.join("autostart").join("gatehouse.desktop")),
        Platform::MacOs => set("HOME").map(|home| {
            home.join("Library/LaunchAgents")
                .join("dev.gatehouse.app.plist")
        }),
        Platform::Windows => None,
    }
}

/// The file's content, starting `app` (the tray app's absolute path) with `--hidden`: at
/// login only the tray appears, and no window holds memory until the person opens one.
pub fn entry_text(platform: Platform, app: &Path) -> String {
    let app = app.display();
    match platform {
        Platform::Linux | Platform::Windows => format!(
            "[Desktop Entry]\nType=Application\nName=Gatehouse\nComment=Decides which MCP servers may run on this computer\nExec=\"{app}\" --hidden\nTerminal=false\nX-GNOME-Autostart-enabled=true\n"
        ),
        Platform::MacOs => format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n<plist version=\"1.0\">\n<dict>\n  <key>Label</key><string>dev.gatehouse.app</string>\n  <key>ProgramArguments</key><array><string>{app}</string><string>--hidden</string></array>\n  <key>RunAtLoad</key><true/>\n</dict>\n</plist>\n"
        ),
    }
}

/// Whether the autostart entry exists.
pub fn is_enabled(path: Option<&Path>) -> bool {
    path.is_some_and(Path::exists)
}

/// Writes or removes the entry.
pub fn set_enabled(platform: Platform, path: Option<&Path>, app: &Path, on: bool) -> Result<()> {
    let Some(path) = path else {
        return Err(Error::Usage(
            "starting at login cannot be set from Gatehouse on this system yet".to_owned(),
        ));
    };
    let io = |source| Error::Io {
        path: path.to_owned(),
        source,
    };
    if on {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        std::fs::write(path, entry_text(platform, app)).map_err(io)
    } else {
        match std::fs::remove_file(path) {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(io(error)),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<OsString> + 'a {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| OsString::from(v))
        }
    }

    #[test]
    fn each_platform_has_its_place() {
        assert_eq!(
            entry_path_in(Platform::Linux, env(&[("HOME", "/home/a")])),
            Some(PathBuf::from("/home/a/.config/autostart/gatehouse.desktop"))
        );
        assert_eq!(
            entry_path_in(
                Platform::Linux,
                env(&[("HOME", "/home/a"), ("XDG_CONFIG_HOME", "/cfg")])
            ),
            Some(PathBuf::from("/cfg/autostart/gatehouse.desktop"))
        );
        assert_eq!(
            entry_path_in(Platform::MacOs, env(&[("HOME", "/Users/a")])),
            Some(PathBuf::from(
                "/Users/a/Library/LaunchAgents/dev.gatehouse.app.plist"
            ))
        );
        assert_eq!(entry_path_in(Platform::Windows, env(&[])), None);
    }

    #[test]
    fn enabling_writes_an_entry_that_starts_the_app_and_disabling_removes_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("autostart/gatehouse.desktop");
        let app = Path::new("/opt/gatehouse/gatehouse-app");
        set_enabled(Platform::Linux, Some(&path), app, true).unwrap();
        assert!(is_enabled(Some(&path)));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains("Exec=\"/opt/gatehouse/gatehouse-app\" --hidden"),
            "{text}"
        );
        set_enabled(Platform::Linux, Some(&path), app, false).unwrap();
        assert!(!is_enabled(Some(&path)));
        assert!(
            set_enabled(Platform::Linux, Some(&path), app, false).is_ok(),
            "turning off twice is not an error"
        );
        assert!(set_enabled(Platform::Windows, None, app, true).is_err());
    }
}
