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
pub mod role;
pub mod state;
pub mod tray;
pub mod updates;
pub mod window_process;

use std::process::ExitCode;

use gatehouse_core::context::{Environment, Platform, Program};
use role::Role;
use tauri::Manager;
use window_process::Down;

/// Registers every command the UI may call. Shared by [`run`] and the tests (which pass
/// tauri's mock builder), so the tests exercise the command list the real app registers.
pub fn with_commands<R: tauri::Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder.invoke_handler(tauri::generate_handler![
        commands::app::app_info,
        commands::servers::list_servers,
        commands::servers::check_server,
        commands::servers::remove_server,
        commands::servers::revoke_approvals,
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
        commands::enroll::pending_enrollment,
        commands::enroll::enroll_offer,
        commands::enroll::enroll_join,
        commands::confirm::confirm_request,
        commands::confirm::confirm_answer,
    ])
}

/// Starts the tray app (or, with `--window`, a window process of it) and blocks until it
/// quits.
pub fn run() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let env = Environment::new(Platform::current(), std::env::vars_os()).on_host(
        gatehouse_desktop::host::name(),
        gatehouse_desktop::host::os_name(),
    );
    let env = match std::env::current_exe() {
        Ok(exe) => env.running(Program::App, exe),
        Err(_) => env,
    };
    let role = Role::current(&args, &env);
    // Even a data directory that cannot be found must not lose why the app stopped.
    let log_dir = env
        .data_dir()
        .unwrap_or_else(|_| std::env::temp_dir().join("gatehouse"));
    let log_of = match role {
        Role::Window => gatehouse_desktop::logs::LogOf::Window,
        Role::Resident | Role::OneProcess => gatehouse_desktop::logs::LogOf::App,
    };
    gatehouse_desktop::logs::init(&log_dir, log_of, None);
    let start = Start::from_args(args.iter().cloned());
    // One tray app per person: a second start (the menu, an enrollment link opened while
    // the app runs) hands over to the running one and ends.
    if role != Role::Window
        && let Ok(socket) = env.socket()
        && tauri::async_runtime::block_on(gatehouse_desktop::confirm::hand_over(
            &socket,
            start.link.as_deref(),
        ))
    {
        tracing::info!("handed over to the Gatehouse app already running");
        return ExitCode::SUCCESS;
    }
    if role == Role::Resident {
        role::resident_without_gl(&env);
    }
    let ctx = match tauri::async_runtime::block_on(gatehouse_core::Context::from_environment(env)) {
        Ok(ctx) => ctx,
        Err(error) => {
            tracing::error!("the app could not open its data: {error}");
            return ExitCode::FAILURE;
        }
    };
    let state = state::AppState::new(ctx);
    if let Some(link) = start.link.clone() {
        state.keep_link(link);
    }
    let built = with_commands(tauri::Builder::default())
        .plugin(tauri_plugin_updater::Builder::new().build())
        .manage(state)
        .manage(role)
        .manage(window_process::resident::WindowLink::default())
        .setup(move |app| {
            let app = app.handle();
            if role == Role::Window {
                window_process::window::serve(app);
                return Ok(());
            }
            // Started at login: only the tray, until the person opens the window.
            if !start.hidden {
                open_link(app, start.link.clone());
            }
            tray::install(app)?;
            confirm_window::start(app);
            background::start(app);
            background::watch_client_configs(app);
            updates::start(app);
            Ok(())
        })
        // Closing the main window closes it for real, so its web view and the memory it
        // holds are given back; the app lives on in the tray (see the exit rule below) and
        // keeps enforcing. A confirmation window closing answers "Don't run".
        .on_window_event(|window, event| {
            if let tauri::WindowEvent::Destroyed = event {
                confirm_window::on_destroyed(window.app_handle(), window.label());
            }
        })
        .build(tauri::generate_context!());
    let app = match built {
        Ok(app) => app,
        Err(error) => {
            tracing::error!("the app could not start: {error}");
            return ExitCode::FAILURE;
        }
    };
    app.run(move |_, event| {
        // The last window closing is not quitting the tray app: only Quit in the tray menu
        // (which asks for an exit with a code) ends it. A window process ends with its last
        // window, and everything the web view held goes with it.
        if let tauri::RunEvent::ExitRequested {
            api, code: None, ..
        } = event
            && role != Role::Window
        {
            api.prevent_exit();
        }
    });
    ExitCode::SUCCESS
}

