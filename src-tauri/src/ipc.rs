//! The shapes that cross the IPC boundary. Their TypeScript twins are generated into
//! `ui/src/lib/ipc/bindings/` (see the `bindings` test) and committed; CI fails on drift.

use serde::Serialize;
use ts_rs::TS;

/// What the UI branches on when a command fails. The UI never matches message text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Gatehouse cannot find or use its data directory.
    DataDir,
    /// The policy in force cannot be used (e.g. an invalid `~/.mcp/config.yaml`).
    Policy,
    /// A setting fixed by the organization's managed settings.
    Locked,
    /// The request itself was wrong (a bad id, contradictory options).
    InvalidInput,
    /// The server asked for is not registered.
    NotFound,
    /// The thing to create exists already.
    Conflict,
    /// The database or a file could not be read or written.
    Storage,
    /// A server could not be started.
    Launch,
    /// The hub could not be reached or refused the request (the cached policy stays).
    Hub,
    /// The hub needs a (new) sign-in, or the keyring holding the token is unavailable.
    SignIn,
}

/// A failed command, as the UI receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct IpcError {
    pub code: ErrorCode,
    /// One sentence a person can read.
    pub message: String,
}

impl From<gatehouse_core::Error> for IpcError {
    fn from(error: gatehouse_core::Error) -> Self {
        use gatehouse_core::Error as E;
        let code = match &error {
            E::NoDataDir | E::NoHome | E::RelativePath { .. } => ErrorCode::DataDir,
            E::LocalPolicy { .. } | E::NoSnapshot(_) | E::Managed { .. } | E::Rejected(_) => {
                ErrorCode::Policy
            }
            E::Locked(_) => ErrorCode::Locked,
            E::Usage(_) | E::InvalidId { .. } => ErrorCode::InvalidInput,
            E::UnknownServer(_) => ErrorCode::NotFound,
            E::DuplicateServer(_) => ErrorCode::Conflict,
            E::Store(_) | E::Io { .. } | E::Settings(_) => ErrorCode::Storage,
            E::Launch(_) => ErrorCode::Launch,
            E::Hub(gatehouse_core::ClientError::Unauthorized) | E::Keyring(_) => ErrorCode::SignIn,
            E::Hub(_) | E::HubNotConfigured(_) => ErrorCode::Hub,
            E::Install(gatehouse_core::install::InstallError::AlreadyInstalled(_)) => {
                ErrorCode::Conflict
            }
            E::Install(_) => ErrorCode::Hub,
        };
        IpcError {
            code,
            message: error.to_string(),
        }
    }
}

/// Facts about this installation, shown in the About panel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AppInfo {
    /// The app's version, as built.
    pub version: String,
    /// Where the database, backups and logs live.
    pub data_dir: String,
}
