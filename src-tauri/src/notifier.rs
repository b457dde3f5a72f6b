//! Desktop notifications from the app. Unlike the command line's, these carry a default
//! action: clicking one opens the main window on the server it is about (where the
//! platform's notification server supports actions; elsewhere it is a plain notice).

use gatehouse_core::ports::{Notification, Notifier};
use tauri::{AppHandle, Emitter, Runtime};

/// The event the UI listens to for "show this server".
pub const OPEN_SERVER_EVENT: &str = "gatehouse://open-server";

/// Shows notifications and routes their clicks to the main window.
#[derive(Debug)]
pub struct AppNotifier<R: Runtime> {
    app: AppHandle<R>,
}

impl<R: Runtime> AppNotifier<R> {
    pub fn new(app: AppHandle<R>) -> Self {
        AppNotifier { app }
    }
}

impl<R: Runtime> Notifier for AppNotifier<R> {
    fn notify(&self, notification: &Notification) {
        let app = self.app.clone();
        let notification = notification.clone();
        // Showing talks D-Bus and waiting for the click blocks until the notice closes: a
        // thread of its own, so neither holds up a sync.
        let spawned = std::thread::Builder::new()
            .name("notification".to_owned())
            .spawn(move || show(&app, &notification));
        if let Err(error) = spawned {
            eprintln!("gatehouse: could not show a notification: {error}");
        }
    }
}

fn show<R: Runtime>(app: &AppHandle<R>, notification: &Notification) {
    let mut notice = notify_rust::Notification::new();
    notice
        .appname("Gatehouse")
        .summary(&notification.title)
        .body(&notification.body)
        .action("default", "Show in Gatehouse");
    let handle = match notice.show() {
        Ok(handle) => handle,
        Err(error) => {
            eprintln!(
                "gatehouse: could not show a notification about `{}`: {error}",
                notification.server_id
            );
            return;
        }
    };
    #[cfg(all(unix, not(target_os = "macos")))]
    handle.wait_for_action(|action| {
        if action == "default" {
            crate::show_main_window(app);
            let _ = app.emit(OPEN_SERVER_EVENT, notification.server_id.clone());
        }
    });
    #[cfg(not(all(unix, not(target_os = "macos"))))]
    let _ = (handle, app);
}
