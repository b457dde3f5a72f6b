//! The commands the web UI calls. Each one is a thin adapter: convert, call core, convert.
//! Adding a command means: the handler list in `lib.rs`, `COMMANDS` in `build.rs`, the
//! capability of each window that needs it, and the typed wrapper in `ui/src/lib/ipc/`.

pub mod activity;
pub mod app;
pub mod clients;
pub mod confirm;
pub mod hub;
pub mod install;
pub mod policy;
pub mod servers;
pub mod settings;

use crate::ipc::{ErrorCode, IpcError};

/// The `gatehouse` launcher installed beside the app.
pub(crate) fn launcher_path() -> Result<std::path::PathBuf, IpcError> {
    let name = if cfg!(windows) {
        "gatehouse.exe"
    } else {
        "gatehouse"
    };
    let path = std::env::current_exe()
        .map(|app| app.with_file_name(name))
        .map_err(|error| IpcError {
            code: ErrorCode::Launch,
            message: format!("cannot find the Gatehouse launcher: {error}"),
        })?;
    if !path.exists() {
        return Err(IpcError {
            code: ErrorCode::Launch,
            message: format!(
                "the Gatehouse launcher is missing from `{}`; reinstall Gatehouse",
                path.display()
            ),
        });
    }
    Ok(path)
}
