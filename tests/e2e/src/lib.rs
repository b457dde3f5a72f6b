//! Shared plumbing for the end-to-end tests: where the built binaries are, and whether the
//! desktop pieces (display, WebDriver) are present.
//!
//! The tests here drive the real binaries, so they need `cargo build --workspace --bins`
//! first; `make test` does that. They never build anything themselves.

#![allow(
    clippy::panic,
    reason = "test support: a missing prerequisite must stop the test loudly"
)]

use std::path::{Path, PathBuf};

/// The workspace root (two levels above this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The directory cargo put the debug binaries in.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => workspace_root().join("target"),
    }
    .join("debug")
}

/// The absolute path of a built binary of the workspace; panics with the fix if it is absent.
pub fn binary(name: &str) -> PathBuf {
    let path = target_dir().join(name);
    match path.canonicalize() {
        Ok(path) => path,
        Err(_) => panic!(
            "`{}` is missing: run `cargo build --workspace --bins` (make test does) before these tests",
            path.display()
        ),
    }
}

/// Where tests leave artifacts (screenshots) for a person to look at.
pub fn artifacts_dir(group: &str) -> PathBuf {
    let dir = workspace_root().join("artifacts").join(group);
    if let Err(error) = std::fs::create_dir_all(&dir) {
        panic!("cannot create `{}`: {error}", dir.display());
    }
    dir
}

/// Whether a command is on `PATH`.
pub fn on_path(command: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(command).is_file()))
}

/// Decides whether a desktop test can run. Outside `make test` a missing display or driver
/// skips the test (returns false); under `make test` (`GATEHOUSE_REQUIRE_DESKTOP=1`) it fails,
/// so CI can never pass with the desktop tests silently skipped.
pub fn desktop_available(needs: &[&str]) -> bool {
    let mut missing = Vec::new();
    if std::env::var_os("DISPLAY").is_none() {
        missing.push("a display (DISPLAY)".to_owned());
    }
    for command in needs {
        if !on_path(command) {
            missing.push(format!("`{command}` on PATH"));
        }
    }
    if missing.is_empty() {
        return true;
    }
    if std::env::var_os("GATEHOUSE_REQUIRE_DESKTOP").is_some() {
        panic!("desktop test cannot run, missing: {}", missing.join(", "));
    }
    eprintln!("SKIPPED: desktop test needs {}", missing.join(", "));
    false
}
