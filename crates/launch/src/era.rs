//! Which era of MCP the client speaks (DESIGN.md "The launch path", point 5), read off its
//! requests, because what the proxy may send in-band depends on it:
//! - the handshake era (`initialize`, versions up to 2025-11-25): a `notifications/message`
//!   may follow the client's `notifications/initialized` at any time;
//! - the stateless era (2026-07-28: each request carries its protocol version in
//!   `params._meta`): a `notifications/message` may only precede the response to a request
//!   whose `_meta` asked for a log level at or below the message's, and nothing else.
//!
//! The proxy never translates between eras: client and server agree on one, and the
//! proxy follows whichever they use.

use std::sync::atomic::{AtomicU8, Ordering};

use crate::message::RawObject;

const PROTOCOL_VERSION: &str = "io.modelcontextprotocol/protocolVersion";
const LOG_LEVEL: &str = "io.modelcontextprotocol/logLevel";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Era {
    Unknown,
    Handshake,
    Stateless,
}

/// The era of one session, set by the client's first request that shows it.
#[derive(Debug, Default)]
pub(crate) struct EraCell(AtomicU8);

impl EraCell {
    pub(crate) fn get(&self) -> Era {
        match self.0.load(Ordering::Relaxed) {
            1 => Era::Handshake,
            2 => Era::Stateless,
            _ => Era::Unknown,
        }
    }

    fn set(&self, era: Era) {
        let value = match era {
            Era::Unknown => return,
            Era::Handshake => 1,
            Era::Stateless => 2,
        };
        // The first request to show an era fixes it, as servers do.
        let _ = self
            .0
            .compare_exchange(0, value, Ordering::Relaxed, Ordering::Relaxed);
    }
}

/// The levels of `notifications/message`, least severe first (RFC 5424's order).
const LEVELS: [&str; 8] = [
    "debug",
    "info",
    "notice",
    "warning",
    "error",
    "critical",
    "alert",
    "emergency",
];

/// The severity rank of `level`, or `None` for a name MCP does not define.
pub(crate) fn severity(level: &str) -> Option<usize> {
    LEVELS.iter().position(|known| *known == level)
}

/// Reads `request` (a request's object, with `method`), records its era in `era`, and
/// gives the least severe log level it asked to be told of (stateless era only), as a
/// [`severity`] rank.
pub(crate) fn read_request(request: &RawObject<'_>, method: &str, era: &EraCell) -> Option<usize> {
    if method == "initialize" {
        era.set(Era::Handshake);
        return None;
    }
    let meta = request
        .get("params")
        .and_then(|params| RawObject::parse_str(params.get()))
        .and_then(|params| params.get("_meta"))
        .and_then(|meta| RawObject::parse_str(meta.get()));
    let meta = meta?;
    if meta.get(PROTOCOL_VERSION).is_some() {
        era.set(Era::Stateless);
    }
    meta.get(LOG_LEVEL)
        .and_then(|level| serde_json::from_str::<&str>(level.get()).ok())
        .and_then(severity)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(line: &str, era: &EraCell) -> Option<usize> {
        let object = RawObject::parse_str(line).unwrap();
        let method: String = serde_json::from_str(object.get("method").unwrap().get()).unwrap();
        read_request(&object, &method, era)
    }

    #[test]
    fn the_first_request_that_shows_an_era_fixes_it() {
        let era = EraCell::default();
        read(r#"{"id":1,"method":"tools/list"}"#, &era);
        assert_eq!(era.get(), Era::Unknown, "a bare request shows nothing");
        read(
            r#"{"id":2,"method":"server/discover","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}"#,
            &era,
        );
        assert_eq!(era.get(), Era::Stateless);
        read(r#"{"id":3,"method":"initialize","params":{}}"#, &era);
        assert_eq!(
            era.get(),
            Era::Stateless,
            "a later fallback does not change it"
        );

        let era = EraCell::default();
        read(r#"{"id":1,"method":"initialize","params":{}}"#, &era);
        assert_eq!(era.get(), Era::Handshake);
    }

    #[test]
    fn a_requests_log_level_is_read_from_its_meta() {
        let era = EraCell::default();
        let meta = read(
            r#"{"id":1,"method":"tools/call","params":{"name":"x","_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/logLevel":"info"}}}"#,
            &era,
        );
        assert_eq!(meta, severity("info"));
        assert!(severity("info") < severity("warning"));
        let none = read(
            r#"{"id":2,"method":"tools/call","params":{"_meta":{"io.modelcontextprotocol/logLevel":"loud"}}}"#,
            &era,
        );
        assert_eq!(none, None, "an unknown level asks for nothing");
    }
}
