//! The policy view.

use gatehouse_core::policy_view::{self, PolicyView};
use tauri::State;

use crate::ipc::IpcError;
use crate::state::AppState;

/// The policy in force, with provenance, clamps and the snapshot it came from.
#[tauri::command]
pub async fn policy_view(state: State<'_, AppState>) -> Result<PolicyView, IpcError> {
    Ok(policy_view::policy_view(&state.ctx).await?)
}
