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
        let code = match error {
            gatehouse_core::Error::NoDataDir | gatehouse_core::Error::RelativePath { .. } => {
                ErrorCode::DataDir
            }
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
