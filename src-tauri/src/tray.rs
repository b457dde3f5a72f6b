//! The tray icon and its menu.

use tauri::image::Image;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Runtime};

const TRAY_ID: &str = "gatehouse";

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
}

/// The menu entries, so that a click is matched by type rather than by a string literal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrayAction {
    Open,
    SyncNow,
    Quit,
}

impl TrayAction {
    const ALL: [TrayAction; 3] = [TrayAction::Open, TrayAction::SyncNow, TrayAction::Quit];

    fn id(self) -> &'static str {
        match self {
            TrayAction::Open => "open",
            TrayAction::SyncNow => "sync-now",
            TrayAction::Quit => "quit",
        }
    }

    fn label(self) -> &'static str {
        match self {
            TrayAction::Open => "Open Gatehouse",
            TrayAction::SyncNow => "Sync now",
            TrayAction::Quit => "Quit",
        }
    }

    fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|action| action.id() == id)
    }
}

/// Creates the tray icon with its menu.
pub fn install<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    let status = MenuItem::with_id(app, "status", "Not connected to a hub", false, None::<&str>)?;
    let open = item(app, TrayAction::Open)?;
    // Disabled until a hub is configured: there is nothing to sync from.
    let sync = MenuItem::with_id(
        app,
        TrayAction::SyncNow.id(),
        TrayAction::SyncNow.label(),
        false,
        None::<&str>,
    )?;
    let quit = item(app, TrayAction::Quit)?;
    let separator = PredefinedMenuItem::separator(app)?;
    let menu = Menu::with_items(app, &[&status, &separator, &open, &sync, &separator, &quit])?;
    TrayIconBuilder::with_id(TRAY_ID)
        .icon(TrayState::Normal.icon()?)
        .tooltip("Gatehouse")
        .menu(&menu)
        .on_menu_event(
            |app, event| match TrayAction::from_id(event.id().as_ref()) {
                Some(TrayAction::Open) => crate::show_main_window(app),
                Some(TrayAction::Quit) => app.exit(0),
                // "Sync now" stays disabled while no hub is configured; the status line is inert.
                Some(TrayAction::SyncNow) | None => {}
            },
        )
        .build(app)?;
    Ok(())
}

/// Switches the tray icon to the look of `state`.
pub fn set_state<R: Runtime>(app: &AppHandle<R>, state: TrayState) -> tauri::Result<()> {
    if let Some(tray) = app.tray_by_id(TRAY_ID) {
        tray.set_icon(Some(state.icon()?))?;
    }
    Ok(())
}

fn item<R: Runtime>(app: &AppHandle<R>, action: TrayAction) -> tauri::Result<MenuItem<R>> {
    MenuItem::with_id(app, action.id(), action.label(), true, None::<&str>)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_round_trips_through_its_id() {
        for action in TrayAction::ALL {
            assert_eq!(
                TrayAction::from_id(action.id()),
                Some(action),
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
}
