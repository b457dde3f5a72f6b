//! Settings: the hub this device follows, signing in and out, start at login.

use gatehouse_core::settings::{self, ConfigKey};
use gatehouse_core::{Error, Sensitive};
use gatehouse_desktop::autostart;
use gatehouse_desktop::keyring::OsKeyring;
use tauri::{AppHandle, Runtime, State};

use crate::ipc::{IpcError, SettingKey, SettingsView};
use crate::state::AppState;

/// The settings as the person reads them, with what managed settings lock.
#[tauri::command]
pub async fn settings(state: State<'_, AppState>) -> Result<SettingsView, IpcError> {
    let ctx = &state.ctx;
    let get = |key| settings::get(ctx, key);
    let hub_keys = get(ConfigKey::HubKey).await?;
    let locked = SettingKey::ALL
        .into_iter()
        .filter(|key| ctx.managed.fixes(key.config_key()))
        .collect();
    let token_from_environment = ctx.env.hub_token().is_some();
    // Unknown (None) when no hub is configured or the keyring cannot be asked.
    let signed_in = settings::signed_in(ctx, &OsKeyring).await;
    Ok(SettingsView {
        hub_url: get(ConfigKey::HubUrl).await?,
        registry_url: get(ConfigKey::RegistryUrl).await?,
        organization: get(ConfigKey::Organization).await?,
        area: get(ConfigKey::Area).await?,
        hub_keys: hub_keys
            .map(|text| text.lines().map(str::to_owned).collect())
            .unwrap_or_default(),
        locked,
        signed_in,
        token_from_environment,
        start_at_login: autostart::is_enabled(autostart::entry_path(&ctx.env).as_deref()),
    })
}

/// Changes one setting (an empty value clears it). Refused for locked settings.
#[tauri::command]
pub async fn set_setting<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    key: SettingKey,
    value: String,
) -> Result<(), IpcError> {
    settings::change(&state.ctx, &OsKeyring, key.config_key(), value.trim()).await?;
    crate::background::refresh(&app).await;
    Ok(())
}

/// Stores the hub token in the OS keyring.
#[tauri::command]
pub async fn sign_in(state: State<'_, AppState>, token: String) -> Result<(), IpcError> {
    settings::sign_in(&state.ctx, &OsKeyring, &Sensitive::new(token)).await?;
    Ok(())
}

/// Removes the hub token from the OS keyring.
#[tauri::command]
pub async fn sign_out(state: State<'_, AppState>) -> Result<(), IpcError> {
    settings::sign_out(&state.ctx, &OsKeyring).await?;
    Ok(())
}

/// Starts the tray app at login, or stops doing so.
#[tauri::command]
pub fn set_start_at_login(state: State<'_, AppState>, enabled: bool) -> Result<(), IpcError> {
    let env = &state.ctx.env;
    let app = env.executable().ok_or_else(|| Error::Io {
        path: std::path::PathBuf::from("gatehouse-app"),
        source: std::io::Error::from(std::io::ErrorKind::NotFound),
    })?;
    autostart::set_enabled(
        env.platform(),
        autostart::entry_path(env).as_deref(),
        app,
        enabled,
    )?;
    Ok(())
}
