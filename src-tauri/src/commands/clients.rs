//! The client apps Gatehouse manages: their entries, and routing them through Gatehouse
//! (or giving back the originals).

use std::path::PathBuf;

use gatehouse_core::ClientApp;
use gatehouse_core::clients::{self, ClientFileView, FileOutcome, ProjectFolder};
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

/// Routes every local entry of one app through Gatehouse: in its own settings file, or,
/// with `project`, in that project's file of the app.
#[tauri::command]
pub async fn wire_client_app<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    client: String,
    project: Option<String>,
) -> Result<Vec<FileOutcome>, IpcError> {
    let launcher = launcher(&state)?;
    let projects = known_project(&state, project).await?;
    let outcomes = clients::wire_clients(
        &state.ctx,
        &OsKeyring,
        &launcher,
        &[client_app(&client)?],
        &projects,
    )
    .await;
    crate::background::refresh(&app).await;
    failed_files(outcomes?)
}

/// Gives one app back its entries as they were before Gatehouse routed them (with
/// `project`, only those in that project's file).
#[tauri::command]
pub async fn unwire_client_app<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    client: String,
    project: Option<String>,
) -> Result<Vec<FileOutcome>, IpcError> {
    let projects = known_project(&state, project).await?;
    let outcomes = clients::unwire_clients(
        &state.ctx,
        &OsKeyring,
        &[client_app(&client)?],
        &projects,
        None,
    )
    .await;
    crate::background::refresh(&app).await;
    failed_files(outcomes?)
}

/// The project folders whose configs Gatehouse reads: those the apps remember and those
/// the person added.
#[tauri::command]
pub async fn list_project_folders(
    state: State<'_, AppState>,
) -> Result<Vec<ProjectFolder>, IpcError> {
    Ok(clients::project_folders(&state.ctx, &[]).await?)
}

/// Adds a folder whose project configs Gatehouse reads and watches.
#[tauri::command]
pub async fn add_project_folder(state: State<'_, AppState>, path: String) -> Result<(), IpcError> {
    Ok(clients::add_project_folder(&state.ctx, &PathBuf::from(path.trim())).await?)
}

/// Stops reading a folder the person added.
#[tauri::command]
pub async fn remove_project_folder(
    state: State<'_, AppState>,
    path: String,
) -> Result<(), IpcError> {
    Ok(clients::remove_project_folder(&state.ctx, &PathBuf::from(path)).await?)
}

/// `project` as a folder list for wiring, when it is one Gatehouse knows: the window must
/// not be able to have any folder on the disk rewritten.
async fn known_project(
    state: &State<'_, AppState>,
    project: Option<String>,
) -> Result<Vec<PathBuf>, IpcError> {
    let Some(project) = project else {
        return Ok(Vec::new());
    };
    let project = PathBuf::from(project);
    let known = clients::project_folders(&state.ctx, &[]).await?;
    if known.iter().any(|folder| folder.path == project) {
        Ok(vec![project])
    } else {
        Err(IpcError {
            code: ErrorCode::InvalidInput,
            message: format!("`{}` is not a project Gatehouse knows", project.display()),
        })
    }
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
