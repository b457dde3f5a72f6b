//! The tray icon and its menu: the status line, the servers with their verdicts, Sync now,
//! Open Gatehouse and Quit. The icon shows attention while a server is blocked or a
//! confirmation waits, and offline while the policy is stale.

use gatehouse_core::Verdict;
use tauri::image::Image;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager, Runtime};

const TRAY_ID: &str = "gatehouse";
/// More servers than this are summarised in one line; the window lists them all.
const SERVERS_SHOWN: usize = 12;

/// The tray's look. Attention: something is blocked or waiting; offline: the policy is stale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrayState {
    Normal,
    Attention,
    Offline,
}

impl TrayState {
    fn icon(self) -> tauri::Result<Image<'static>> {
        let bytes: &'static [u8] = match self {
            TrayState::Normal => include_bytes!("../../icons/tray-normal.png"),
            TrayState::Attention => include_bytes!("../../icons/tray-attention.png"),
            TrayState::Offline => include_bytes!("../../icons/tray-offline.png"),
        };
        Image::from_bytes(bytes)
    }

    /// Stale policy wins over attention: a stale policy is what the person must fix first.
    pub fn from(status: &TrayStatus, attention: bool) -> TrayState {
        match status {
            TrayStatus::Offline { stale: true, .. } => TrayState::Offline,
            _ if attention => TrayState::Attention,
            _ => TrayState::Normal,
        }
    }
}

/// The connection, as the status line says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrayStatus {
    NotConnected,
    Connected {
        serial: Option<u64>,
    },
    /// The last sync failed or the policy is stale; `age_secs` is how long ago the hub last
    /// vouched for the policy in force.
    Offline {
        age_secs: Option<i64>,
        stale: bool,
    },
}

impl TrayStatus {
    pub fn line(&self) -> String {
        match self {
            TrayStatus::NotConnected => "Not connected to a hub".to_owned(),
            TrayStatus::Connected { .. } => "Connected — policy up to date".to_owned(),
            TrayStatus::Offline {
                age_secs: Some(age),
                ..
            } => {
                format!("Offline — enforcing policy from {} ago", age_words(*age))
            }
            TrayStatus::Offline { age_secs: None, .. } => {
                "Offline — no policy from the hub yet".to_owned()
            }
        }
    }
}

/// "3 minutes", "2 days": the largest whole unit, as the window's header says it (the
/// window and the tray must not tell the same time two ways).
fn age_words(seconds: i64) -> String {
    for (size, unit) in [(86_400, "day"), (3_600, "hour"), (60, "minute")] {
        if seconds >= size {
            let n = seconds / size;
            return format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
        }
    }
    if seconds < 10 {
        "a few seconds".to_owned()
    } else {
        format!("{seconds} seconds")
    }
}

/// A server as the tray lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrayServer {
    pub id: String,
    pub name: String,
    pub verdict: Verdict,
}

impl TrayServer {
    fn line(&self) -> String {
        let verdict = match self.verdict {
            Verdict::Allow => "✓ Allowed",
            Verdict::Warn => "? Asks first",
            Verdict::Block => "✕ Blocked",
        };
        format!("{} — {verdict}", self.id)
    }
}

/// The menu entries, so that a click is matched by type rather than by a string literal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrayAction {
    Open,
    SyncNow,
    Quit,
    /// Open the main window on this server.
    Server(String),
    /// Install the new version the update feed offers (`updates: notify`).
    InstallUpdate,
}

impl TrayAction {
    const FIXED: [TrayAction; 3] = [TrayAction::Open, TrayAction::SyncNow, TrayAction::Quit];
    const SERVER_PREFIX: &'static str = "server:";

    fn id(&self) -> String {
        match self {
            TrayAction::Open => "open".to_owned(),
            TrayAction::SyncNow => "sync-now".to_owned(),
            TrayAction::Quit => "quit".to_owned(),
            TrayAction::Server(id) => format!("{}{id}", Self::SERVER_PREFIX),
            TrayAction::InstallUpdate => "install-update".to_owned(),
        }
    }

    fn label(&self) -> &'static str {
        match self {
            TrayAction::Open => "Open Gatehouse",
            TrayAction::SyncNow => "Sync now",
            TrayAction::Quit => "Quit",
            TrayAction::Server(_) | TrayAction::InstallUpdate => "",
        }
    }

    fn from_id(id: &str) -> Option<Self> {
        if let Some(server) = id.strip_prefix(Self::SERVER_PREFIX) {
            return Some(TrayAction::Server(server.to_owned()));
        }
        if id == TrayAction::InstallUpdate.id() {
            return Some(TrayAction::InstallUpdate);
        }
        Self::FIXED.into_iter().find(|action| action.id() == id)
    }
}

