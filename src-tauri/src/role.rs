//! Which part of the app this process plays. A tray app spends most of its life with its
//! window closed, so the window lives in a process of its own (DESIGN.md, "The UI"): the
//! resident process keeps the tray, the schedule, the confirmation socket and the
//! updater, and starts a window process when the person opens a window; closing the last
//! window ends that process, and with it the web view and WebKit's processes, so nothing
//! of them stays behind at rest.

use std::ffi::OsString;

use gatehouse_core::context::Environment;

/// The argument the resident starts a window process with.
pub const WINDOW_ARG: &str = "--window";

/// Set by the resident on itself when it turned OpenGL off, so that the window processes
/// it starts get it back (their web view draws with it).
const GL_TURNED_OFF: &str = "GATEHOUSE_RESIDENT_GL_OFF";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Tray and windows in one process: when a WebDriver drives the app, since it can only
    /// drive web views in the process it started.
    OneProcess,
    /// The tray, the schedule, the socket; windows are shown by a window process.
    Resident,
    /// Started by the resident: shows the windows it is asked for, ends with the last.
    Window,
}

impl Role {
    /// The role of a process started with `args` in an environment where
    /// `TAURI_WEBVIEW_AUTOMATION` is `automation` (tauri-driver sets it to `true`).
    pub fn from(args: &[String], automation: Option<&str>) -> Role {
        if args.iter().any(|arg| arg == WINDOW_ARG) {
            Role::Window
        } else if automation == Some("true") {
            Role::OneProcess
        } else {
            Role::Resident
        }
    }

    /// This process's role, in the environment it started with.
    pub fn current(args: &[String], env: &Environment) -> Role {
        let automation = env
            .var("TAURI_WEBVIEW_AUTOMATION")
            .and_then(|value| value.to_str());
        Role::from(args, automation)
    }

    /// Whether windows are made in this process.
    pub fn shows_windows(self) -> bool {
        self != Role::Resident
    }
}

/// The resident never draws a web view, so on Linux it starts without OpenGL: GTK opens it
/// when it connects to the display, and Mesa's libraries alone are about 25 MiB of a tray
/// app at rest. The setting is read by GTK from the environment before anything of this
/// program could change it, and a running program's environment cannot be changed safely,
/// so the resident starts itself again with it (once; a person's own `GDK_GL` is kept).
/// Returns only when no new start was made.
pub fn resident_without_gl(env: &Environment) {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt as _;
        if env.var("GDK_GL").is_some() {
            return;
        }
        let Ok(exe) = std::env::current_exe() else {
            return;
        };
        let error = std::process::Command::new(exe)
            .args(std::env::args_os().skip(1))
            .env("GDK_GL", "disable")
            .env(GL_TURNED_OFF, "1")
            .exec();
        // Only a failed exec comes back: go on with OpenGL, as before.
        tracing::warn!("could not restart the tray without OpenGL: {error}");
    }
}

/// The environment changes a window process is started with: OpenGL back on when the
/// resident turned it off for itself.
pub fn window_env_removals(env: &Environment) -> Vec<OsString> {
    if env.var(GL_TURNED_OFF).is_some() {
        vec![OsString::from("GDK_GL"), OsString::from(GL_TURNED_OFF)]
    } else {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|arg| (*arg).to_owned()).collect()
    }

    #[test]
    fn a_window_process_is_one_whatever_drives_it() {
        assert_eq!(Role::from(&args(&["--window"]), None), Role::Window);
        assert_eq!(Role::from(&args(&["--window"]), Some("true")), Role::Window);
    }

    #[test]
    fn a_driven_app_keeps_its_windows_and_any_other_start_is_the_resident() {
        assert_eq!(Role::from(&args(&[]), Some("true")), Role::OneProcess);
        assert_eq!(
            Role::from(&args(&["--hidden"]), Some("true")),
            Role::OneProcess
        );
        assert_eq!(Role::from(&args(&["--hidden"]), None), Role::Resident);
        assert_eq!(Role::from(&args(&[]), Some("false")), Role::Resident);
        assert!(!Role::Resident.shows_windows());
        assert!(Role::OneProcess.shows_windows() && Role::Window.shows_windows());
    }
}
