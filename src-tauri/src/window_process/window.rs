//! The window process's side: reads the resident's lines from stdin and shows what they
//! ask for; writes acknowledgements, answers and "changed" to stdout (nothing else of this
//! process writes there: its log goes to its file).

use std::io::Write as _;

use gatehouse_desktop::confirm::{Answer, PendingConfirm};
use tauri::{AppHandle, Runtime};
use tokio::io::{AsyncBufReadExt as _, BufReader};

use super::{Down, DownLine, Up, line};

/// Tells the resident `up`. A resident that went away is not an error here: the windows
/// stay until the person closes them.
pub fn tell(up: &Up) {
    let Some(text) = line(up) else {
        return;
    };
    // Held for the whole line, so lines from different tasks never interleave.
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

/// Serves the resident's lines until it closes stdin, then ends.
pub fn serve<R: Runtime>(app: &AppHandle<R>) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let mut lines = BufReader::new(tokio::io::stdin()).lines();
        while let Ok(Some(text)) = lines.next_line().await {
            match serde_json::from_str::<DownLine>(&text) {
                Ok(DownLine { seq, down }) => {
                    act(&app, down);
                    tell(&Up::Done { seq });
                }
                Err(error) => tracing::warn!("the tray app sent something unknown: {error}"),
            }
        }
        // The tray app quit (or ended): its windows go with it. A question left open
        // could not be answered anyway: the launcher asked the tray app.
        app.exit(0);
    });
}

fn act<R: Runtime>(app: &AppHandle<R>, down: Down) {
    match down {
        Down::Show { server } => crate::show_main_window(app, server),
        Down::Link { link } => crate::open_link(app, link),
        Down::Confirm { number, request } => {
            let (request, requested_by) = request.into_request();
            let (pending, answer) = PendingConfirm::new(request, requested_by);
            crate::confirm_window::open(app, pending);
            tauri::async_runtime::spawn(async move {
                // A window closed without a choice drops the request: "Don't run".
                let answer = answer.await.unwrap_or(Answer::Declined);
                tell(&Up::Answer { number, answer });
            });
        }
        Down::Changed => {
            let _ = tauri::Emitter::emit(app, crate::background::CHANGED_EVENT, ());
        }
    }
}