/// How the app was started: at login (`--hidden`: the tray only), or with an enrollment
/// link to show (the desktop passes it when a `gatehouse://` link is opened).
#[derive(Debug, Default)]
struct Start {
    hidden: bool,
    link: Option<String>,
}

impl Start {
    fn from_args(args: impl Iterator<Item = String>) -> Start {
        let mut start = Start::default();
        for arg in args {
            if arg == "--hidden" {
                start.hidden = true;
            } else if arg.starts_with(&format!("{}:", gatehouse_core::settings::LINK_SCHEME)) {
                start.link = Some(arg);
            }
        }
        start
    }
}

/// The label of the main window.
pub const MAIN_WINDOW: &str = "main";

/// Tells the main window an enrollment link waits for it (it takes it with
/// `pending_enrollment`).
pub const ENROLL_EVENT: &str = "gatehouse://enroll";

/// This process's role (a test's mock app, which manages none, has its windows itself).
pub(crate) fn role_of<R: tauri::Runtime>(app: &tauri::AppHandle<R>) -> Role {
    app.try_state::<Role>()
        .map_or(Role::OneProcess, |role| *role)
}

/// Shows and focuses the main window, making it when it was closed (from the tray, a
/// notification's click, or a second start of the app), on `server` when one is named.
/// The resident asks its window process.
fn show_main_window<R: tauri::Runtime>(app: &tauri::AppHandle<R>, server: Option<String>) {
    use tauri::Emitter as _;
    if !role_of(app).shows_windows() {
        window_process::resident::send(app, Down::Show { server });
        return;
    }
    if let Some(window) = app.get_webview_window(MAIN_WINDOW) {
        let shown = window
            .show()
            .and_then(|()| window.unminimize())
            .and_then(|()| window.set_focus());
        if let Err(error) = shown {
            tracing::warn!("could not show the window: {error}");
        }
        if let Some(server) = server {
            let _ = app.emit(notifier::OPEN_SERVER_EVENT, server);
        }
        return;
    }
    app.state::<state::AppState>().window_asked();
    // A new window's page is not listening yet: the server it opens on is in its address.
    let page = match server {
        Some(server) => format!("index.html#/server/{}", url_component(&server)),
        None => "index.html".to_owned(),
    };
    let built =
        tauri::WebviewWindowBuilder::new(app, MAIN_WINDOW, tauri::WebviewUrl::App(page.into()))
            .title("Gatehouse")
            .inner_size(1040.0, 720.0)
            .min_inner_size(560.0, 420.0)
            .focused(true)
            .build();
    if let Err(error) = built {
        tracing::warn!("could not open the window: {error}");
    }
}

/// `text` as one component of an address (what `decodeURIComponent` reads back).
fn url_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Shows the window with the enrollment link `link` waiting in it.
fn open_link<R: tauri::Runtime>(app: &tauri::AppHandle<R>, link: Option<String>) {
    use tauri::Emitter as _;
    if !role_of(app).shows_windows() {
        window_process::resident::send(app, Down::Link { link });
        return;
    }
    if let Some(link) = link {
        app.state::<state::AppState>().keep_link(link);
    }
    show_main_window(app, None);
    let _ = app.emit(ENROLL_EVENT, ());
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_server_id_is_one_address_component() {
        assert_eq!(super::url_component("@acme/notes"), "%40acme%2Fnotes");
        assert_eq!(super::url_component("a b#c"), "a%20b%23c");
        assert_eq!(super::url_component("plain-id_1.0~x"), "plain-id_1.0~x");
        assert_eq!(super::url_component("é"), "%C3%A9");
    }
}
