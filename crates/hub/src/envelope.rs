//! The signed envelope around a bundle: `{key_id, payload, signature}`, the payload being
//! base64 of the exact UTF-8 bytes the Ed25519 signature covers.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::Signature;
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::keys::TrustedKeys;

/// A decoded envelope: the bytes and signature, not yet verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    pub key_id: String,
    pub payload: Vec<u8>,
    pub signature: Vec<u8>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    key_id: String,
    payload: String,
    signature: String,
}

impl Envelope {
    /// Decodes an envelope as the hub sends it.
    pub fn parse(body: &[u8]) -> Result<Envelope> {
        let wire: Wire =
            serde_json::from_slice(body).map_err(|e| Error::Envelope(e.to_string()))?;
        let decode = |field: &str, text: &str| {
            STANDARD
                .decode(text)
                .map_err(|_| Error::Envelope(format!("`{field}` is not base64")))
        };
        Ok(Envelope {
            payload: decode("payload", &wire.payload)?,
            signature: decode("signature", &wire.signature)?,
            key_id: wire.key_id,
        })
    }

    /// Checks the signature with the pinned key for this envelope's key id.
    pub fn verify(&self, keys: &TrustedKeys) -> Result<()> {
        verify_signature(&self.payload, &self.signature, &self.key_id, keys)
    }
}

/// Checks that `signature` over `payload` was made with the key pinned for `key_id`. The
/// launch path calls this on every load of a stored snapshot, so an edited row is caught.
pub fn verify_signature(
    payload: &[u8],
    signature: &[u8],
    key_id: &str,
    keys: &TrustedKeys,
) -> Result<()> {
    let pinned = keys
        .for_id(key_id)
        .ok_or_else(|| Error::UnknownKey(key_id.to_owned()))?;
    let signature =
        Signature::from_slice(signature).map_err(|_| Error::BadSignature(key_id.to_owned()))?;
    pinned
        .key
        .verify_strict(payload, &signature)
        .map_err(|_| Error::BadSignature(key_id.to_owned()))
}

#[cfg(test)]
mod tests {
    use ed25519_dalek::{Signer, SigningKey};

    use super::*;
    use crate::keys::PinnedKey;

    fn signed(payload: &[u8], key: &SigningKey) -> Vec<u8> {
        serde_json::json!({
            "key_id": "hub-1",
            "payload": STANDARD.encode(payload),
            "signature": STANDARD.encode(key.sign(payload).to_bytes()),
        })
        .to_string()
        .into_bytes()
    }

    #[test]
    fn a_signed_envelope_verifies_and_any_change_does_not() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let keys = TrustedKeys(vec![PinnedKey {
            key_id: Some("hub-1".into()),
            key: key.verifying_key(),
        }]);
        let envelope = Envelope::parse(&signed(b"{\"serial\":1}", &key)).unwrap();
        envelope.verify(&keys).unwrap();

        let mut edited = envelope.clone();
        edited.payload = b"{\"serial\":2}".to_vec();
        assert!(
            matches!(edited.verify(&keys), Err(Error::BadSignature(_))),
            "an edited payload is caught"
        );

        let other = SigningKey::from_bytes(&[8; 32]);
        let forged = Envelope::parse(&signed(b"{\"serial\":1}", &other)).unwrap();
        assert!(
            matches!(forged.verify(&keys), Err(Error::BadSignature(_))),
            "another key's signature is refused"
        );

        let mut unknown = envelope;
        unknown.key_id = "hub-2".into();
        assert!(
            matches!(unknown.verify(&keys), Err(Error::UnknownKey(_))),
            "an unknown key id is refused"
        );
    }

    #[test]
    fn malformed_envelopes_are_refused() {
        assert!(Envelope::parse(b"not json").is_err());
        assert!(Envelope::parse(br#"{"key_id":"a","payload":"%%","signature":""}"#).is_err());
        assert!(
            Envelope::parse(br#"{"key_id":"a","payload":"","signature":"","extra":1}"#).is_err()
        );
    }
}
