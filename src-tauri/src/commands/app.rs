//! Commands about the app itself.

use gatehouse_core::paths::DataDirs;

use crate::ipc::{AppInfo, IpcError};

/// The app version and data directory.
#[tauri::command]
pub fn app_info() -> Result<AppInfo, IpcError> {
    let dirs = DataDirs::from_process()?;
    Ok(AppInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        data_dir: dirs.data().display().to_string(),
    })
}
