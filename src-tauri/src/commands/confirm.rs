//! The confirmation window's two commands: read the request, answer it.

use gatehouse_desktop::confirm::{ANSWER_WITHIN, Answer};
use tauri::{AppHandle, Runtime, State};

use crate::confirm_window;
use crate::ipc::{ConfirmAnswer, ConfirmView, ErrorCode, IpcError};
use crate::state::AppState;

/// The request shown in confirmation window `number`.
#[tauri::command]
pub async fn confirm_request(
    state: State<'_, AppState>,
    number: u64,
) -> Result<ConfirmView, IpcError> {
    let (request, requested_by, waited) = state.request(number).ok_or_else(|| IpcError {
        code: ErrorCode::NotFound,
        message: "this question was already answered or has timed out".to_owned(),
    })?;
    let install = state
        .ctx
        .store
        .install(&request.server_id)
        .await
        .map_err(gatehouse_core::Error::from)?;
    Ok(ConfirmView {
        number,
        server_id: request.server_id,
        name: request.name,
        version: request.version,
        reasons: request.reasons,
        seconds_left: u32::try_from(ANSWER_WITHIN.saturating_sub(waited).as_secs()).unwrap_or(0),
        requested_by,
        may_do: install.map(|install| may_do(&install.permissions)),
    })
}

/// The permissions a package's manifest declares, in words a person reads before saying
/// yes. Manifests vary, so a key this does not know is shown as it is rather than dropped.
pub fn may_do(permissions: &serde_json::Value) -> Vec<String> {
    use serde_json::Value;
    let Value::Object(map) = permissions else {
        return Vec::new();
    };
    let list = |value: &Value| -> Option<String> {
        let items: Vec<String> = value
            .as_array()?
            .iter()
            .map(|item| match item {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            })
            .collect();
        (!items.is_empty()).then(|| items.join(", "))
    };
    let mut lines = Vec::new();
    for (key, value) in map {
        if matches!(value, Value::Null | Value::Bool(false)) {
            continue;
        }
        let line = match (key.as_str(), value) {
            ("network", Value::Bool(true)) => "Connect to the internet".to_owned(),
            ("network", value) => match list(value) {
                Some(hosts) => format!("Connect to {hosts}"),
                None => format!("Connect to the network ({value})"),
            },
            ("filesystem", Value::Bool(true)) => "Read and change your files".to_owned(),
            ("filesystem", value) => match list(value) {
                Some(paths) => format!("Read and change files in {paths}"),
                None => format!("Use your files ({value})"),
            },
            ("environment", Value::Bool(true)) => "Read your environment settings".to_owned(),
            ("environment", value) => match list(value) {
                Some(names) => format!("Read these settings of yours: {names}"),
                None => format!("Read your environment settings ({value})"),
            },
            (other, value) => format!("{other}: {value}"),
        };
        lines.push(line);
    }
    lines
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

#[cfg(test)]
mod tests {
    use super::may_do;

    #[test]
    fn declared_permissions_read_as_sentences_and_unknown_ones_are_kept() {
        let lines = may_do(&serde_json::json!({
            "network": ["api.github.com"],
            "filesystem": true,
            "environment": ["GITHUB_TOKEN"],
            "clipboard": "read",
            "camera": false,
        }));
        assert_eq!(
            lines,
            [
                "clipboard: \"read\"",
                "Read these settings of yours: GITHUB_TOKEN",
                "Read and change your files",
                "Connect to api.github.com",
            ],
            "in key order; `false` means it may not, so it is left out"
        );
        assert!(may_do(&serde_json::Value::Null).is_empty());
    }
}
