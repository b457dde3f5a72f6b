//! A published bundle: the payload signed for one serial, with its envelope and ETag, kept
//! ready so a request costs no signing.

use serde_json::{Map, Value, json};

use crate::canonical;
use crate::signer::Signer;
use crate::state::StoredBundle;

/// The bundle schema of HUB_API.md B1.
pub const SCHEMA: u64 = 1;

/// What `policy-bundle` serves while the directory is unchanged.
#[derive(Debug, Clone)]
pub struct Published {
    pub serial: u64,
    pub issued_at: String,
    /// The hash of the directory content the payload was made from.
    pub content_hash: String,
    pub payload: Vec<u8>,
    /// Quoted, as sent in `ETag`: the serial and the content hash.
    pub etag: String,
    pub envelope: Vec<u8>,
}

impl Published {
    pub(crate) fn new(stored: StoredBundle, signer: &Signer) -> Published {
        let hash_start = stored
            .content_hash
            .get(..16)
            .unwrap_or(&stored.content_hash);
        Published {
            etag: format!("\"{}-{hash_start}\"", stored.serial),
            envelope: signer.envelope(&stored.payload),
            serial: stored.serial,
            issued_at: stored.issued_at,
            content_hash: stored.content_hash,
            payload: stored.payload,
        }
    }
}

/// The payload bytes for a bundle body at `serial`: canonical JSON, so one body, serial and
/// time always give the same bytes.
pub(crate) fn payload(body: &Map<String, Value>, serial: u64, issued_at: &str) -> Vec<u8> {
    let mut full = body.clone();
    full.insert("schema".into(), json!(SCHEMA));
    full.insert("serial".into(), json!(serial));
    full.insert("issued_at".into(), json!(issued_at));
    canonical::bytes(&Value::Object(full))
}
