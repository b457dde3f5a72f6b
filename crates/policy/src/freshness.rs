//! How old a hub snapshot may get before it is stale (`POLICY.md` section 4, check 8), and
//! the durations the bundle writes its `max_offline_age` in.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::mode::StaleMode;
use crate::time::Timestamp;

/// What the caller knows about the hub snapshot in force. Attach it to an effective policy
/// with [`crate::EffectivePolicy::with_freshness`]; without it there is no staleness check
/// (no hub configured).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Freshness {
    /// The time of the last verified answer from the hub (200 or 304).
    pub verified_at: Timestamp,
    /// How long the snapshot may be used without a verified answer, in seconds.
    pub max_offline_age_secs: i64,
    /// What a stale snapshot does.
    pub stale_mode: StaleMode,
}

impl Freshness {
    /// How long ago the snapshot was last verified; `None` when `now` is unknown.
    pub fn age_secs(&self, now: Option<Timestamp>) -> Option<i64> {
        now.map(|now| now.0.saturating_sub(self.verified_at.0))
    }

    /// Whether the snapshot is stale at `now`. An unknown `now` counts as stale: the policy
    /// cannot tell, and it denies rather than assumes.
    pub fn is_stale(&self, now: Option<Timestamp>) -> bool {
        self.age_secs(now)
            .is_none_or(|age| age > self.max_offline_age_secs)
    }
}

/// Parses a duration such as `7d`, `12h`, `30m`, `45s`, `1w`, or a sum such as `1d12h`, into
/// seconds. Anything else (no unit, an unknown unit, a sign, spaces) is refused.
pub fn parse_duration(text: &str) -> Result<i64> {
    let refuse = || Error::Duration(text.to_owned());
    if text.is_empty() {
        return Err(refuse());
    }
    let mut total: i64 = 0;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(refuse());
        }
        let (number, tail) = rest.split_at(digits);
        let mut units = tail.chars();
        let unit = match units.next() {
            Some('w') => 604_800,
            Some('d') => 86_400,
            Some('h') => 3_600,
            Some('m') => 60,
            Some('s') => 1,
            _ => return Err(refuse()),
        };
        let count: i64 = number.parse().map_err(|_| refuse())?;
        total = count
            .checked_mul(unit)
            .and_then(|seconds| total.checked_add(seconds))
            .ok_or_else(refuse)?;
        rest = units.as_str();
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_to_seconds() {
        for (text, seconds) in [
            ("7d", 604_800),
            ("12h", 43_200),
            ("30m", 1_800),
            ("45s", 45),
            ("1w", 604_800),
            ("1d12h", 129_600),
            ("0s", 0),
        ] {
            assert_eq!(
                parse_duration(text).ok(),
                Some(seconds),
                "`{text}` is {seconds} s"
            );
        }
    }

    #[test]
    fn garbage_durations_are_refused() {
        for bad in [
            "",
            "7",
            "d",
            "7 d",
            "-7d",
            "7x",
            "7dd",
            "1.5h",
            "99999999999999999999s",
        ] {
            assert!(
                parse_duration(bad).is_err(),
                "`{bad}` must not parse as a duration"
            );
        }
    }

    #[test]
    fn staleness_compares_age_with_the_limit() {
        let freshness = Freshness {
            verified_at: Timestamp(1_000),
            max_offline_age_secs: 100,
            stale_mode: StaleMode::Warn,
        };
        assert!(
            !freshness.is_stale(Some(Timestamp(1_100))),
            "exactly the limit is not older"
        );
        assert!(
            freshness.is_stale(Some(Timestamp(1_101))),
            "older than the limit is stale"
        );
        assert!(
            freshness.is_stale(None),
            "an unknown now cannot prove freshness"
        );
    }
}
