//! The hub's signed freshness statement (HUB_API.md B1, "Freshness"): with every 200 and
//! 304 of the policy bundle the hub says, signed, that serial `serial` of `org` was current
//! for `device` at `time` (its own clock). Staleness is measured from the newest such
//! statement, never from a column of the local store that the user could set to "now".
//!
//! Wire form of the `Gatehouse-Freshness` header: `<key_id>.<payload>.<signature>`, split at
//! the last two dots (a key id may hold dots), payload and signature in standard padded
//! base64; the Ed25519 signature covers `gatehouse-freshness-v1\n` followed by the payload.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use gatehouse_policy::Timestamp;
use serde::{Deserialize, Serialize};

use crate::envelope::verify_signature;
use crate::keys::TrustedKeys;

/// The header the hub sends the statement in.
pub const FRESHNESS_HEADER: &str = "Gatehouse-Freshness";

/// What the signature covers before the payload: a statement can never pass for a bundle
/// signature, or the other way round.
const CONTEXT: &[u8] = b"gatehouse-freshness-v1\n";

/// A verified statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub org: String,
    pub serial: u64,
    pub device: Option<String>,
    /// The hub's time when it made the statement.
    pub time: Timestamp,
}

#[derive(Serialize, Deserialize)]
struct Wire {
    org: String,
    serial: u64,
    #[serde(default)]
    device: Option<String>,
    time: String,
}

/// Why a statement is not used (it is then ignored, as if none had come).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatementError {
    #[error("the freshness statement is not `<key_id>.<payload>.<signature>`")]
    Shape,
    #[error("the freshness statement is not valid base64")]
    Base64,
    #[error("the freshness statement's signature does not verify: {0}")]
    Signature(String),
    #[error("the freshness statement's payload is malformed: {0}")]
    Payload(String),
}

/// Parses `header` and verifies it with the pinned `keys`.
pub fn verify_statement(header: &str, keys: &TrustedKeys) -> Result<Statement, StatementError> {
    let header = header.trim();
    let (rest, signature) = header.rsplit_once('.').ok_or(StatementError::Shape)?;
    let (key_id, payload) = rest.rsplit_once('.').ok_or(StatementError::Shape)?;
    if key_id.is_empty() {
        return Err(StatementError::Shape);
    }
    let payload = STANDARD
        .decode(payload)
        .map_err(|_| StatementError::Base64)?;
    let signature = STANDARD
        .decode(signature)
        .map_err(|_| StatementError::Base64)?;
    let mut signed = CONTEXT.to_vec();
    signed.extend_from_slice(&payload);
    verify_signature(&signed, &signature, key_id, keys)
        .map_err(|error| StatementError::Signature(error.to_string()))?;
    let wire: Wire =
        serde_json::from_slice(&payload).map_err(|e| StatementError::Payload(e.to_string()))?;
    let time = Timestamp::parse_rfc3339(&wire.time)
        .map_err(|_| StatementError::Payload(format!("`{}` is not an RFC 3339 time", wire.time)))?;
    Ok(Statement {
        org: wire.org,
        serial: wire.serial,
        device: wire.device,
        time,
    })
}

/// The header value stating `statement`, signed with `sign` (the hub's signing function,
/// given the bytes to sign) under `key_id`. The reference hub and tests make them.
pub fn statement_header(
    key_id: &str,
    org: &str,
    serial: u64,
    device: Option<&str>,
    time_rfc3339: &str,
    sign: impl FnOnce(&[u8]) -> [u8; 64],
) -> String {
    let payload = serde_json::json!({
        "org": org, "serial": serial, "device": device, "time": time_rfc3339,
    })
    .to_string()
    .into_bytes();
    let mut signed = CONTEXT.to_vec();
    signed.extend_from_slice(&payload);
    let signature = sign(&signed);
    format!(
        "{key_id}.{}.{}",
        STANDARD.encode(&payload),
        STANDARD.encode(signature)
    )
}

#[cfg(test)]
mod tests {
    use ed25519_dalek::{Signer as _, SigningKey};

    use super::*;
    use crate::keys::PinnedKey;

    fn key() -> SigningKey {
        SigningKey::from_bytes(&[3; 32])
    }

    fn keys(id: &str) -> TrustedKeys {
        TrustedKeys(vec![
            PinnedKey::parse(&format!(
                "{id}:{}",
                STANDARD.encode(key().verifying_key().as_bytes())
            ))
            .unwrap(),
        ])
    }

    fn header(key_id: &str, time: &str) -> String {
        statement_header(key_id, "acme", 7, Some("dev-1"), time, |bytes| {
            key().sign(bytes).to_bytes()
        })
    }

    #[test]
    fn a_signed_statement_verifies_and_says_when() {
        let statement = verify_statement(
            &header("hub.2026.01", "2026-11-20T10:00:00Z"),
            &keys("hub.2026.01"),
        )
        .unwrap();
        assert_eq!(statement.org, "acme");
        assert_eq!(statement.serial, 7);
        assert_eq!(statement.device.as_deref(), Some("dev-1"));
        assert_eq!(
            statement.time,
            Timestamp::parse_rfc3339("2026-11-20T10:00:00Z").unwrap()
        );
    }

    #[test]
    fn an_altered_or_foreign_statement_is_refused() {
        let good = header("k1", "2026-11-20T10:00:00Z");
        let (rest, signature) = good.rsplit_once('.').unwrap();
        let (key_id, _) = rest.rsplit_once('.').unwrap();
        let later = STANDARD
            .encode(br#"{"org":"acme","serial":7,"device":"dev-1","time":"2030-01-01T00:00:00Z"}"#);
        let forged = format!("{key_id}.{later}.{signature}");
        assert!(matches!(
            verify_statement(&forged, &keys("k1")),
            Err(StatementError::Signature(_))
        ));
        assert!(
            verify_statement(&good, &keys("other")).is_err(),
            "unknown key"
        );
        assert_eq!(
            verify_statement("nodots", &keys("k1")),
            Err(StatementError::Shape)
        );
        // A bundle signature is not a statement: the context differs.
        let payload =
            br#"{"org":"acme","serial":7,"device":"dev-1","time":"2030-01-01T00:00:00Z"}"#;
        let bare = key().sign(payload).to_bytes();
        let replayed = format!("k1.{}.{}", STANDARD.encode(payload), STANDARD.encode(bare));
        assert!(verify_statement(&replayed, &keys("k1")).is_err());
    }
}
