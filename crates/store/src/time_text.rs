//! Times as stored text: RFC 3339 in UTC with a fixed width.
//!
//! The database compares and orders these strings (`audit(since)`, `next_attempt_at <= now`,
//! "oldest first"), which is only right when every string has the same shape: a variable
//! number of fraction digits would sort `…00Z` after `…00.5Z`. So the store always writes
//! nine fraction digits and a `Z`.

use time::format_description::BorrowedFormatItem;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

use crate::error::{Error, Result};

const STORED: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:9]Z");

/// Formats `at` (any offset) as the stored UTC text.
pub(crate) fn to_text(at: OffsetDateTime) -> Result<String> {
    let utc = at.to_offset(UtcOffset::UTC);
    // Years outside 0..=9999 are not RFC 3339 and would break the fixed width.
    if !(0..=9999).contains(&utc.year()) {
        return Err(out_of_range(at));
    }
    utc.format(STORED).map_err(|_| out_of_range(at))
}

/// Parses stored (or any RFC 3339) text back to a UTC time.
pub(crate) fn from_text(table: &'static str, text: &str) -> Result<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339)
        .map(|at| at.to_offset(UtcOffset::UTC))
        .map_err(|error| Error::InvalidRow {
            table,
            detail: format!("time `{text}`: {error}"),
        })
}

fn out_of_range(at: OffsetDateTime) -> Error {
    Error::OutOfRange {
        what: "time",
        value: at.to_string(),
    }
}

/// Serde adapter for `AuditEvent::time`: RFC 3339, always in UTC (the B2 wire form).
pub(crate) mod rfc3339_utc {
    use serde::{Deserialize, Deserializer, Serializer, de, ser};
    use time::format_description::well_known::Rfc3339;
    use time::{OffsetDateTime, UtcOffset};

    pub(crate) fn serialize<S: Serializer>(
        at: &OffsetDateTime,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let text = at
            .to_offset(UtcOffset::UTC)
            .format(&Rfc3339)
            .map_err(ser::Error::custom)?;
        serializer.serialize_str(&text)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<OffsetDateTime, D::Error> {
        let text = String::deserialize(deserializer)?;
        OffsetDateTime::parse(&text, &Rfc3339)
            .map(|at| at.to_offset(UtcOffset::UTC))
            .map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn stored_text_is_fixed_width_utc_and_round_trips() {
        let at = datetime!(2026-11-20 12:00:00.5 +02:00);
        let text = to_text(at).unwrap();
        assert_eq!(text, "2026-11-20T10:00:00.500000000Z");
        assert_eq!(
            from_text("t", &text).unwrap(),
            at,
            "same instant after a round trip"
        );
    }

    #[test]
    fn string_order_is_time_order() {
        let whole = to_text(datetime!(2026-01-01 00:00:00 UTC)).unwrap();
        let half = to_text(datetime!(2026-01-01 00:00:00.5 UTC)).unwrap();
        assert!(whole < half, "`{whole}` must sort before `{half}`");
    }

    #[test]
    fn years_beyond_rfc3339_are_refused() {
        let far = datetime!(2026-01-01 00:00 UTC).replace_year(-1).unwrap();
        assert!(matches!(to_text(far), Err(Error::OutOfRange { .. })));
    }

    #[test]
    fn bad_stored_text_is_an_invalid_row() {
        assert!(matches!(
            from_text("audit_events", "yesterday"),
            Err(Error::InvalidRow {
                table: "audit_events",
                ..
            })
        ));
    }
}
