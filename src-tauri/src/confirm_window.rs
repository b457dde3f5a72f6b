//! The confirmation window for `warn` verdicts. The launcher asks over the local socket
//! (`gatehouse_desktop::confirm`); each request opens its own small window, which answers
//! through the `confirm_answer` command. No answer within `ANSWER_WITHIN`, or a closed
//! window, is "Don't run". The same socket brings second starts of the app and the notices
//! of launches that were refused.

use gatehouse_desktop::confirm::{
    ANSWER_WITHIN, Answer, ConfirmListener, Incoming, PendingConfirm, RequestLine,
};
use tauri::{AppHandle, Manager, Runtime, WebviewUrl, WebviewWindowBuilder};
use tokio::sync::mpsc;

use crate::state::AppState;
use crate::window_process::Down;

/// The label prefix of confirmation windows (their capability matches `confirm-*`).
pub const LABEL_PREFIX: &str = "confirm-";

/// Binds the socket and serves requests until the app quits. A socket that cannot be bound
/// is reported: launches that need a confirmation are then refused, as when the app is off.
pub fn start<R: Runtime>(app: &AppHandle<R>) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let path = match app.state::<AppState>().ctx.env.socket() {
            Ok(path) => path,
            Err(error) => {
                tracing::warn!("no place for the confirmation socket: {error}");
                return;
            }
        };
        let listener = match ConfirmListener::bind(&path).await {
            Ok(listener) => listener,
            Err(error) => {
                tracing::warn!("cannot listen for confirmations: {error}");
                return;
            }
        };
        let (send, mut requests) = mpsc::channel::<Incoming>(16);
        tauri::async_runtime::spawn(listener.serve(send));
        while let Some(incoming) = requests.recv().await {
            match incoming {
                Incoming::Confirm(pending) => open(&app, pending),
                Incoming::Open { link } => crate::open_link(&app, link),
                // A launch refused: shown by the app, so a click opens the window on it.
                Incoming::Notice(notification) => {
                    gatehouse_core::ports::Notifier::notify(
                        &crate::notifier::app_notifier(&app),
                        &notification,
                    );
                }
            }
        }
    });
}

/// Opens a confirmation window for `pending` (the resident has its window process do it).
pub fn open<R: Runtime>(app: &AppHandle<R>, pending: PendingConfirm) {
    if !crate::role_of(app).shows_windows() {
        forward(app, pending);
        return;
    }
    let state = app.state::<AppState>();
    let title = format!("Run {}?", pending.request.name);
    let number = state.hold(pending);
    let label = format!("{LABEL_PREFIX}{number}");
    let url = WebviewUrl::App(format!("index.html#/confirm/{number}").into());
    let built = WebviewWindowBuilder::new(app, &label, url)
        .title(title)
        .inner_size(560.0, 400.0)
        .min_inner_size(420.0, 320.0)
        .center()
        .always_on_top(true)
        .focused(true)
        .build();
    if let Err(error) = built {
        tracing::warn!("cannot open the confirmation window: {error}");
        state.answer(number, Answer::Declined);
        return;
    }
    crate::background::refresh_soon(app);
    // The person sees the countdown in the window; this makes it true even if the page
    // never loads.
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(ANSWER_WITHIN).await;
        finish(&app, number, Answer::Declined);
    });
}

/// The resident keeps the request (the tray shows that one waits) and has its window
/// process ask; no answer within `ANSWER_WITHIN` is "Don't run" here as there.
fn forward<R: Runtime>(app: &AppHandle<R>, pending: PendingConfirm) {
    let request = RequestLine::from_request(&pending.request, pending.requested_by.clone());
    let number = app.state::<AppState>().hold(pending);
    crate::window_process::resident::send(app, Down::Confirm { number, request });
    crate::background::refresh_soon(app);
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(ANSWER_WITHIN).await;
        if app.state::<AppState>().answer(number, Answer::Declined) {
            crate::background::refresh_soon(&app);
        }
    });
}

/// Answers request `number` (if still waiting) and closes its window.
pub fn finish<R: Runtime>(app: &AppHandle<R>, number: u64, answer: Answer) -> bool {
    let answered = app.state::<AppState>().answer(number, answer);
    if let Some(window) = app.get_webview_window(&format!("{LABEL_PREFIX}{number}")) {
        let _ = window.destroy();
    }
    if answered {
        crate::background::refresh_soon(app);
    }
    answered
}

/// A confirmation window closed by the person (or the system) counts as "Don't run".
pub fn on_destroyed<R: Runtime>(app: &AppHandle<R>, label: &str) {
    if let Some(number) = label
        .strip_prefix(LABEL_PREFIX)
        .and_then(|n| n.parse::<u64>().ok())
    {
        finish(app, number, Answer::Declined);
    }
}
