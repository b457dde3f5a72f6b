//! Asking the person in the tray app to confirm a `warn` verdict, for a launcher started by
//! a client app (which has no terminal). The launcher connects to a local socket the app
//! listens on, sends one request line and waits for one answer line (DESIGN.md, "The launch
//! path", step 3). Nobody listening means nobody can be asked: the launch is refused.
//!
//! The socket's place is a pure function of the environment (core's `context::socket_path`).
//! The socket is owner-only (mode 0600 in a 0700 directory) and the app also checks that a
//! connecting process runs as the same user, so another account on the machine can neither
//! answer for the user nor flood them with windows.

mod listener;
mod notice;
mod open;
mod prompter;
mod protocol;

pub use listener::{ConfirmListener, Incoming, PendingConfirm};
pub use notice::relay_notice;
pub use open::hand_over;
pub use prompter::SocketPrompter;
pub use protocol::{Answer, RequestLine};

use std::time::Duration;

/// How long the window waits for an answer before it counts as "Don't run".
pub const ANSWER_WITHIN: Duration = Duration::from_secs(60);

/// How long the launcher waits for the app's answer: a little longer than the window, so
/// the window's own timeout (which the person sees counting down) decides.
pub const LAUNCHER_WAITS: Duration = Duration::from_secs(75);
