//! The port through which a session reports what the caller should audit or show. Calls are
//! synchronous and made from inside the proxy: an implementation should only record or
//! queue (e.g. push onto a channel), never block.

use std::fmt;

/// Something the caller should know about a running session.
pub trait SessionEvents {
    /// Pinned tools whose definitions differ from the approved ones (`tools_changed`).
    fn tools_changed(&self, tools: &[String]);

    /// The names of the tools in a `tools/list` result, as the server sent them (one call
    /// per result page).
    fn tools_listed(&self, tools: &[String]) {
        let _ = tools;
    }

    /// Tools seen for the first time for this launch, now pinned.
    fn tools_pinned(&self, tools: &[String]) {
        let _ = tools;
    }

    /// Unchanged tools whose pins, of an older form or kept under an older key, were
    /// carried over to the current form (once per tool).
    fn tools_repinned(&self, tools: &[String]) {
        let _ = tools;
    }

    /// A problem that does not end the session by itself.
    fn warning(&self, warning: &SessionWarning) {
        let _ = warning;
    }
}

/// A no-op sink, for callers that do not listen.
impl SessionEvents for () {
    fn tools_changed(&self, _tools: &[String]) {}
}

/// Problems a session meets that are worth recording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionWarning {
    /// A response the proxy had to inspect was longer than the line limit: forwarded as is,
    /// unchecked.
    LineTooLong {
        /// `client` or `server`: who sent it.
        from: &'static str,
        /// The limit in bytes.
        limit: usize,
    },
    /// A `tools/list` response the proxy could not read (not JSON, no `tools` array):
    /// forwarded as is, the client cannot use it either.
    UnreadableToolsList,
    /// A server line that is not JSON the proxy can read arrived while an `initialize` or
    /// `tools/list` response was awaited: forwarded as is, unchecked (a client with a more
    /// lenient parser might still accept it).
    UnreadableServerLine,
    /// Some listed tools have no name and could not be pinned.
    UnnamedTools(usize),
    /// The `initialize` response could not carry the warnings (not a successful response
    /// with an object `result`); it was forwarded as is.
    InjectionSkipped,
    /// The pin store failed; the message is the store's own.
    PinStore(String),
}

impl fmt::Display for SessionWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::LineTooLong { from, limit } => write!(
                f,
                "a message from the {from} longer than {limit} bytes was forwarded unchecked"
            ),
            Self::UnreadableToolsList => {
                f.write_str("a tools/list response could not be read and was forwarded unchecked")
            }
            Self::UnreadableServerLine => f.write_str(
                "a server message that is not valid JSON was forwarded unchecked while a \
                 response to inspect was awaited",
            ),
            Self::UnnamedTools(n) => write!(f, "{n} listed tools have no name and were not pinned"),
            Self::InjectionSkipped => {
                f.write_str("the initialize response could not carry the policy warnings")
            }
            Self::PinStore(message) => {
                write!(f, "the tool pins could not be read or saved: {message}")
            }
        }
    }
}
