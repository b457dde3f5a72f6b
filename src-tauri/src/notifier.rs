//! The app's desktop notifications: the desktop crate's notifier, whose click opens the
//! main window on the server the notification is about.

use gatehouse_desktop::notifier::DesktopNotifier;
use tauri::{AppHandle, Runtime};

/// The event the UI listens to for "show this server".
pub const OPEN_SERVER_EVENT: &str = "gatehouse://open-server";

/// A notifier whose notifications open `app`'s main window on their server when clicked.
pub fn app_notifier<R: Runtime>(app: &AppHandle<R>) -> DesktopNotifier {
    let app = app.clone();
    DesktopNotifier::with_click(move |server_id| {
        crate::show_main_window(&app, Some(server_id.to_owned()));
    })
}
