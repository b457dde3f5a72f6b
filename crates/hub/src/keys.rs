//! The hub's public keys that this device trusts. Keys are pinned explicitly (managed
//! settings, `config set hub-key`, or an accepted first sign-in); a bundle signed with any
//! other key is refused.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::VerifyingKey;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// One pinned key. Without an id it matches any `key_id` (a key pinned with
/// `config set hub-key` and no id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinnedKey {
    pub key_id: Option<String>,
    pub key: VerifyingKey,
}

impl PinnedKey {
    /// Parses `base64` or `key_id:base64`.
    pub fn parse(text: &str) -> Result<PinnedKey> {
        let (key_id, encoded) = match text.rsplit_once(':') {
            Some((id, key)) if !id.is_empty() => (Some(id.to_owned()), key),
            _ => (None, text),
        };
        Ok(PinnedKey {
            key_id,
            key: decode_key(encoded)?,
        })
    }

    /// The key as base64, the form it is pinned and shown in.
    pub fn encoded(&self) -> String {
        STANDARD.encode(self.key.as_bytes())
    }
}

fn decode_key(encoded: &str) -> Result<VerifyingKey> {
    let refuse = || Error::BadKey(encoded.to_owned());
    let bytes = STANDARD.decode(encoded.trim()).map_err(|_| refuse())?;
    let bytes: [u8; 32] = bytes.try_into().map_err(|_| refuse())?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| refuse())
}

/// The keys a device trusts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedKeys(pub Vec<PinnedKey>);

impl TrustedKeys {
    /// The key that must have signed a bundle naming `key_id`: one pinned under that id,
    /// else one pinned without an id.
    pub fn for_id(&self, key_id: &str) -> Option<&PinnedKey> {
        self.0
            .iter()
            .find(|pinned| pinned.key_id.as_deref() == Some(key_id))
            .or_else(|| self.0.iter().find(|pinned| pinned.key_id.is_none()))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The fingerprint a person compares before trusting a key: SHA-256 of the key bytes, hex,
/// in groups of four.
pub fn fingerprint(key: &VerifyingKey) -> String {
    grouped(&fingerprint_hex(key))
}

/// SHA-256 of `key`, 64 lowercase hex digits without spaces (how an enrollment link
/// carries it).
pub fn fingerprint_hex(key: &VerifyingKey) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// `hex` in groups of four separated by spaces, the form a person compares.
pub fn grouped(hex: &str) -> String {
    hex.as_bytes()
        .chunks(4)
        .map(|group| String::from_utf8_lossy(group).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use ed25519_dalek::SigningKey;

    use super::*;

    fn key(seed: u8) -> VerifyingKey {
        SigningKey::from_bytes(&[seed; 32]).verifying_key()
    }

    #[test]
    fn keys_parse_with_and_without_an_id() {
        let encoded = STANDARD.encode(key(1).as_bytes());
        let plain = PinnedKey::parse(&encoded).unwrap();
        assert_eq!(plain.key_id, None);
        let with_id = PinnedKey::parse(&format!("hub-2026-01:{encoded}")).unwrap();
        assert_eq!(with_id.key_id.as_deref(), Some("hub-2026-01"));
        assert_eq!(with_id.encoded(), encoded, "the key round-trips");
        assert!(PinnedKey::parse("not-a-key").is_err());
        assert!(
            PinnedKey::parse(&STANDARD.encode([1u8; 31])).is_err(),
            "31 bytes is no Ed25519 key"
        );
    }

    #[test]
    fn an_id_pin_wins_and_an_unnamed_pin_matches_any_id() {
        let named = PinnedKey {
            key_id: Some("a".into()),
            key: key(1),
        };
        let unnamed = PinnedKey {
            key_id: None,
            key: key(2),
        };
        let keys = TrustedKeys(vec![unnamed.clone(), named.clone()]);
        assert_eq!(keys.for_id("a"), Some(&named));
        assert_eq!(keys.for_id("b"), Some(&unnamed));
        assert_eq!(
            TrustedKeys(vec![named]).for_id("b"),
            None,
            "an unknown key id is refused"
        );
    }

    #[test]
    fn fingerprints_are_grouped_hex() {
        let print = fingerprint(&key(1));
        assert_eq!(print.len(), 64 + 15, "64 hex digits in 16 groups");
        assert!(print.split(' ').all(|group| group.len() == 4));
    }
}
