//! Desktop notifications as the [`Notifier`]: the freedesktop notification service over
//! D-Bus on Linux (pure Rust), the notification centre on macOS and Windows. A desktop
//! without a notification service must not stop a sync, so failures are only logged.
//!
//! The tray app's notifications carry a default action ([`DesktopNotifier::with_click`]):
//! clicking one calls back with the server it is about (where the platform's notification
//! server supports actions; elsewhere it is a plain notice).

use std::sync::Arc;

use gatehouse_core::ports::{Notification, Notifier};

/// The application name the notification service shows.
pub const APP_NAME: &str = "Gatehouse";

/// What a click on a notification does, given the server id it is about.
type OnClick = Arc<dyn Fn(&str) + Send + Sync>;

/// The platform's notification service.
#[derive(Clone, Default)]
pub struct DesktopNotifier {
    on_click: Option<OnClick>,
}

impl std::fmt::Debug for DesktopNotifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DesktopNotifier")
            .field("on_click", &self.on_click.is_some())
            .finish()
    }
}

impl DesktopNotifier {
    /// Notifications whose click calls `on_click` with the server id they are about.
    pub fn with_click(on_click: impl Fn(&str) + Send + Sync + 'static) -> DesktopNotifier {
        DesktopNotifier {
            on_click: Some(Arc::new(on_click)),
        }
    }
}

impl Notifier for DesktopNotifier {
    fn notify(&self, notification: &Notification) {
        let Some(on_click) = self.on_click.clone() else {
            show(notification, None);
            return;
        };
        let notification = notification.clone();
        // Showing talks D-Bus and waiting for the click blocks until the notice closes: a
        // thread of its own, so neither holds up a sync.
        let spawned = std::thread::Builder::new()
            .name("notification".to_owned())
            .spawn(move || show(&notification, Some(on_click)));
        if let Err(error) = spawned {
            tracing::warn!("could not show a notification: {error}");
        }
    }
}

fn show(notification: &Notification, on_click: Option<OnClick>) {
    let mut notice = notify_rust::Notification::new();
    notice
        .appname(APP_NAME)
        .summary(&notification.title)
        .body(&notification.body);
    if on_click.is_some() {
        notice.action("default", "Show in Gatehouse");
    }
    let handle = match notice.show() {
        Ok(handle) => handle,
        Err(error) => {
            tracing::warn!(
                "could not show a desktop notification about `{}`: {error}",
                notification.server_id
            );
            return;
        }
    };
    let Some(on_click) = on_click else {
        return;
    };
    #[cfg(all(unix, not(target_os = "macos")))]
    handle.wait_for_action(|action| {
        if action == "default" {
            on_click(&notification.server_id);
        }
    });
    #[cfg(not(all(unix, not(target_os = "macos"))))]
    let _ = (handle, on_click);
}
