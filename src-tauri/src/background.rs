//! The app's background work: syncing the policy on a schedule (with backoff after
//! failures) and keeping the tray's status, server list and icon current. The UI is told
//! when what it shows may have changed.

use std::time::Duration;

use gatehouse_core::ports::Clock;
use gatehouse_core::servers::list_servers;
use gatehouse_core::settings;
use gatehouse_core::sync::status;
use gatehouse_core::sync::{self, Delivery, PolicyOutcome, SyncOutcome};
use gatehouse_core::{HubClient, Verdict};
use gatehouse_desktop::keyring::OsKeyring;
use tauri::{AppHandle, Emitter, Manager, Runtime};

use crate::notifier::app_notifier;
use crate::role::Role;
use crate::state::AppState;
use crate::tray::{self, TrayServer, TrayStatus};
use crate::window_process::{Down, Up};

/// The event the UI listens to for "reload what you show".
pub const CHANGED_EVENT: &str = "gatehouse://changed";

/// How often the policy is fetched when all is well (the hub answers 304 when unchanged).
const SYNC_EVERY: Duration = Duration::from_secs(15 * 60);
/// How often the tray is refreshed (staleness, servers added from the command line).
const REFRESH_EVERY: Duration = Duration::from_secs(20);

/// Runs the schedule until the app quits.
pub fn start<R: Runtime>(app: &AppHandle<R>) {
    let app = app.clone();
    // On its own: comparing a large build with its copy must not hold up the first sync.
    let copy_app = app.clone();
    tauri::async_runtime::spawn(async move { refresh_launcher_copy(&copy_app).await });
    tauri::async_runtime::spawn(async move {
        let mut failures: u32 = 0;
        let mut next_sync = tokio::time::Instant::now();
        loop {
            let state = app.state::<AppState>();
            if tokio::time::Instant::now() >= next_sync {
                next_sync = tokio::time::Instant::now()
                    + match sync_once(&app, Delivery::Due).await {
                        Ok(Some(_)) | Ok(None) => {
                            failures = 0;
                            SYNC_EVERY
                        }
                        Err(_) => {
                            failures = failures.saturating_add(1);
                            sync::retry_after(failures)
                        }
                    };
            }
            refresh(&app).await;
            tokio::select! {
                () = tokio::time::sleep(REFRESH_EVERY) => {}
                () = state.sync_requested.notified() => {
                    next_sync = tokio::time::Instant::now();
                }
            }
        }
    });
}

/// A build run from a checkout: the copy of the launcher that wired entries call is brought
/// up to this build's (a rebuilt checkout would otherwise leave the entries on the old one).
/// Comparing the two files reads them whole, so it runs off the async threads.
async fn refresh_launcher_copy<R: Runtime>(app: &AppHandle<R>) {
    let app = app.clone();
    let refreshed = tauri::async_runtime::spawn_blocking(move || {
        gatehouse_core::clients::refresh_copy(&app.state::<AppState>().ctx)
    })
    .await;
    match refreshed {
        Ok(Ok(true)) => tracing::info!("the launcher copy that client apps call was refreshed"),
        Ok(Ok(false)) => {}
        Ok(Err(error)) => tracing::warn!("could not refresh the launcher copy: {error}"),
        Err(error) => tracing::warn!("could not refresh the launcher copy: {error}"),
    }
}

/// One sync, if a hub is configured (`Ok(None)` when none is). Notifies the person of
/// servers the new policy made worse, and refreshes the tray and the UI.
pub async fn sync_once<R: Runtime>(
    app: &AppHandle<R>,
    delivery: Delivery,
) -> gatehouse_core::Result<Option<SyncOutcome>> {
    let state = app.state::<AppState>();
    let ctx = &state.ctx;
    if !ctx.hub_settings().await?.hub_configured() {
        return Ok(None);
    }
    let _one_at_a_time = state.syncing.lock().await;
    let hub = hub_client(ctx).await?;
    let notifier = app_notifier(app);
    let outcome = sync::sync(ctx, &hub, ctx.clock.now(), delivery, &notifier).await;
    if outcome.is_ok() {
        // The upgrade's one-time work on servers registered before identity was bound to
        // code; what fails is tried at the next sync.
        let clients = settings::configured_registry_client(ctx, &OsKeyring)
            .await
            .and_then(|(registry, _)| Ok((registry, settings::packages_client()?)));
        let upgraded = match clients {
            Ok((registry, packages)) => {
                gatehouse_core::servers::finish_identity_upgrade(
                    ctx, &registry, &packages, &notifier,
                )
                .await
            }
            Err(error) => Err(error),
        };
        if let Err(error) = upgraded {
            tracing::warn!(
                "the servers registered before this version wait for the next sync: {error}"
            );
        }
    }
    refresh(app).await;
    outcome.map(Some)
}

