//! The hub's Ed25519 signing key: loaded from `--key`, or made and saved there (owner-only)
//! on first start, and the signed envelope of HUB_API.md B1 it produces.

use std::fmt;
use std::fs;
use std::io::Write as _;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signer as _, SigningKey};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// A signing key and the id bundles name it by.
pub struct Signer {
    key: SigningKey,
    key_id: String,
}

impl fmt::Debug for Signer {
    /// Shows the public half only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("key_id", &self.key_id)
            .field("public_key", &self.public_key())
            .finish()
    }
}

impl Signer {
    /// A signer for a key given as bytes (tests, and the faults that sign with another key).
    pub fn from_seed(seed: [u8; 32], key_id: impl Into<String>) -> Signer {
        Signer {
            key: SigningKey::from_bytes(&seed),
            key_id: key_id.into(),
        }
    }

    /// A signer with a new random key, kept nowhere.
    pub fn random(key_id: impl Into<String>) -> Result<Signer> {
        Ok(Signer::from_seed(random_seed()?, key_id))
    }

    /// Loads the key in `path` (base64 of the 32-byte seed), or makes one and saves it there
    /// with mode 0600 when the file does not exist. Returns whether it was made. An existing
    /// file that holds anything else is an error: it is never overwritten.
    pub fn load_or_create(path: &Path, key_id: impl Into<String>) -> Result<(Signer, bool)> {
        match fs::read_to_string(path) {
            Ok(text) => {
                let seed = STANDARD
                    .decode(text.trim())
                    .ok()
                    .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
                    .ok_or_else(|| Error::BadKey {
                        path: path.to_owned(),
                    })?;
                Ok((Signer::from_seed(seed, key_id), false))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let seed = random_seed()?;
                save_seed(path, &seed)?;
                Ok((Signer::from_seed(seed, key_id), true))
            }
            Err(e) => Err(Error::io(path, e)),
        }
    }

    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The public key, base64: what `/keys` serves and `config set hub-key` takes.
    pub fn public_key(&self) -> String {
        STANDARD.encode(self.key.verifying_key().as_bytes())
    }

    /// SHA-256 of the public key, hex in groups of four: what the app shows at first sign-in.
    pub fn fingerprint(&self) -> String {
        let hex = hex::encode(Sha256::digest(self.key.verifying_key().as_bytes()));
        hex.as_bytes()
            .chunks(4)
            .map(|group| String::from_utf8_lossy(group).into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }

    pub fn signature(&self, payload: &[u8]) -> [u8; 64] {
        self.key.sign(payload).to_bytes()
    }

    /// The `Gatehouse-Freshness` header (HUB_API.md B1): `serial` of `org` is current for
    /// `device` at `time`, signed over `gatehouse-freshness-v1\n` and the payload, as
    /// `<key_id>.<payload>.<signature>` in standard padded base64.
    pub fn freshness(&self, org: &str, serial: u64, device: Option<&str>, time: &str) -> String {
        use base64::Engine as _;
        use base64::engine::general_purpose::STANDARD;
        let payload = serde_json::json!({
            "org": org, "serial": serial, "device": device, "time": time,
        })
        .to_string();
        let mut signed = b"gatehouse-freshness-v1\n".to_vec();
        signed.extend_from_slice(payload.as_bytes());
        format!(
            "{}.{}.{}",
            self.key_id,
            STANDARD.encode(payload.as_bytes()),
            STANDARD.encode(self.signature(&signed))
        )
    }

    /// The signed envelope of `payload`, as served.
    pub fn envelope(&self, payload: &[u8]) -> Vec<u8> {
        envelope(&self.key_id, payload, &self.signature(payload))
    }
}

/// The envelope JSON for a payload and a signature, whoever made it.
pub(crate) fn envelope(key_id: &str, payload: &[u8], signature: &[u8]) -> Vec<u8> {
    json!({
        "key_id": key_id,
        "payload": STANDARD.encode(payload),
        "signature": STANDARD.encode(signature),
    })
    .to_string()
    .into_bytes()
}

fn random_seed() -> Result<[u8; 32]> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| Error::Random(e.to_string()))?;
    Ok(seed)
}

fn save_seed(path: &Path, seed: &[u8; 32]) -> Result<()> {
    if let Some(parent) = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
    {
        fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    }
    let mut options = fs::OpenOptions::new();
    // `create_new`: two hubs starting at once must not both write a key and then sign with
    // different ones.
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|e| Error::io(path, e))?;
    file.write_all(format!("{}\n", STANDARD.encode(seed)).as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| Error::io(path, e))
}

#[cfg(test)]
mod tests {
    use ed25519_dalek::{Signature, VerifyingKey};

    use super::*;

    #[test]
    fn a_made_key_is_saved_owner_only_and_loads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested").join("key");
        let (made, created) = Signer::load_or_create(&path, "k").unwrap();
        assert!(created);
        let (loaded, created) = Signer::load_or_create(&path, "k").unwrap();
        assert!(!created, "an existing key is loaded, not replaced");
        assert_eq!(made.public_key(), loaded.public_key());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "the seed is a secret");
        }
    }

    #[test]
    fn a_file_that_is_not_a_seed_is_refused_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key");
        fs::write(&path, "hello").unwrap();
        assert!(matches!(
            Signer::load_or_create(&path, "k"),
            Err(Error::BadKey { .. })
        ));
        assert_eq!(fs::read_to_string(&path).unwrap(), "hello");
    }

    #[test]
    fn the_envelope_signs_the_exact_payload() {
        let signer = Signer::from_seed([3; 32], "k");
        let envelope: serde_json::Value =
            serde_json::from_slice(&signer.envelope(b"{\"a\":1}")).unwrap();
        let payload = STANDARD
            .decode(envelope["payload"].as_str().unwrap())
            .unwrap();
        let signature = STANDARD
            .decode(envelope["signature"].as_str().unwrap())
            .unwrap();
        let key = VerifyingKey::from_bytes(
            &STANDARD
                .decode(signer.public_key())
                .unwrap()
                .try_into()
                .unwrap(),
        )
        .unwrap();
        key.verify_strict(&payload, &Signature::from_slice(&signature).unwrap())
            .unwrap();
        assert_eq!(payload, b"{\"a\":1}");
        assert_eq!(signer.fingerprint().len(), 64 + 15);
    }
}
