//! New versions of Gatehouse from the update feed (HUB_API.md B5), through Tauri's updater:
//! the feed is asked when the app starts and every few hours; what managed settings say
//! (`updates: auto | notify | off`) decides whether a newer version is installed or offered.
//!
//! Nothing is installed unless its signature verifies with the key built into this build
//! (`GATEHOUSE_UPDATE_PUBKEY` at build time: the `.pub` file `tauri signer generate` writes).
//! A build without one cannot update itself and says so in its log. The feed may be plain
//! HTTP only on loopback (the hub's and `update_url`'s rule); the signature is what protects
//! the download, whoever serves it.

use std::time::Duration;

use gatehouse_core::ports::{Notification, Notifier};
use gatehouse_core::settings::UpdateMode;
use gatehouse_core::settings::updates::{self, UpdateOutcome};
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_updater::{Update, UpdaterExt};

use crate::notifier::app_notifier;
use crate::state::AppState;

/// How often the feed is asked after the check at start.
const CHECK_EVERY: Duration = Duration::from_secs(6 * 60 * 60);

/// The public key updates must be signed with, built in.
fn update_key() -> Option<&'static str> {
    option_env!("GATEHOUSE_UPDATE_PUBKEY").filter(|key| !key.trim().is_empty())
}

/// Asks the feed now and then every [`CHECK_EVERY`], until the app quits.
pub fn start<R: Runtime>(app: &AppHandle<R>) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            if let Err(error) = check_once(&app).await {
                tracing::warn!("could not look for a new version of Gatehouse: {error}");
            }
            tokio::time::sleep(CHECK_EVERY).await;
        }
    });
}

async fn check_once<R: Runtime>(app: &AppHandle<R>) -> Result<(), String> {
    let state = app.state::<AppState>();
    let ctx = &state.ctx;
    let Some(feed) = updates::feed_url(ctx).await.map_err(|e| e.to_string())? else {
        return Ok(());
    };
    let Some(key) = update_key() else {
        tracing::info!(
            "this build of Gatehouse has no update key built in, so it cannot update itself"
        );
        return Ok(());
    };
    // The feed's URL keeps the updater's `{{…}}` placeholders, which `Url` leaves as they are.
    let url = tauri::Url::parse(&feed).map_err(|e| format!("the update feed `{feed}`: {e}"))?;
    gatehouse_core::install_crypto_provider();
    let updater = app
        .updater_builder()
        .pubkey(key)
        .endpoints(vec![url])
        .and_then(|builder| builder.build())
        .map_err(|e| e.to_string())?;
    let Some(update) = updater.check().await.map_err(|e| e.to_string())? else {
        return Ok(());
    };
    tracing::info!("Gatehouse {} is available", update.version);
    match ctx.managed.updates {
        UpdateMode::Auto => install(app, update).await,
        UpdateMode::Notify => {
            let already = offered_version(app).as_deref() == Some(update.version.as_str());
            if !already {
                app_notifier(app).notify(&Notification {
                    title: format!("Gatehouse {} is available", update.version),
                    body: format!(
                        "You have Gatehouse {}. To install the new version, choose \"Install Gatehouse {}\" in Gatehouse's tray menu; your computer asks for an administrator's password.",
                        gatehouse_core::VERSION,
                        update.version
                    ),
                    server_id: String::new(),
                });
            }
            *lock(&state.offered_update) = Some(Offered(update));
            crate::background::refresh(app).await;
        }
        UpdateMode::Off => {}
    }
    Ok(())
}

/// A newer version the feed offered, kept until the person installs it from the tray.
pub struct Offered(Update);

impl std::fmt::Debug for Offered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Offered").field(&self.0.version).finish()
    }
}

/// The version the feed offered that the person may install from the tray, if any.
pub fn offered_version<R: Runtime>(app: &AppHandle<R>) -> Option<String> {
    lock(&app.state::<AppState>().offered_update)
        .as_ref()
        .map(|offered| offered.0.version.clone())
}

/// Installs the offered version (the tray's "Install Gatehouse …").
pub fn install_offered<R: Runtime>(app: &AppHandle<R>) {
    let Some(Offered(update)) = lock(&app.state::<AppState>().offered_update).take() else {
        return;
    };
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        install(&app, update).await;
        crate::background::refresh(&app).await;
    });
}

fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Downloads `update`, checks its signature and installs it (the system asks for the
/// administrator's password); the outcome is audited either way.
async fn install<R: Runtime>(app: &AppHandle<R>, update: Update) {
    let state = app.state::<AppState>();
    let version = update.version.clone();
    // `download` checks the signature before it returns the bytes.
    let outcome = match update.download(|_, _| {}, || {}).await {
        Err(error) => UpdateOutcome::Refused(format!("the download was refused: {error}")),
        Ok(bytes) => {
            // Installing runs the system's package tool and waits for it.
            match tauri::async_runtime::spawn_blocking(move || update.install(bytes)).await {
                Ok(Ok(())) => UpdateOutcome::Installed,
                Ok(Err(error)) => UpdateOutcome::Refused(format!("installing failed: {error}")),
                Err(error) => UpdateOutcome::Refused(format!("installing failed: {error}")),
            }
        }
    };
    match &outcome {
        UpdateOutcome::Installed => {
            tracing::info!("Gatehouse {version} was installed");
            app_notifier(app).notify(&Notification {
                title: format!("Gatehouse {version} was installed"),
                body: "Client apps use it from their next server start; the tray app from its next start."
                    .to_owned(),
                server_id: String::new(),
            });
        }
        UpdateOutcome::Refused(why) => {
            tracing::warn!("Gatehouse {version} was not installed: {why}");
        }
    }
    if let Err(error) = updates::record(&state.ctx, &version, &outcome).await {
        tracing::warn!("could not audit the update: {error}");
    }
}
