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

/// The reference hub binary serving one org directory on a free loopback port.
#[derive(Debug)]
pub struct RunningHub {
    child: std::process::Child,
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    /// `key_id:base64`, as `config set hub-key` takes it.
    pub key: String,
}

impl RunningHub {
    /// Starts `gatehouse-refhub --dir <org_dir>` (build it first: `cargo build --bins`).
    pub fn start(org_dir: &Path) -> RunningHub {
        use std::io::BufRead as _;
        let mut child = std::process::Command::new(binary("gatehouse-refhub"))
            .args(["--dir", org_dir.to_str().unwrap_or_default()])
            .args(["--listen", "127.0.0.1:0"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("gatehouse-refhub runs (cargo build --bins): {e}"));
        let stdout = child
            .stdout
            .take()
            .unwrap_or_else(|| panic!("piped stdout"));
        let mut lines = std::io::BufReader::new(stdout).lines();
        let (mut url, mut key) = (None, None);
        for line in lines.by_ref().take(6) {
            let line = line.unwrap_or_default();
            if let Some(rest) = line.strip_prefix("listening on ") {
                url = Some(rest.to_owned());
            } else if let Some(rest) = line.strip_prefix("hub-key: ") {
                key = Some(rest.to_owned());
            }
            if url.is_some() && key.is_some() {
                break;
            }
        }
        std::thread::spawn(move || lines.for_each(drop));
        match (url, key) {
            (Some(url), Some(key)) => RunningHub { child, url, key },
            _ => panic!("gatehouse-refhub did not print its url and key"),
        }
    }

    /// Points `sandbox` at this hub for `org`, with its key pinned.
    pub fn follow(&self, sandbox: &Sandbox, org: &str) {
        for (name, value) in [
            ("hub-url", self.url.as_str()),
            ("organization", org),
            ("hub-key", self.key.as_str()),
        ] {
            let (code, _, err) = sandbox.run(&["config", "set", name, value]);
            assert_eq!(code, 0, "config set {name}: {err}");
        }
    }
}

impl Drop for RunningHub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
