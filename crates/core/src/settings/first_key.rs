//! The first sign-in of HUB_API.md B0: when no signing key is pinned, the hub's published
//! keys are offered with their fingerprints for the person to compare and accept. Nothing
//! here pins anything: accepting is an explicit step (`config set hub-key`), so a hub can
//! never make a device trust a key silently.

use gatehouse_hub::{HubClient, PinnedKey, fingerprint};

use crate::error::{Error, Result};

/// A key the hub publishes, ready to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferedKey {
    /// `key_id:base64`, the value for `config set hub-key`.
    pub pin: String,
    /// SHA-256 of the key, hex in groups of four, as the hub's admin sees it.
    pub fingerprint: String,
}

/// The keys `hub` publishes for `org`. A key that does not parse is an error: showing it
/// half-checked would invite pinning something that can never verify.
pub async fn offered_keys(hub: &HubClient, org: &str) -> Result<Vec<OfferedKey>> {
    hub.keys(org)
        .await?
        .into_iter()
        .map(|published| {
            let pin = format!("{}:{}", published.key_id, published.public_key);
            let parsed = PinnedKey::parse(&pin)
                .map_err(|e| Error::Hub(gatehouse_hub::ClientError::Malformed(e.to_string())))?;
            Ok(OfferedKey {
                fingerprint: fingerprint(&parsed.key),
                pin,
            })
        })
        .collect()
}
