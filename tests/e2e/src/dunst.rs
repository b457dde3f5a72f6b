//! What the notification daemon (dunst, under `make test`) received.

use std::process::Command;
use std::time::{Duration, Instant};

fn dunstctl(args: &[&str]) -> String {
    let output = Command::new("dunstctl")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("dunstctl runs: {e}"));
    assert!(
        output.status.success(),
        "dunstctl {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The summaries (titles) of the notifications dunst received that mention `name`, once
/// there are `expected` of them or after `within`: the shown ones are closed first so that
/// every one is in the history, and a queued one may take a moment to be shown.
pub fn notifications_about(name: &str, expected: usize, within: Duration) -> Vec<String> {
    let deadline = Instant::now() + within;
    loop {
        let titles = history(name);
        if titles.len() >= expected || Instant::now() >= deadline {
            return titles;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn history(name: &str) -> Vec<String> {
    entries(name)
        .iter()
        .filter_map(|entry| entry["summary"]["data"].as_str())
        .map(str::to_owned)
        .collect()
}

/// The entries of dunst's history whose summary mentions `name`, after closing the shown ones.
fn entries(name: &str) -> Vec<serde_json::Value> {
    dunstctl(&["close-all"]);
    let text = dunstctl(&["history"]);
    let history: serde_json::Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("dunstctl history is JSON: {e}: {text}"));
    history["data"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|group| group.as_array().into_iter().flatten())
        .filter(|entry| {
            entry["summary"]["data"]
                .as_str()
                .is_some_and(|summary| summary.contains(name))
        })
        .cloned()
        .collect()
}

/// The summaries of the notifications about `name` that a click acts on: they carry a
/// default action, as the tray app's do (a launcher's own notice has none).
pub fn clickable_notifications_about(name: &str) -> Vec<String> {
    entries(name)
        .iter()
        .filter(|entry| {
            entry["default_action_name"]["data"]
                .as_str()
                .is_some_and(|action| !action.is_empty())
        })
        .filter_map(|entry| entry["summary"]["data"].as_str())
        .map(str::to_owned)
        .collect()
}

/// How many notifications dunst shows on screen now (not waiting, not in the history).
pub fn displayed_notifications() -> usize {
    let text = dunstctl(&["count", "displayed"]);
    text.trim()
        .parse()
        .unwrap_or_else(|e| panic!("dunstctl count displayed is a number: {e}: {text}"))
}

/// Closes every notification on screen (they go to the history).
pub fn close_notifications() {
    dunstctl(&["close-all"]);
}

/// Clicks the notification at `position` among those on screen (0 is the oldest) the way a
/// person would: dunst invokes its "default" action and sends `ActionInvoked` to the app
/// that showed it. Only a notification still on screen can be clicked; one in the history
/// cannot, and closing it ends the app's wait for the click.
pub fn click_notification(position: u32) {
    dunstctl(&["action", &position.to_string()]);
}
