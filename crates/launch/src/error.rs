//! The one error type of the crate. Ordinary ends of a session (either side closing, a stop,
//! a pin violation) are outcomes, not errors: an error means the launcher itself failed.

use std::io;
use std::path::PathBuf;

/// The crate's result alias.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can go wrong while starting, proxying or ending a server session.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The program does not exist (or a name without a slash is not on the child's `PATH`).
    #[error("the server program `{program}` was not found")]
    ProgramNotFound {
        /// The program as given in the launch spec.
        program: String,
    },
    /// The program exists but this user may not execute it.
    #[error("the server program `{program}` cannot be executed: permission denied")]
    ProgramNotExecutable {
        /// The program as given in the launch spec.
        program: String,
    },
    /// The working directory of the launch spec does not exist or is not a directory.
    #[error("the working directory `{}` does not exist", dir.display())]
    WorkingDirMissing {
        /// The directory as given in the launch spec.
        dir: PathBuf,
    },
    /// Starting the program failed for another reason.
    #[error("the server program `{program}` could not be started: {source}")]
    Spawn {
        /// The program as given in the launch spec.
        program: String,
        /// What the operating system said.
        source: io::Error,
    },
    /// The server's stderr log file could not be opened for appending.
    #[error("the log file `{}` could not be opened: {source}", path.display())]
    StderrLog {
        /// The log file.
        path: PathBuf,
        /// What the operating system said.
        source: io::Error,
    },
    /// Reading from or writing to one side of the session failed unexpectedly (a closed pipe
    /// is an ordinary end, not this error).
    #[error("the {side} side of the session failed: {source}")]
    Io {
        /// `client` or `server`.
        side: &'static str,
        /// What the operating system said.
        source: io::Error,
    },
    /// Signal handlers for ending the session could not be installed.
    #[error("the launcher could not listen for termination signals: {0}")]
    Signals(io::Error),
    /// Waiting for the server process failed.
    #[error("the server process could not be waited for: {0}")]
    Wait(io::Error),
}
