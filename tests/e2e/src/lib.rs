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

mod dunst;
mod installed;
mod refhub;

pub use dunst::{
    click_notification, clickable_notifications_about, close_notifications,
    displayed_notifications, notifications_about,
};
pub use installed::{bundle_bytes, digest_of, fake_server_bundle, fake_server_manifest};
pub use refhub::{RunningHub, copy_dir, http, http_as};

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

/// A real MCP server installed by `make test-servers` under `tests/mcp-servers`
/// (`relative`, e.g. `node_modules/.bin/mcp-server-everything`). `None` (skip) when absent,
/// unless `GATEHOUSE_REQUIRE_REAL_SERVERS` is set (as `make test` does): then absent fails.
pub fn real_server(relative: &str) -> Option<PathBuf> {
    let path = workspace_root().join("tests/mcp-servers").join(relative);
    if path.is_file() {
        return path.canonicalize().ok();
    }
    if std::env::var_os("GATEHOUSE_REQUIRE_REAL_SERVERS").is_some() {
        panic!(
            "`{}` is not installed: run `make test-servers`",
            path.display()
        );
    }
    eprintln!(
        "SKIPPED: `{}` is not installed (make test-servers)",
        path.display()
    );
    None
}

/// A throwaway Gatehouse installation: its own data dir, `~/.mcp/config.yaml` and home, so
/// a test never touches the real ones and tests can run in parallel.
#[derive(Debug)]
pub struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        match tempfile::tempdir() {
            Ok(dir) => Sandbox { dir },
            Err(error) => panic!("cannot make a temp dir: {error}"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// The copy of the launcher that entries wired by a build from a checkout call (the
    /// test binaries are such a build): it outlives the checkout.
    pub fn launcher_copy(&self) -> PathBuf {
        self.data_dir().join("bin/gatehouse")
    }

    pub fn mcp_config(&self) -> PathBuf {
        self.dir.path().join("home/.mcp/config.yaml")
    }

    /// Writes the `~/.mcp/config.yaml` (its `policy:` block is the local layer).
    pub fn write_config(&self, text: &str) {
        let path = self.mcp_config();
        let written = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&path, text));
        if let Err(error) = written {
            panic!("cannot write `{}`: {error}", path.display());
        }
    }

    /// The environment a `gatehouse` process of this sandbox runs with.
    pub fn env(&self) -> Vec<(&'static str, PathBuf)> {
        vec![
            ("GATEHOUSE_DATA_DIR", self.data_dir()),
            ("GATEHOUSE_MCP_CONFIG", self.mcp_config()),
            ("HOME", self.dir.path().join("home")),
            // Where Zed keeps its state database (its recent projects): in the sandbox,
            // whatever the machine running the tests has set.
            ("XDG_DATA_HOME", self.dir.path().join("home/.local/share")),
        ]
    }

    /// `gatehouse <args>` in this sandbox.
    pub fn gatehouse(&self, args: &[&str]) -> std::process::Command {
        let mut command = std::process::Command::new(binary("gatehouse"));
        command.args(args).envs(self.env());
        command
    }

    /// Runs `gatehouse <args>` to completion and returns (exit code, stdout, stderr).
    pub fn run(&self, args: &[&str]) -> (i32, String, String) {
        let output = match self
            .gatehouse(args)
            .stdin(std::process::Stdio::null())
            .output()
        {
            Ok(output) => output,
            Err(error) => panic!("cannot run gatehouse {args:?}: {error}"),
        };
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }

    /// Runs `statement` on this sandbox's `gatehouse.db` with SQLite itself (Python's
    /// module), as a person or a script with the user's rights could, and returns the
    /// number of rows it changed.
    pub fn sql(&self, statement: &str) -> usize {
        let script = "import sqlite3, sys\n\
                      db = sqlite3.connect(sys.argv[1])\n\
                      n = db.execute(sys.argv[2]).rowcount\n\
                      db.commit()\n\
                      print(n)\n";
        let output = std::process::Command::new("python3")
            .args(["-c", script])
            .arg(self.data_dir().join("gatehouse.db"))
            .arg(statement)
            .output();
        let output = match output {
            Ok(output) if output.status.success() => output,
            other => panic!("`{statement}` failed: {other:?}"),
        };
        match String::from_utf8_lossy(&output.stdout).trim().parse() {
            Ok(rows) => rows,
            Err(error) => panic!("`{statement}` printed no row count: {error}"),
        }
    }

    /// Every audit event of this sandbox, parsed from `gatehouse audit export`.
    pub fn audit(&self) -> Vec<serde_json::Value> {
        let (code, out, err) = self.run(&["audit", "export"]);
        assert_eq!(code, 0, "audit export failed: {err}");
        out.lines()
            .map(|line| match serde_json::from_str(line) {
                Ok(value) => value,
                Err(error) => {
                    panic!("audit export printed a line that is not JSON ({error}): {line}")
                }
            })
            .collect()
    }
}

impl Default for Sandbox {
    fn default() -> Self {
        Sandbox::new()
    }
}
