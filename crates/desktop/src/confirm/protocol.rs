//! The two lines exchanged on the confirmation socket, as JSON.

use serde::{Deserialize, Serialize};

use gatehouse_core::ports::{ConfirmRequest, Confirmation, Notification};

/// What the launcher sends: one JSON object on one line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestLine {
    /// The protocol version; an app that does not know it answers nothing and closes.
    pub v: u32,
    pub server_id: String,
    pub name: String,
    pub version: Option<String>,
    pub reasons: Vec<String>,
    /// Who wants to start it, in words ("Claude Desktop"), when the launcher could tell.
    /// A label for the person, never a permission: any process may claim any name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_by: Option<String>,
}

/// The protocol version this build speaks.
pub const VERSION: u32 = 1;

impl RequestLine {
    pub fn from_request(request: &ConfirmRequest, requested_by: Option<String>) -> RequestLine {
        RequestLine {
            v: VERSION,
            server_id: request.server_id.clone(),
            name: request.name.clone(),
            version: request.version.clone(),
            reasons: request.reasons.clone(),
            requested_by,
        }
    }

    /// The request, and who asked.
    pub fn into_request(self) -> (ConfirmRequest, Option<String>) {
        (
            ConfirmRequest {
                server_id: self.server_id,
                name: self.name,
                version: self.version,
                reasons: self.reasons,
            },
            self.requested_by,
        )
    }
}

/// What a second start of the app sends to the one running, instead of starting another
/// tray app: show the window, and the enrollment link it was started with, if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenLine {
    pub v: u32,
    pub open: OpenWhat,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenWhat {
    /// A `gatehouse://enroll?…` link to show.
    pub link: Option<String>,
}

/// The running app's answer to an [`OpenLine`].
pub const OPENED: &str = "{\"opened\":true}";

/// What a launcher sends when it refused a launch: the running app shows the notice, and
/// a click on it opens the window on that server. The launcher's own notice could not do
/// that: the launcher has exited by the time anyone clicks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeLine {
    pub v: u32,
    pub notice: NoticeWhat,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeWhat {
    pub title: String,
    pub body: String,
    pub server_id: String,
}

impl NoticeWhat {
    pub fn of(notification: &Notification) -> NoticeWhat {
        NoticeWhat {
            title: notification.title.clone(),
            body: notification.body.clone(),
            server_id: notification.server_id.clone(),
        }
    }

    pub fn into_notification(self) -> Notification {
        Notification {
            title: self.title,
            body: self.body,
            server_id: self.server_id,
        }
    }
}

/// The running app's answer to a [`NoticeLine`]: it showed the notice.
pub const SHOWN: &str = "{\"shown\":true}";

/// What the app answers: one JSON object on one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "answer")]
pub enum Answer {
    RunOnce,
    Always,
    Declined,
}

impl Answer {
    pub fn into_confirmation(self) -> Confirmation {
        match self {
            Answer::RunOnce => Confirmation::RunOnce,
            Answer::Always => Confirmation::Always,
            Answer::Declined => Confirmation::Declined,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_have_a_stable_wire_form() {
        assert_eq!(
            serde_json::to_string(&Answer::RunOnce).unwrap_or_default(),
            r#"{"answer":"run_once"}"#,
            "older launchers parse exactly this"
        );
        assert!(
            serde_json::from_str::<Answer>(r#"{"answer":"yes"}"#).is_err(),
            "an unknown answer is not read as consent"
        );
    }
}
