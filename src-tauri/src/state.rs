//! What the app keeps while it runs: the core context and the confirmations waiting for
//! the person. Handed to commands as tauri state; nothing here is global.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use gatehouse_core::Context;
use gatehouse_desktop::confirm::{Answer, PendingConfirm};
use tokio::sync::Notify;

/// The app's state.
#[derive(Debug)]
pub struct AppState {
    pub ctx: Context,
    confirms: Mutex<HashMap<u64, (PendingConfirm, Instant)>>,
    next_confirm: AtomicU64,
    /// Wakes the background task for a sync now (from the tray).
    pub sync_requested: Notify,
    /// One sync at a time, whoever asks.
    pub syncing: tokio::sync::Mutex<()>,
    /// A newer version the update feed offered and the person may install (`updates: notify`).
    pub offered_update: Mutex<Option<crate::updates::Offered>>,
    /// An enrollment link the app was opened with, until the window shows it.
    link: Mutex<Option<String>>,
    /// When a new main window was asked for, until its Servers view has its list.
    window_asked: Mutex<Option<Instant>>,
}

impl AppState {
    pub fn new(ctx: Context) -> AppState {
        AppState {
            ctx,
            confirms: Mutex::new(HashMap::new()),
            next_confirm: AtomicU64::new(1),
            sync_requested: Notify::new(),
            syncing: tokio::sync::Mutex::new(()),
            offered_update: Mutex::new(None),
            link: Mutex::new(None),
            window_asked: Mutex::new(None),
        }
    }

    /// Keeps a request until it is answered; returns its number (the window's label).
    pub fn hold(&self, pending: PendingConfirm) -> u64 {
        let number = self.next_confirm.fetch_add(1, Ordering::Relaxed);
        self.lock().insert(number, (pending, Instant::now()));
        number
    }

    /// The request waiting under `number`, without answering it: the request, who asked,
    /// and how long it has waited.
    pub fn request(
        &self,
        number: u64,
    ) -> Option<(
        gatehouse_core::ports::ConfirmRequest,
        Option<String>,
        std::time::Duration,
    )> {
        self.lock().get(&number).map(|(pending, held)| {
            (
                pending.request.clone(),
                pending.requested_by.clone(),
                held.elapsed(),
            )
        })
    }

    /// Answers request `number`; `false` when it was already answered or timed out.
    pub fn answer(&self, number: u64, answer: Answer) -> bool {
        let pending = self.lock().remove(&number);
        pending.is_some_and(|(pending, _)| pending.answer(answer))
    }

    /// Keeps `link` for the window (a newer one replaces it).
    pub fn keep_link(&self, link: String) {
        *self.link.lock().unwrap_or_else(PoisonError::into_inner) = Some(link);
    }

    /// The link kept for the window, once.
    pub fn take_link(&self) -> Option<String> {
        self.link
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }

    /// Notes that a new main window was asked for now.
    pub fn window_asked(&self) {
        *self
            .window_asked
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(Instant::now());
    }

    /// When a new main window was asked for, once.
    pub fn take_window_asked(&self) -> Option<Instant> {
        self.window_asked
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }

    /// How many requests wait for the person.
    pub fn waiting(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, (PendingConfirm, Instant)>> {
        self.confirms.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
