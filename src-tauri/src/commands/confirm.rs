//! The confirmation window's two commands: read the request, answer it.

use gatehouse_desktop::confirm::{ANSWER_WITHIN, Answer};
use tauri::{AppHandle, Runtime, State};

use crate::confirm_window;
use crate::ipc::{ConfirmAnswer, ConfirmView, ErrorCode, IpcError};
use crate::state::AppState;

/// The request shown in confirmation window `number`.
#[tauri::command]
pub fn confirm_request(state: State<'_, AppState>, number: u64) -> Result<ConfirmView, IpcError> {
    let (request, waited) = state.request(number).ok_or_else(|| IpcError {
        code: ErrorCode::NotFound,
        message: "this question was already answered or has timed out".to_owned(),
    })?;
    Ok(ConfirmView {
        number,
        server_id: request.server_id,
        name: request.name,
        version: request.version,
        reasons: request.reasons,
        seconds_left: u32::try_from(ANSWER_WITHIN.saturating_sub(waited).as_secs()).unwrap_or(0),
    })
}

/// The person's answer; closes the window.
#[tauri::command]
pub fn confirm_answer<R: Runtime>(
    app: AppHandle<R>,
    number: u64,
    answer: ConfirmAnswer,
) -> Result<(), IpcError> {
    let answer = match answer {
        ConfirmAnswer::RunOnce => Answer::RunOnce,
        ConfirmAnswer::Always => Answer::Always,
        ConfirmAnswer::DontRun => Answer::Declined,
    };
    if confirm_window::finish(&app, number, answer) {
        Ok(())
    } else {
        Err(IpcError {
            code: ErrorCode::NotFound,
            message: "this question had already timed out, so the server was not started"
                .to_owned(),
        })
    }
}
