//! Errors of the core use cases. Each maps to one exit code of the command line contract
//! (see [`Error::exit_code`]) and to an IPC error code in the app.

use std::path::PathBuf;

/// What can go wrong in a core use case. Messages are one lower-case sentence.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No directory could be derived for Gatehouse's data.
    #[error("cannot find a data directory: set `GATEHOUSE_DATA_DIR` or `HOME`")]
    NoDataDir,
    /// No home directory, so `~/.mcp/config.yaml` has no place.
    #[error("cannot find your home directory: set `HOME` or `GATEHOUSE_MCP_CONFIG`")]
    NoHome,
    /// A path from the environment is not absolute, so its meaning would depend on the
    /// working directory of whichever process reads it.
    #[error("`{variable}` must be an absolute path, not `{}`", .path.display())]
    RelativePath {
        variable: &'static str,
        path: PathBuf,
    },
    /// The user's own policy file cannot be used. Enforcing without it would silently drop
    /// rules the user set, so nothing runs until it is fixed.
    #[error("your policy file `{}` cannot be used: {reason}", .path.display())]
    LocalPolicy { path: PathBuf, reason: String },
    /// A hub is configured but no stored snapshot is valid (none yet, or none passes its
    /// signature check): nothing runs until a sync succeeds (POLICY.md section 5, exit 3).
    #[error("no usable policy from your organization's hub: {0}; run `gatehouse sync` when online")]
    NoSnapshot(String),
    /// The managed settings file exists but cannot be used.
    #[error("the managed settings file `{}` cannot be used: {reason}", .path.display())]
    Managed { path: PathBuf, reason: String },
    /// A setting fixed by managed settings (exit 5).
    #[error("`{0}` is set by your organization's managed settings and cannot be changed here")]
    Locked(&'static str),
    /// An offered policy bundle was refused; the previous one stays in force.
    #[error("the policy bundle was refused: {0}")]
    Rejected(String),
    /// Stored settings that cannot be used.
    #[error("the stored settings cannot be used: {0}")]
    Settings(String),
    /// The command line asked for something contradictory (POLICY.md: exit code 2).
    #[error("{0}")]
    Usage(String),
    /// No server is registered under this id.
    #[error("no server `{0}` is registered: see `gatehouse servers list`")]
    UnknownServer(String),
    /// A server id that cannot be used.
    #[error("`{id}` cannot be a server id: {reason}")]
    InvalidId { id: String, reason: &'static str },
    /// A server id that is already registered.
    #[error("a server `{0}` is already registered")]
    DuplicateServer(String),
    /// The database failed.
    #[error(transparent)]
    Store(gatehouse_store::Error),
    /// The server could not be started or its session failed.
    #[error(transparent)]
    Launch(#[from] gatehouse_launch::Error),
    /// The hub could not be asked, or refused the request; the cached policy stays in force.
    #[error(transparent)]
    Hub(#[from] gatehouse_hub::ClientError),
    /// Syncing needs a hub setting that is not set.
    #[error("no {0} is configured: set it with `gatehouse config set {0} <value>`")]
    HubNotConfigured(&'static str),
    /// The OS keyring cannot be used (none running, locked, or it refused).
    #[error("the OS keyring is unavailable: {0}")]
    Keyring(String),
    /// "Check now" could not complete the MCP handshake through the launcher.
    #[error("{0}")]
    Probe(String),
    /// A client app's config file could not be read or changed safely; it was left untouched.
    #[error(transparent)]
    ClientConfig(#[from] gatehouse_clients::Error),
    /// A server's client app entries could not all be restored, so it stays registered.
    #[error("`{id}` is still used by a client app and was not removed: {reason}")]
    StillWired { id: String, reason: String },
    /// An install from the registry was refused or failed; nothing was left behind.
    #[error(transparent)]
    Install(#[from] crate::install::InstallError),
    /// The `gatehouse` launcher that client app entries call cannot be found.
    #[error("the Gatehouse launcher is missing from `{}`; reinstall Gatehouse", .path.display())]
    LauncherMissing { path: PathBuf },
    /// A file of Gatehouse's own could not be written.
    #[error("cannot write `{}`: {source}", .path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl From<gatehouse_store::Error> for Error {
    fn from(error: gatehouse_store::Error) -> Self {
        match error {
            gatehouse_store::Error::DuplicateServer(id) => Error::DuplicateServer(id),
            other => Error::Store(other),
        }
    }
}

impl Error {
    /// The exit code of the command line contract (`shared/CLI.md`) for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Usage(_)
            | Error::UnknownServer(_)
            | Error::InvalidId { .. }
            | Error::DuplicateServer(_) => 2,
            Error::LocalPolicy { .. } | Error::NoSnapshot(_) | Error::Managed { .. } => 3,
            Error::Locked(_) => 5,
            Error::NoDataDir
            | Error::NoHome
            | Error::RelativePath { .. }
            | Error::Settings(_)
            | Error::Rejected(_)
            | Error::Store(_)
            | Error::Launch(_)
            | Error::Hub(_)
            | Error::HubNotConfigured(_)
            | Error::Keyring(_)
            | Error::Probe(_)
            | Error::ClientConfig(_)
            | Error::StillWired { .. }
            | Error::Install(_)
            | Error::LauncherMissing { .. }
            | Error::Io { .. } => 1,
        }
    }
}

pub type Result<T> = std::result::Result<T, Error>;
