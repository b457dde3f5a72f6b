//! The Gatehouse tray app: windows, tray, and the thin commands the web UI calls.
//!
//! This is the only crate that depends on tauri. Commands convert their input, call one
//! function of `gatehouse-core` and convert its error into an [`ipc::IpcError`]; no decision
//! is made here.

pub mod background;
pub mod commands;
pub mod confirm_window;
pub mod ipc;
pub mod notifier;
pub mod state;
pub mod tray;
pub mod updates;

use std::process::ExitCode;

use gatehouse_core::context::{Environment, Platform, Program};
use tauri::Manager;

/// Registers every command the UI may call. Shared by [`run`] and the tests (which pass
/// tauri's mock builder), so the tests exercise the command list the real app registers.
pub fn with_commands<R: tauri::Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder.invoke_handler(tauri::generate_handler![
        commands::app::app_info,
        commands::servers::list_servers,
        commands::servers::check_server,
        commands::servers::remove_server,
        commands::servers::use_verified_copy,
        commands::install::search_catalog,
        commands::install::client_app_choices,
        commands::install::install_server,
        commands::clients::list_clients,
        commands::clients::route_entry,
        commands::clients::wire_client_app,
        commands::clients::unwire_client_app,
        commands::clients::list_project_folders,
        commands::clients::add_project_folder,
        commands::clients::remove_project_folder,
        commands::policy::policy_view,
        commands::policy::preview_policy,
        commands::activity::activity,
        commands::activity::export_activity,
        commands::hub::status,
        commands::hub::sync_now,
        commands::settings::settings,
        commands::settings::set_setting,
        commands::settings::sign_in,
        commands::settings::sign_out,
        commands::settings::set_start_at_login,
        commands::confirm::confirm_request,
        commands::confirm::confirm_answer,
    ])
}

/// Starts the tray app and blocks until it quits.
pub fn run() -> ExitCode {
    let env = Environment::new(Platform::current(), std::env::vars_os()).on_host(
        gatehouse_desktop::host::name(),
        gatehouse_desktop::host::os_name(),
    );
    let env = match std::env::current_exe() {
        Ok(exe) => env.running(Program::App, exe),
        Err(_) => env,
    };
    // Even a data directory that cannot be found must not lose why the app stopped.
    let log_dir = env
        .data_dir()
        .unwrap_or_else(|_| std::env::temp_dir().join("gatehouse"));
    gatehouse_desktop::logs::init(&log_dir, gatehouse_desktop::logs::LogOf::App, None);
    let ctx = match tauri::async_runtime::block_on(gatehouse_core::Context::from_environment(env)) {
        Ok(ctx) => ctx,
        Err(error) => {
            tracing::error!("the app could not open its data: {error}");
            return ExitCode::FAILURE;
        }
    };
    let result = with_commands(tauri::Builder::default())
        .plugin(tauri_plugin_updater::Builder::new().build())
        .manage(state::AppState::new(ctx))
        .setup(|app| {
            tray::install(app.handle())?;
            confirm_window::start(app.handle());
            background::start(app.handle());
            background::watch_client_configs(app.handle());
            updates::start(app.handle());
            Ok(())
        })
        .on_window_event(|window, event| match event {
            // Closing the main window hides it: the app lives in the tray and keeps
            // enforcing. A confirmation window closes for real (and answers "Don't run").
            tauri::WindowEvent::CloseRequested { api, .. } if window.label() == "main" => {
                api.prevent_close();
                if let Err(error) = window.hide() {
                    tracing::warn!("could not hide the window: {error}");
                }
            }
            tauri::WindowEvent::Destroyed => {
                confirm_window::on_destroyed(window.app_handle(), window.label());
            }
            _ => {}
        })
        .run(tauri::generate_context!());
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("the app could not start: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Shows and focuses the main window (from the tray, or when a second launch is attempted).
fn show_main_window<R: tauri::Runtime>(app: &tauri::AppHandle<R>) {
    if let Some(window) = app.get_webview_window("main") {
        let shown = window
            .show()
            .and_then(|()| window.unminimize())
            .and_then(|()| window.set_focus());
        if let Err(error) = shown {
            tracing::warn!("could not show the window: {error}");
        }
    }
}
