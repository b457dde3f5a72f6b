//! Joining an organization from the window: the link the app was opened with (or one the
//! person pastes) is shown as "Join <org>?" with its fingerprint; joining signs in, pins
//! the key and syncs at once.

use gatehouse_core::Sensitive;
use gatehouse_core::settings::{self, Credentials, Enrollment};
use gatehouse_core::sync::{Delivery, PolicyOutcome};
use gatehouse_desktop::keyring::OsKeyring;
use tauri::{AppHandle, Runtime, State};

use crate::ipc::{EnrollOfferView, EnrollSignIn, IpcError, SyncDone};
use crate::state::AppState;

/// The link the app was opened with and has not shown yet, if any. Taken once.
#[tauri::command]
pub fn pending_enrollment(state: State<'_, AppState>) -> Option<String> {
    state.take_link()
}

/// What joining with `link` would do, after the hub's key was checked against it.
#[tauri::command]
pub async fn enroll_offer(
    state: State<'_, AppState>,
    link: String,
) -> Result<EnrollOfferView, IpcError> {
    let offer = settings::offer(&state.ctx, Enrollment::parse(&link)?).await?;
    Ok(EnrollOfferView::of(&offer))
}

/// Joins with `link`: checks the key again, signs in, changes the settings, then syncs.
#[tauri::command]
pub async fn enroll_join<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    link: String,
    sign_in: EnrollSignIn,
) -> Result<SyncDone, IpcError> {
    let ctx = &state.ctx;
    let offer = settings::offer(ctx, Enrollment::parse(&link)?).await?;
    let credentials = match sign_in {
        EnrollSignIn::Token { token } => Credentials::Token(Sensitive::new(token)),
        EnrollSignIn::Password { username, password } => Credentials::Password {
            username,
            password: Sensitive::new(password),
        },
    };
    settings::join(ctx, &OsKeyring, &offer, credentials).await?;
    let outcome = crate::background::sync_once(&app, Delivery::All).await;
    let outcome = match outcome {
        Ok(Some(outcome)) => outcome,
        Ok(None) => {
            return Err(gatehouse_core::Error::HubNotConfigured("hub-url").into());
        }
        Err(error) => {
            crate::background::refresh(&app).await;
            return Err(error.into());
        }
    };
    Ok(SyncDone {
        message: format!(
            "{}'s policy arrived and is in force.",
            offer.enrollment.organization
        ),
        serial: match outcome.policy {
            PolicyOutcome::Stored { serial } => Some(serial),
            PolicyOutcome::Unchanged { serial } => serial,
        },
        stored: matches!(outcome.policy, PolicyOutcome::Stored { .. }),
    })
}
