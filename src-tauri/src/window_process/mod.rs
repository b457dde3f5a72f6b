//! The resident and its window process talk over the window process's stdin and stdout,
//! one JSON object per line. The resident asks for windows ([`Down`]); the window process
//! says each line was done, answers confirmations and says when what the tray shows may
//! have changed ([`Up`]). See [`crate::role`] for why the window has a process of its own.

pub mod resident;
pub mod window;

use gatehouse_desktop::confirm::{Answer, RequestLine};
use serde::{Deserialize, Serialize};

/// What the resident asks of its window process.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Down {
    /// Show the main window, on this server if one is named.
    Show { server: Option<String> },
    /// Show the main window with this enrollment link waiting in it.
    Link { link: Option<String> },
    /// Ask the person: the resident's request `number`.
    Confirm { number: u64, request: RequestLine },
    /// What the windows show may have changed (a sync, a launch).
    Changed,
}

/// A [`Down`] with the number the window process acknowledges it by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DownLine {
    pub seq: u64,
    pub down: Down,
}

/// What the window process tells the resident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Up {
    /// Line `seq` was done: its window is on the screen.
    Done { seq: u64 },
    /// The person's answer to the resident's request `number`.
    Answer { number: u64, answer: Answer },
    /// The person changed something the tray shows (a sync, a setting, a removal).
    Changed,
}

fn line<T: Serialize>(value: &T) -> Option<String> {
    match serde_json::to_string(value) {
        Ok(mut text) => {
            text.push('\n');
            Some(text)
        }
        Err(error) => {
            tracing::warn!("could not write a line for the window process: {error}");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_reads_back_as_it_was_written() {
        let request = RequestLine {
            v: 1,
            server_id: "@acme/notes".to_owned(),
            name: "Notes".to_owned(),
            version: Some("1.2.0".to_owned()),
            reasons: vec!["Its score is below 60.".to_owned()],
            requested_by: Some("Cursor".to_owned()),
        };
        for down in [
            Down::Show { server: None },
            Down::Show {
                server: Some("@acme/notes".to_owned()),
            },
            Down::Link {
                link: Some("gatehouse://enroll?hub=x".to_owned()),
            },
            Down::Confirm {
                number: 7,
                request: request.clone(),
            },
            Down::Changed,
        ] {
            let written = DownLine { seq: 3, down };
            let text = line(&written).unwrap();
            assert!(text.ends_with('\n') && !text.trim_end().contains('\n'));
            let read: DownLine = serde_json::from_str(text.trim_end()).unwrap();
            assert_eq!(read, written);
        }
        for up in [
            Up::Done { seq: 4 },
            Up::Answer {
                number: 7,
                answer: Answer::Always,
            },
            Up::Changed,
        ] {
            let text = line(&up).unwrap();
            assert_eq!(serde_json::from_str::<Up>(text.trim_end()).unwrap(), up);
        }
    }
}
