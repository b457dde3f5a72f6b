//! Desktop notifications as the [`Notifier`]: the freedesktop notification service over
//! D-Bus on Linux (pure Rust), the notification centre on macOS and Windows. A desktop
//! without a notification service must not stop a sync, so failures are only logged.

use crate::ports::{Notification, Notifier};

/// The application name the notification service shows.
pub const APP_NAME: &str = "Gatehouse";

/// The platform's notification service.
#[derive(Debug, Clone, Copy, Default)]
pub struct DesktopNotifier;

impl Notifier for DesktopNotifier {
    fn notify(&self, notification: &Notification) {
        let shown = notify_rust::Notification::new()
            .appname(APP_NAME)
            .summary(&notification.title)
            .body(&notification.body)
            .show();
        if let Err(error) = shown {
            eprintln!(
                "gatehouse: could not show a desktop notification about `{}`: {error}",
                notification.server_id
            );
        }
    }
}
