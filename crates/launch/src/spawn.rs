//! Starting the server: a cleared environment plus exactly the given one, its own process
//! group (so that ending it reaches everything it started), stdin/stdout piped to the proxy,
//! and stderr copied to a 0600 log file and to the launcher's own stderr (where client apps
//! collect server logs).

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt;
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::process::Stdio;

use tokio::process::{Child, ChildStderr, ChildStdin, ChildStdout, Command};
use tokio::sync::oneshot;

use crate::error::{Error, Result};
use crate::stderr_log::BoundedLog;

/// What to start. `Debug` shows variable names only, never values or arguments (either may
/// hold secrets).
#[derive(Clone, PartialEq, Eq)]
pub struct LaunchSpec {
    /// The program: a path, or a name looked up on the `PATH` of `env`.
    pub program: OsString,
    /// Its arguments.
    pub args: Vec<OsString>,
    /// Its whole environment, already filtered (see [`crate::filtered_env`]).
    pub env: BTreeMap<OsString, OsString>,
    /// Its working directory; the launcher's own when `None`.
    pub cwd: Option<PathBuf>,
    /// Where its stderr is appended as well (created with mode 0600, rotated at 1 MiB,
    /// two older files kept).
    pub stderr_log: Option<PathBuf>,
}

impl LaunchSpec {
    /// `program` with `args`, an empty environment, no working directory and no log.
    pub fn new(program: impl Into<OsString>, args: Vec<OsString>) -> Self {
        Self {
            program: program.into(),
            args,
            env: BTreeMap::new(),
            cwd: None,
            stderr_log: None,
        }
    }

    fn program_name(&self) -> String {
        self.program.to_string_lossy().into_owned()
    }
}

impl fmt::Debug for LaunchSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LaunchSpec")
            .field("program", &self.program)
            .field("args", &format_args!("[{} redacted]", self.args.len()))
            .field("env", &self.env.keys().collect::<Vec<_>>())
            .field("cwd", &self.cwd)
            .field("stderr_log", &self.stderr_log)
            .finish()
    }
}

/// A started server.
#[derive(Debug)]
pub(crate) struct Spawned {
    pub(crate) child: Child,
    pub(crate) stdin: ChildStdin,
    pub(crate) stdout: ChildStdout,
    /// Completes when the server's stderr is closed and copied.
    pub(crate) stderr_done: Option<oneshot::Receiver<()>>,
}

pub(crate) fn spawn(spec: &LaunchSpec) -> Result<Spawned> {
    let log = match &spec.stderr_log {
        Some(path) => Some(BoundedLog::open(path).map_err(|source| Error::StderrLog {
            path: path.clone(),
            source,
        })?),
        None => None,
    };
    let mut command = Command::new(&spec.program);
    command
        .args(&spec.args)
        .env_clear()
        .envs(&spec.env)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // A last resort should the launcher unwind before its shutdown ran (it kills the
        // group itself on every ordinary path).
        .kill_on_drop(true);
    // Its own group: signals for the launcher's terminal do not reach it, and killing the
    // group reaches its children too. `process_group` needs no `pre_exec`.
    #[cfg(unix)]
    command.process_group(0);
    if let Some(dir) = &spec.cwd {
        // Checked first: a missing directory fails the spawn with the same error as a
        // missing program, and would be reported as one.
        if !dir.is_dir() {
            return Err(Error::WorkingDirMissing { dir: dir.clone() });
        }
        command.current_dir(dir);
    }
    let mut child = command
        .spawn()
        .map_err(|source| spawn_error(spec, source))?;
    let (Some(stdin), Some(stdout), Some(stderr)) =
        (child.stdin.take(), child.stdout.take(), child.stderr.take())
    else {
        // Unreachable with all three piped; handled rather than assumed.
        return Err(Error::Spawn {
            program: spec.program_name(),
            source: io::Error::other("the child's stdio pipes are missing"),
        });
    };
    let stderr_done = copy_stderr(stderr, log);
    Ok(Spawned {
        child,
        stdin,
        stdout,
        stderr_done,
    })
}

fn spawn_error(spec: &LaunchSpec, source: io::Error) -> Error {
    let program = spec.program_name();
    match source.kind() {
        io::ErrorKind::NotFound => Error::ProgramNotFound { program },
        io::ErrorKind::PermissionDenied => Error::ProgramNotExecutable { program },
        _ => Error::Spawn { program, source },
    }
}

/// Copies stderr on a thread of its own: blocking writes to a full stderr pipe or a slow
/// disk must never stall the proxy, whatever runtime flavour the caller uses.
fn copy_stderr(stderr: ChildStderr, mut log: Option<BoundedLog>) -> Option<oneshot::Receiver<()>> {
    let mut source = into_file(stderr).ok()?;
    let (done, receiver) = oneshot::channel();
    let spawned = std::thread::Builder::new()
        .name("gatehouse-stderr".to_owned())
        .spawn(move || {
            let mut buf = vec![0; 16 * 1024];
            loop {
                let n = match source.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(_) => break,
                };
                let bytes = &buf[..n];
                // A failing log must not cost the user the server's messages, nor the reverse.
                if log.as_mut().is_some_and(|file| file.write(bytes).is_err()) {
                    log = None;
                }
                let _ = io::stderr().write_all(bytes);
            }
            let _ = done.send(());
        });
    spawned.ok().map(|_| receiver)
}

#[cfg(unix)]
fn into_file(stderr: ChildStderr) -> io::Result<File> {
    stderr.into_owned_fd().map(File::from)
}

#[cfg(windows)]
fn into_file(stderr: ChildStderr) -> io::Result<File> {
    stderr.into_owned_handle().map(File::from)
}
