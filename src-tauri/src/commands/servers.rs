//! The servers view: list, check now (a real launch through the policy check), remove.

use gatehouse_core::ports::Clock as _;
use gatehouse_core::servers::{self, ProbeOutcome, ServerView};
use gatehouse_desktop::keyring::OsKeyring;
use gatehouse_desktop::probe::probe;
use tauri::{AppHandle, Runtime, State};

use crate::ipc::IpcError;
use crate::state::AppState;

/// Every registered server with its badges, verdict and reasons.
#[tauri::command]
pub async fn list_servers(state: State<'_, AppState>) -> Result<Vec<ServerView>, IpcError> {
    let list = servers::list_servers(&state.ctx).await?;
    if let Some(asked) = state.take_window_asked() {
        // What `bench/app-at-rest.sh` reads: how long a window opened from the tray takes
        // to have the Servers view's content.
        tracing::info!(
            "the Servers view had its list {} ms after the window was asked for",
            asked.elapsed().as_millis()
        );
    }
    Ok(list)
}

/// Runs the server through `gatehouse run` (so a warn verdict asks first and everything is
/// audited), does the MCP handshake and lists its tools.
#[tauri::command]
pub async fn check_server<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    id: String,
) -> Result<ProbeOutcome, IpcError> {
    let launcher = state.ctx.env.launcher()?;
    let started = state.ctx.clock.now();
    let outcome = probe(&launcher, &id).await;
    crate::background::refresh(&app).await;
    match outcome {
        Ok(found) => Ok(found),
        // "Don't run" in the window it raised: the person's answer, shown as such.
        Err(_) if gatehouse_core::activity::declined_since(&state.ctx, &id, started).await? => {
            Err(IpcError {
                code: crate::ipc::ErrorCode::Declined,
                message: format!("You chose not to run {id}; nothing was started."),
            })
        }
        Err(error) => Err(error.into()),
    }
}

/// Takes back the "Always for this version" answers for a server; returns how many.
#[tauri::command]
pub async fn revoke_approvals<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    id: String,
) -> Result<u32, IpcError> {
    let revoked = servers::revoke_approvals(&state.ctx, &id).await;
    crate::background::refresh(&app).await;
    Ok(u32::try_from(revoked?).unwrap_or(u32::MAX))
}

/// Unregisters a server. `false` when it was not registered.
#[tauri::command]
pub async fn remove_server<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    id: String,
) -> Result<bool, IpcError> {
    let removed = servers::remove_server(&state.ctx, &OsKeyring, &id).await?;
    crate::background::refresh(&app).await;
    Ok(removed)
}

/// Switches a named server to the verified copy of its package the catalog certifies, and
/// returns the package now installed (`npm:@scope/pkg@1.2.3`).
#[tauri::command]
pub async fn use_verified_copy<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    id: String,
) -> Result<String, IpcError> {
    let packages = gatehouse_core::settings::packages_client()?;
    let switched = servers::use_verified_copy(&state.ctx, &packages, &id).await;
    crate::background::refresh(&app).await;
    Ok(switched?.package)
}
