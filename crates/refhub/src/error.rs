//! The one error type of the reference hub: what can stop it from starting, or make it keep
//! serving the last good bundle instead of a new one.

use std::net::SocketAddr;
use std::path::PathBuf;

/// Why the hub cannot load its directory, key or state, or cannot serve.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("could not access `{}`", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// A file of the org directory does not parse as YAML of the expected shape.
    #[error("`{}` is not valid: {message}", path.display())]
    Yaml { path: PathBuf, message: String },

    /// The org directory parses but says something the hub refuses to serve (an invalid
    /// policy object, a server listed by two areas, a bad catalog entry).
    #[error("`{}`: {message}", path.display())]
    Invalid { path: PathBuf, message: String },

    /// The key file exists but does not hold what `--key` expects.
    #[error("`{}` is not a signing key: expected the base64 of a 32-byte ed25519 seed", path.display())]
    BadKey { path: PathBuf },

    /// The operating system gave no random bytes for a new key.
    #[error("could not make a signing key: {0}")]
    Random(String),

    /// The hub's own SQLite file (serial state and received audit events) failed.
    #[error("the hub state database `{}` failed", path.display())]
    State {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },

    /// The state file holds a newer serial than this hub made: two hubs share it.
    #[error("`{}` holds a serial newer than this hub published; is another hub using it?", path.display())]
    StateAhead { path: PathBuf },

    /// Nobody could call the authenticated endpoints.
    #[error("no access token is configured: pass `--token` or list `tokens` in `org.yaml`")]
    NoToken,

    /// The fault endpoints let anyone who can connect break the hub's answers.
    #[error("`--faults` needs a loopback listen address, not `{0}`")]
    FaultsNotLoopback(SocketAddr),

    #[error("could not serve http")]
    Serve(#[source] std::io::Error),
}

/// The crate's result alias.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn invalid(path: impl Into<PathBuf>, message: impl Into<String>) -> Error {
        Error::Invalid {
            path: path.into(),
            message: message.into(),
        }
    }

    /// The message with its sources, as one line: what the binary prints and the hub logs.
    pub fn chain(&self) -> String {
        let mut text = self.to_string();
        let mut source = std::error::Error::source(self);
        while let Some(cause) = source {
            text.push_str(": ");
            text.push_str(&cause.to_string());
            source = cause.source();
        }
        text
    }
}
