//! The connection: status, and Sync now.

use gatehouse_core::ports::Clock;
use gatehouse_core::sync::{self, Delivery, PolicyOutcome, Status};
use tauri::{AppHandle, Runtime, State};

use crate::background;
use crate::ipc::{IpcError, SyncDone};
use crate::state::AppState;

/// The hub, the snapshot in force, the last sync.
#[tauri::command]
pub async fn status(state: State<'_, AppState>) -> Result<Status, IpcError> {
    Ok(sync::status(&state.ctx, state.ctx.clock.now()).await?)
}

/// Fetches the policy now and delivers every waiting activity record.
#[tauri::command]
pub async fn sync_now<R: Runtime>(app: AppHandle<R>) -> Result<SyncDone, IpcError> {
    let outcome = background::sync_once(&app, Delivery::All).await;
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(error) => {
            background::refresh(&app).await;
            return Err(error.into());
        }
    };
    Ok(match outcome {
        None => SyncDone {
            message: "No hub is configured: set one in Settings.".to_owned(),
            serial: None,
            stored: false,
        },
        Some(outcome) => SyncDone {
            message: background::outcome_words(&outcome),
            serial: match outcome.policy {
                PolicyOutcome::Stored { serial } => Some(serial),
                PolicyOutcome::Unchanged { serial } => serial,
            },
            stored: matches!(outcome.policy, PolicyOutcome::Stored { .. }),
        },
    })
}
