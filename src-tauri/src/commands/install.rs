//! The install view: search the organization's catalog, then install with progress and
//! give the chosen client apps an entry.

use gatehouse_core::ClientApp;
use gatehouse_core::install::{self, CatalogSearch, InstallOutcome, InstallRequest, InstallStep};
use gatehouse_core::settings;
use gatehouse_desktop::keyring::OsKeyring;
use tauri::{AppHandle, Emitter, Runtime, State};

use crate::commands::clients::client_app;
use crate::commands::launcher;
use crate::ipc::{ClientAppChoice, InstallDone, InstallProgress, IpcError};
use crate::state::AppState;

/// The event carrying install progress to the UI.
pub const INSTALL_PROGRESS_EVENT: &str = "gatehouse://install-progress";

/// Catalog entries matching `query`, with their badges and verdicts. Offline, the signed
/// catalog of the last sync answers, and `problem` says why.
#[tauri::command]
pub async fn search_catalog(
    state: State<'_, AppState>,
    query: String,
) -> Result<CatalogSearch, IpcError> {
    let ctx = &state.ctx;
    let client = settings::configured_client(ctx, &OsKeyring)
        .await
        .map(|(client, _)| client)
        .map_err(|error| error.to_string());
    Ok(install::search(ctx, client.as_ref().map_err(Clone::clone), &query).await?)
}

/// The client apps an installed server can be added to, those found on this computer first.
#[tauri::command]
pub fn client_app_choices(state: State<'_, AppState>) -> Vec<ClientAppChoice> {
    let found = state.ctx.env.clients().files(&[]);
    let mut choices: Vec<ClientAppChoice> = ClientApp::ALL
        .into_iter()
        .map(|app| ClientAppChoice {
            name: app,
            label: app.label().to_owned(),
            found: found.iter().any(|(found, _)| *found == app),
        })
        .collect();
    choices.sort_by_key(|choice| !choice.found);
    choices
}

/// Installs `package` from the registry and adds it to `clients`. Progress arrives as
/// [`INSTALL_PROGRESS_EVENT`] events; a policy refusal is an outcome, not an error.
#[tauri::command]
pub async fn install_server<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    package: String,
    clients: Vec<String>,
) -> Result<InstallDone, IpcError> {
    let apps = clients
        .iter()
        .map(|name| client_app(name))
        .collect::<Result<Vec<_>, _>>()?;
    let gatehouse = if apps.is_empty() {
        String::new()
    } else {
        launcher(&state)?
    };
    let ctx = &state.ctx;
    let (registry, _) = settings::configured_registry_client(ctx, &OsKeyring).await?;
    let packages = settings::packages_client()?;
    let emitter = app.clone();
    let asked = package.clone();
    let progress = move |step: InstallStep| {
        let event = InstallProgress {
            package: asked.clone(),
            step,
        };
        if let Err(error) = emitter.emit(INSTALL_PROGRESS_EVENT, event) {
            tracing::warn!("could not report install progress: {error}");
        }
    };
    let outcome = install::install_into_apps(
        ctx,
        install::InstallFrom::Registry {
            registry: &registry,
            packages: &packages,
        },
        &OsKeyring,
        &InstallRequest { package },
        &gatehouse,
        &apps,
        &progress,
    )
    .await;
    crate::background::refresh(&app).await;
    Ok(match outcome? {
        InstallOutcome::Installed(installed) => InstallDone {
            installed: true,
            id: Some(installed.server.id.clone()),
            version: installed.server.version.clone(),
            message: format!("{} is installed.", installed.server.id),
            warnings: installed.warnings.clone(),
            added_to: installed.added_to.iter().map(|(app, _)| *app).collect(),
        },
        InstallOutcome::Blocked { message } => InstallDone {
            installed: false,
            id: None,
            version: None,
            message,
            warnings: Vec::new(),
            added_to: Vec::new(),
        },
    })
}
