//! Settings: the hub this device follows, signing in and out, start at login.

use gatehouse_core::autostart;
use gatehouse_core::config::{self, ConfigKey};
use gatehouse_core::keyring::OsKeyring;
use gatehouse_core::paths::Platform;
use gatehouse_core::ports::SecretStore;
use gatehouse_core::token::{self, TOKEN_VARIABLE};
use gatehouse_core::{Error, Sensitive};
use tauri::{AppHandle, Runtime, State};

use crate::ipc::{IpcError, SettingKey, SettingsView};
use crate::state::AppState;

/// The settings as the person reads them, with what managed settings lock.
#[tauri::command]
pub async fn settings(state: State<'_, AppState>) -> Result<SettingsView, IpcError> {
    let ctx = &state.ctx;
    let get = |key| config::get(ctx, key);
    let hub_keys = get(ConfigKey::HubKey).await?;
    let locked = SettingKey::ALL
        .into_iter()
        .filter(|key| ctx.managed.fixes(key.config_key()))
        .collect();
    let settings = ctx.hub_settings().await?;
    let token_from_environment = std::env::var(TOKEN_VARIABLE).is_ok_and(|t| !t.is_empty());
    // Unknown (None) when no hub is configured or the keyring cannot be asked.
    let signed_in = match token::account(&settings) {
        Ok(account) if !token_from_environment => {
            OsKeyring.get(&account).ok().map(|token| token.is_some())
        }
        Ok(_) => Some(true),
        Err(_) => None,
    };
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
        start_at_login: autostart::is_enabled(autostart_path().as_deref()),
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
    config::set(&state.ctx, key.config_key(), value.trim()).await?;
    crate::background::refresh(&app).await;
    Ok(())
}

/// Stores the hub token in the OS keyring.
#[tauri::command]
pub async fn sign_in(state: State<'_, AppState>, token: String) -> Result<(), IpcError> {
    let token = token.trim();
    if token.is_empty() {
        return Err(Error::Usage("paste the token your organization gave you".to_owned()).into());
    }
    let account = token::account(&state.ctx.hub_settings().await?)?;
    OsKeyring.set(&account, &Sensitive::new(token.to_owned()))?;
    Ok(())
}

/// Removes the hub token from the OS keyring.
#[tauri::command]
pub async fn sign_out(state: State<'_, AppState>) -> Result<(), IpcError> {
    let account = token::account(&state.ctx.hub_settings().await?)?;
    OsKeyring.delete(&account)?;
    Ok(())
}

/// Starts the tray app at login, or stops doing so.
#[tauri::command]
pub fn set_start_at_login(enabled: bool) -> Result<(), IpcError> {
    let app = std::env::current_exe().map_err(|source| Error::Io {
        path: std::path::PathBuf::from("gatehouse-app"),
        source,
    })?;
    autostart::set_enabled(
        Platform::current(),
        autostart_path().as_deref(),
        &app,
        enabled,
    )?;
    Ok(())
}

fn autostart_path() -> Option<std::path::PathBuf> {
    autostart::entry_path(Platform::current(), |name| std::env::var_os(name))
}
