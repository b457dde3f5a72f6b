//! The policy view: the policy in force, and what the hub's would change.

use gatehouse_core::policy::{self, PolicyView};
use gatehouse_core::sync::{self, PolicyPreview};
use tauri::State;

use crate::background;
use crate::ipc::IpcError;
use crate::state::AppState;

/// The policy in force, with provenance, clamps and the snapshot it came from.
#[tauri::command]
pub async fn policy_view(state: State<'_, AppState>) -> Result<PolicyView, IpcError> {
    Ok(policy::policy_view(&state.ctx).await?)
}

/// What the hub's current policy would change if it were applied. Stores nothing: Sync now
/// applies it.
#[tauri::command]
pub async fn preview_policy(state: State<'_, AppState>) -> Result<PolicyPreview, IpcError> {
    let hub = background::hub_client(&state.ctx).await?;
    Ok(sync::preview(&state.ctx, &hub).await?)
}
