//! The hub's one clock read: RFC 3339 UTC text for `issued_at` and `received_at`.

use std::time::{SystemTime, UNIX_EPOCH};

use gatehouse_policy::Timestamp;

/// Now, e.g. `2026-11-20T10:00:00Z`.
pub(crate) fn now() -> Timestamp {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .unwrap_or(0);
    Timestamp(i64::try_from(seconds).unwrap_or(i64::MAX))
}

pub(crate) fn now_text() -> String {
    now().to_string()
}
