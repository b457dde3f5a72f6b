//! A launch the policy refused reaches the person, not only a log: every request of the
//! client app for a few seconds is answered with a JSON-RPC error that says why (so the
//! app shows it instead of "Connection closed", in either MCP era: the handshake's
//! `initialize`, or a 2026-07-28 `server/discover` or first call; never -32601, which the
//! Python SDK's auto mode reads as "older server"), and a desktop notification names the
//! server and the app that tried to start it (shown by the tray app when it runs).

use std::io::{BufRead, Write};
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use gatehouse_core::ClientApp;
use gatehouse_core::ports::{Notification, Notifier};
use gatehouse_desktop::confirm::relay_notice;
use gatehouse_desktop::notifier::DesktopNotifier;

/// The JSON-RPC error code of a launch Gatehouse refused: in the range JSON-RPC leaves to
/// implementations (-32000 to -32099), away from the codes MCP itself uses.
const REFUSED_CODE: i64 = gatehouse_core::launch::POLICY_REFUSED_CODE;

/// How long requests are answered with the refusal before the launcher exits.
const ANSWER_FOR: Duration = Duration::from_secs(5);

/// Tells the client app why `id` did not start, and the person too when `notify`: through
/// the tray app listening on `socket` when it runs (a click on its notice opens the window
/// on the server), else with a notice of the launcher's own.
pub(super) async fn tell(
    id: &str,
    client: Option<ClientApp>,
    message: &str,
    notify: bool,
    socket: Option<&Path>,
) {
    if notify {
        // The first sentence of the report ("Your organization requires …"), not its
        // "Error: policy violation" heading.
        let first_line = message
            .lines()
            .map(str::trim)
            .find(|line| line.ends_with('.'))
            .or_else(|| message.lines().next())
            .unwrap_or(message)
            .trim();
        let title = match client {
            Some(app) => format!("{} tried to start {id}", app.label()),
            None => format!("{id} was not started"),
        };
        let notification = Notification {
            title,
            body: format!("{first_line} Open Gatehouse to see why."),
            server_id: id.to_owned(),
        };
        let relayed = match socket {
            Some(socket) => relay_notice(socket, &notification).await,
            None => false,
        };
        if !relayed {
            DesktopNotifier::default().notify(&notification);
        }
    }
    answer_requests(message);
}

/// Answers every request on stdin with the refusal, for up to [`ANSWER_FOR`] or until
/// the client closes stdin: a client that probes (`server/discover`, then `initialize`)
/// gets the reason each time rather than a closed pipe.
fn answer_requests(message: &str) {
    let (sender, receiver) = mpsc::channel();
    // Reading stdin cannot be given a time limit; a thread that may outlive the wait can.
    let reader = std::thread::Builder::new()
        .name("requests".to_owned())
        .spawn(move || {
            for line in std::io::stdin().lock().lines() {
                let Ok(line) = line else { break };
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
    if reader.is_err() {
        return;
    }
    let deadline = Instant::now() + ANSWER_FOR;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        // Closed stdin ends the wait at once; so does the deadline.
        let Ok(line) = receiver.recv_timeout(left) else {
            return;
        };
        if let Some(answer) = refusal_for(&line, message) {
            let mut stdout = std::io::stdout().lock();
            if writeln!(stdout, "{answer}")
                .and_then(|()| stdout.flush())
                .is_err()
            {
                return;
            }
        }
    }
}

/// The error response to the request `line`, when it is a request (it has an id).
fn refusal_for(line: &str, message: &str) -> Option<String> {
    let request: serde_json::Value = serde_json::from_str(line.trim()).ok()?;
    let id = request.get("id").filter(|id| !id.is_null())?;
    Some(
        serde_json::json!({
            "jsonrpc": "2.0",
            "id": id,
            "error": {"code": REFUSED_CODE, "message": message.trim_end()},
        })
        .to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_of_either_era_gets_the_reason_and_a_notification_gets_none() {
        for first in [
            r#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{}}"#,
            r#"{"jsonrpc":"2.0","id":"a","method":"server/discover","params":{}}"#,
        ] {
            let answer: serde_json::Value =
                serde_json::from_str(&refusal_for(first, "blocked: revoked").unwrap()).unwrap();
            assert_eq!(answer["error"]["code"], REFUSED_CODE);
            assert_eq!(answer["error"]["message"], "blocked: revoked");
            assert_eq!(
                answer["id"],
                serde_json::from_str::<serde_json::Value>(first).unwrap()["id"]
            );
        }
        assert_eq!(
            refusal_for(
                r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
                "x"
            ),
            None
        );
        assert_eq!(refusal_for("not json", "x"), None);
    }
}
