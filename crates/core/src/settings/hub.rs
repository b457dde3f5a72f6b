//! The hub this device follows: its URL, organization, area and pinned signing keys, as
//! `gatehouse config set` stored them. (Managed settings, which IT fixes, come on top.)

use gatehouse_hub::{PinnedKey, TrustedKeys};
use gatehouse_store::Store;

use crate::error::{Error, Result};
use crate::settings::managed::ManagedSettings;

/// Setting names in the store.
pub(crate) mod key {
    pub const HUB_URL: &str = "hub_url";
    pub const REGISTRY_URL: &str = "registry_url";
    pub const ORGANIZATION: &str = "organization";
    pub const AREA: &str = "area";
    /// A JSON array of pinned keys, each `key_id:base64` or `base64`.
    pub const HUB_KEYS: &str = "hub_keys";
}

/// What the device knows about its hub.
#[derive(Debug, Clone, Default)]
pub struct HubSettings {
    pub hub_url: Option<String>,
    pub registry_url: Option<String>,
    pub organization: Option<String>,
    pub area: Option<String>,
    pub keys: TrustedKeys,
}

impl HubSettings {
    /// Reads the settings from the store. A pinned key that no longer parses is an error:
    /// silently dropping it could leave a device trusting nothing, or something else.
    pub async fn load(store: &Store, managed: &ManagedSettings) -> Result<HubSettings> {
        let mut stored = store
            .settings_among(&[
                key::HUB_KEYS,
                key::HUB_URL,
                key::REGISTRY_URL,
                key::ORGANIZATION,
                key::AREA,
            ])
            .await?;
        let keys = match stored.remove(key::HUB_KEYS) {
            None => TrustedKeys::default(),
            Some(text) => {
                let list: Vec<String> =
                    serde_json::from_str(&text).map_err(|e| Error::BadSetting {
                        key: key::HUB_KEYS,
                        source: Box::new(e),
                    })?;
                let parsed = list
                    .iter()
                    .map(|entry| {
                        PinnedKey::parse(entry).map_err(|e| Error::BadSetting {
                            key: key::HUB_KEYS,
                            source: Box::new(e),
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                TrustedKeys(parsed)
            }
        };
        // Managed settings win, key by key; managed keys replace the user's pins entirely.
        let pick = |managed: &Option<String>, stored: Option<String>| managed.clone().or(stored);
        Ok(HubSettings {
            hub_url: pick(&managed.hub_url, stored.remove(key::HUB_URL)),
            registry_url: pick(&managed.registry_url, stored.remove(key::REGISTRY_URL)),
            organization: pick(&managed.organization, stored.remove(key::ORGANIZATION)),
            area: pick(&managed.area, stored.remove(key::AREA)),
            keys: if managed.hub_keys.is_empty() {
                keys
            } else {
                TrustedKeys(managed.hub_keys.clone())
            },
        })
    }

    /// Whether a hub is configured: then a valid snapshot is required to run anything.
    pub fn hub_configured(&self) -> bool {
        self.hub_url.is_some()
    }
}
