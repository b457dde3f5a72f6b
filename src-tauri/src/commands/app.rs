//! Commands about the app itself.

use tauri::State;

use crate::ipc::{AppInfo, IpcError};
use crate::state::AppState;

/// The app version and data directory.
#[tauri::command]
pub fn app_info(state: State<'_, AppState>) -> Result<AppInfo, IpcError> {
    Ok(AppInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        data_dir: state.ctx.data_dir.display().to_string(),
    })
}
