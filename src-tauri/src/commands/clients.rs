//! The client apps Gatehouse manages: their entries, and routing them through Gatehouse
//! (or giving back the originals).

use std::path::PathBuf;

use gatehouse_core::ClientApp;
use gatehouse_core::clients::{self, ClientFileView, FileOutcome};
use gatehouse_desktop::keyring::OsKeyring;
use tauri::{AppHandle, Runtime, State};

use crate::commands::launcher;
use crate::ipc::{ErrorCode, IpcError};
use crate::state::AppState;

/// Every client app settings file on this computer with its entries, each saying whether
/// it runs through Gatehouse and what the policy says of it.
#[tauri::command]
pub async fn list_clients(state: State<'_, AppState>) -> Result<Vec<ClientFileView>, IpcError> {
    // What the person sees outside Gatehouse, the admin hears of once.
    Ok(clients::list_and_report(&state.ctx, &[]).await?)
}

/// Routes one entry through Gatehouse ("Route through Gatehouse").
#[tauri::command]
pub async fn route_entry<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    client: String,
    path: String,
    entry_path: Vec<String>,
) -> Result<FileOutcome, IpcError> {
    let launcher = launcher(&state)?;
    let outcome = clients::wire_entry(
        &state.ctx,
        &OsKeyring,
        &launcher,
        client_app(&client)?,
        &PathBuf::from(path),
        &entry_path,
    )
    .await;
    crate::background::refresh(&app).await;
    Ok(outcome?)
}

/// Routes every local entry of one app through Gatehouse.
#[tauri::command]
pub async fn wire_client_app<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    client: String,
) -> Result<Vec<FileOutcome>, IpcError> {
    let launcher = launcher(&state)?;
    let outcomes = clients::wire_clients(
        &state.ctx,
        &OsKeyring,
        &launcher,
        &[client_app(&client)?],
        &[],
    )
    .await;
    crate::background::refresh(&app).await;
    failed_files(outcomes?)
}

/// Gives one app back its entries as they were before Gatehouse routed them.
#[tauri::command]
pub async fn unwire_client_app<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    client: String,
) -> Result<Vec<FileOutcome>, IpcError> {
    let outcomes =
        clients::unwire_clients(&state.ctx, &OsKeyring, &[client_app(&client)?], &[], None).await;
    crate::background::refresh(&app).await;
    failed_files(outcomes?)
}

/// The app named `name` (`cursor`, `vscode`, …), or an `invalid_input` error.
pub(crate) fn client_app(name: &str) -> Result<ClientApp, IpcError> {
    ClientApp::from_name(name).ok_or_else(|| IpcError {
        code: ErrorCode::InvalidInput,
        message: format!("`{name}` is not a client app Gatehouse knows"),
    })
}

/// The outcomes, or the files that could not be changed as one error a person can read
/// (those files were left exactly as they were).
fn failed_files(outcomes: Vec<FileOutcome>) -> Result<Vec<FileOutcome>, IpcError> {
    let problems: Vec<String> = outcomes
        .iter()
        .flat_map(|outcome| outcome.errors.iter().cloned())
        .collect();
    if problems.is_empty() {
        Ok(outcomes)
    } else {
        Err(IpcError {
            code: ErrorCode::ClientApps,
            message: format!("left unchanged: {}", problems.join("; ")),
        })
    }
}