/// Creates the tray icon; [`update`] fills in its menu.
pub fn install<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    let menu = menu(app, &TrayStatus::NotConnected, &[])?;
    TrayIconBuilder::with_id(TRAY_ID)
        .icon(TrayState::Normal.icon()?)
        .tooltip("Gatehouse")
        .menu(&menu)
        .on_menu_event(
            |app, event| match TrayAction::from_id(event.id().as_ref()) {
                Some(TrayAction::Open) => crate::show_main_window(app, None),
                Some(TrayAction::Quit) => app.exit(0),
                Some(TrayAction::SyncNow) => {
                    app.state::<crate::state::AppState>()
                        .sync_requested
                        .notify_one();
                }
                Some(TrayAction::Server(id)) => crate::show_main_window(app, Some(id)),
                Some(TrayAction::InstallUpdate) => crate::updates::install_offered(app),
                None => {}
            },
        )
        .build(app)?;
    Ok(())
}

/// Rebuilds the menu and sets the icon.
pub fn update<R: Runtime>(
    app: &AppHandle<R>,
    status: &TrayStatus,
    servers: &[TrayServer],
    attention: bool,
) -> tauri::Result<()> {
    if let Some(tray) = app.tray_by_id(TRAY_ID) {
        tray.set_menu(Some(menu(app, status, servers)?))?;
        tray.set_icon(Some(TrayState::from(status, attention).icon()?))?;
        tray.set_tooltip(Some(format!("Gatehouse — {}", status.line())))?;
    }
    Ok(())
}

fn menu<R: Runtime>(
    app: &AppHandle<R>,
    status: &TrayStatus,
    servers: &[TrayServer],
) -> tauri::Result<Menu<R>> {
    let menu = Menu::new(app)?;
    menu.append(&MenuItem::with_id(
        app,
        "status",
        status.line(),
        false,
        None::<&str>,
    )?)?;
    menu.append(&PredefinedMenuItem::separator(app)?)?;
    for server in servers.iter().take(SERVERS_SHOWN) {
        let action = TrayAction::Server(server.id.clone());
        menu.append(&MenuItem::with_id(
            app,
            action.id(),
            server.line(),
            true,
            None::<&str>,
        )?)?;
    }
    if servers.len() > SERVERS_SHOWN {
        let more = format!("…and {} more", servers.len() - SERVERS_SHOWN);
        menu.append(&MenuItem::with_id(app, "more", more, false, None::<&str>)?)?;
    }
    if !servers.is_empty() {
        menu.append(&PredefinedMenuItem::separator(app)?)?;
    }
    if let Some(version) = crate::updates::offered_version(app) {
        menu.append(&MenuItem::with_id(
            app,
            TrayAction::InstallUpdate.id(),
            format!("Install Gatehouse {version}"),
            true,
            None::<&str>,
        )?)?;
        menu.append(&PredefinedMenuItem::separator(app)?)?;
    }
    let hub_configured = *status != TrayStatus::NotConnected;
    for action in TrayAction::FIXED {
        if action == TrayAction::Quit {
            menu.append(&PredefinedMenuItem::separator(app)?)?;
        }
        // Nothing to sync from without a hub.
        let enabled = action != TrayAction::SyncNow || hub_configured;
        menu.append(&MenuItem::with_id(
            app,
            action.id(),
            action.label(),
            enabled,
            None::<&str>,
        )?)?;
    }
    Ok(menu)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_round_trips_through_its_id() {
        let mut actions = TrayAction::FIXED.to_vec();
        actions.push(TrayAction::Server("@acme/notes".to_owned()));
        actions.push(TrayAction::InstallUpdate);
        for action in actions {
            assert_eq!(
                TrayAction::from_id(&action.id()),
                Some(action.clone()),
                "menu clicks are matched by id"
            );
        }
        assert_eq!(
            TrayAction::from_id("status"),
            None,
            "the status line is not an action"
        );
    }

    #[test]
    fn every_tray_icon_decodes() {
        for state in [TrayState::Normal, TrayState::Attention, TrayState::Offline] {
            assert!(state.icon().is_ok(), "{state:?} icon must be a valid PNG");
        }
    }

    #[test]
    fn the_icon_follows_staleness_then_attention() {
        let stale = TrayStatus::Offline {
            age_secs: Some(2 * 3600 + 59),
            stale: true,
        };
        assert_eq!(TrayState::from(&stale, true), TrayState::Offline);
        let fine = TrayStatus::Connected { serial: Some(3) };
        assert_eq!(TrayState::from(&fine, true), TrayState::Attention);
        assert_eq!(TrayState::from(&fine, false), TrayState::Normal);
        assert_eq!(
            stale.line(),
            "Offline — enforcing policy from 2 hours ago",
            "in the words the window uses, never a UTC time"
        );
    }
}
