//! The Gatehouse tray app: windows, tray, and the thin commands the web UI calls.
//!
//! This is the only crate that depends on tauri. Commands convert their input, call one
//! function of `gatehouse-core` and convert its error into an [`ipc::IpcError`]; no decision
//! is made here.

pub mod commands;
pub mod ipc;
pub mod tray;

use std::process::ExitCode;

use tauri::Manager;

/// Registers every command the UI may call. Shared by [`run`] and the tests (which pass
/// tauri's mock builder), so the tests exercise the command list the real app registers.
pub fn with_commands<R: tauri::Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder.invoke_handler(tauri::generate_handler![commands::app::app_info])
}

/// Starts the tray app and blocks until it quits.
pub fn run() -> ExitCode {
    let result = with_commands(tauri::Builder::default())
        .setup(|app| {
            tray::install(app.handle())?;
            Ok(())
        })
        .on_window_event(|window, event| {
            // Closing the window hides it: the app lives in the tray and keeps enforcing.
            if let tauri::WindowEvent::CloseRequested { api, .. } = event {
                api.prevent_close();
                if let Err(error) = window.hide() {
                    eprintln!("gatehouse: could not hide the window: {error}");
                }
            }
        })
        .run(tauri::generate_context!());
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("gatehouse: the app could not start: {error}");
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
            eprintln!("gatehouse: could not show the window: {error}");
        }
    }
}