/// The client for the configured hub, with the token in force (`GATEHOUSE_HUB_TOKEN`, else
/// the keyring's) and the request time limit of `GATEHOUSE_HUB_TIMEOUT_MS`.
pub async fn hub_client(ctx: &gatehouse_core::Context) -> gatehouse_core::Result<HubClient> {
    Ok(settings::configured_client(ctx, &OsKeyring).await?.0)
}

/// Watches the client apps' config files: an entry another tool adds is recorded and the
/// person is offered to route it through Gatehouse (DESIGN.md, client apps). The watcher
/// has its own connection to the store, as every Gatehouse process does.
pub fn watch_client_configs<R: Runtime>(app: &AppHandle<R>) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let env = app.state::<AppState>().ctx.env.clone();
        let ctx = match gatehouse_core::Context::from_environment(env).await {
            Ok(ctx) => ctx,
            Err(error) => {
                tracing::warn!("cannot watch client app settings: {error}");
                return;
            }
        };
        let notifier = std::sync::Arc::new(app_notifier(&app));
        match gatehouse_desktop::watch::watch_clients(std::sync::Arc::new(ctx), notifier).await {
            // Watching lasts as long as the app: the handle stops it when dropped.
            Ok(_watch) => std::future::pending::<()>().await,
            Err(error) => tracing::warn!("cannot watch client app settings: {error}"),
        }
    });
}

/// Re-reads the status and the servers, and updates the tray and the UI. A window process
/// has no tray: it tells the resident, whose refresh comes back to its windows.
pub async fn refresh<R: Runtime>(app: &AppHandle<R>) {
    let role = crate::role_of(app);
    if role == Role::Window {
        let _ = app.emit(CHANGED_EVENT, ());
        crate::window_process::window::tell(&Up::Changed);
        return;
    }
    let state = app.state::<AppState>();
    let ctx = &state.ctx;
    let tray_status = match status(ctx, ctx.clock.now()).await {
        Ok(status) if status.hub_url.is_none() => TrayStatus::NotConnected,
        Ok(status) if status.online && !status.stale => TrayStatus::Connected {
            serial: status.serial,
        },
        Ok(status) => TrayStatus::Offline {
            age_secs: status.age_secs,
            stale: status.stale,
        },
        Err(_) => TrayStatus::NotConnected,
    };
    let servers: Vec<TrayServer> = match list_servers(ctx).await {
        Ok(list) => list
            .into_iter()
            .map(|view| TrayServer {
                name: view.name.unwrap_or_else(|| view.id.clone()),
                id: view.id,
                verdict: view.verdict,
            })
            .collect(),
        // No usable policy: the tray says so through the status; no verdicts to show.
        Err(_) => Vec::new(),
    };
    let attention = state.waiting() > 0 || servers.iter().any(|s| s.verdict == Verdict::Block);
    if let Err(error) = tray::update(app, &tray_status, &servers, attention) {
        tracing::warn!("could not update the tray: {error}");
    }
    match role {
        Role::Resident => crate::window_process::resident::send(app, Down::Changed),
        Role::OneProcess | Role::Window => {
            let _ = app.emit(CHANGED_EVENT, ());
        }
    }
}

/// Refreshes without waiting (after a confirmation opened or closed).
pub fn refresh_soon<R: Runtime>(app: &AppHandle<R>) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move { refresh(&app).await });
}

/// What a finished sync did, in one sentence for the person.
pub fn outcome_words(outcome: &SyncOutcome) -> String {
    let policy = match outcome.policy {
        PolicyOutcome::Stored { serial } => {
            format!("A new policy (version {serial}) is now in force.")
        }
        PolicyOutcome::Unchanged {
            serial: Some(serial),
        } => {
            format!("The policy (version {serial}) is up to date.")
        }
        PolicyOutcome::Unchanged { serial: None } => "The policy is up to date.".to_owned(),
    };
    match &outcome.audit.error {
        Some(_) => format!(
            "{policy} {} activity records will be sent later.",
            outcome.audit.pending
        ),
        None => policy,
    }
}
