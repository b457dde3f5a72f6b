//! `gatehouse config set|get`: the hub this device follows. Keys fixed by managed
//! settings are refused (exit 5).

use gatehouse_hub::{PinnedKey, fingerprint};

use super::values::{ConfigKey, key_name, validate_name, validate_url};
use crate::context::Context;
use crate::error::{Error, Result};
use crate::ports::Clock;
use crate::settings::hub::key;

/// Stores a setting after checking it. An empty value clears it.
pub async fn set<C: Clock>(ctx: &Context<C>, key: ConfigKey, value: &str) -> Result<()> {
    if ctx.managed.fixes(key) {
        return Err(Error::Locked(key_name(key)));
    }
    let store_key = store_key(key);
    if value.is_empty() {
        ctx.store.remove_setting(store_key).await?;
        return Ok(());
    }
    let stored = match key {
        ConfigKey::HubUrl | ConfigKey::RegistryUrl => {
            validate_url(value)?;
            value.trim_end_matches('/').to_owned()
        }
        ConfigKey::Organization => {
            validate_name("organization", value)?;
            value.to_owned()
        }
        ConfigKey::Area => {
            validate_name("area", value)?;
            value.to_owned()
        }
        ConfigKey::HubKey => {
            let pinned = PinnedKey::parse(value).map_err(|e| Error::Usage(e.to_string()))?;
            let entry = match &pinned.key_id {
                Some(id) => format!("{id}:{}", pinned.encoded()),
                None => pinned.encoded(),
            };
            // Replaces earlier pins made this way: a new key is trusted only explicitly.
            serde_json::to_string(&[entry]).map_err(|e| Error::Encode {
                what: "the pinned key",
                source: Box::new(e),
            })?
        }
    };
    ctx.store.set_setting(store_key, &stored).await?;
    Ok(())
}

/// A setting as a person reads it (managed values included), or `None` when unset.
pub async fn get<C: Clock>(ctx: &Context<C>, key: ConfigKey) -> Result<Option<String>> {
    let settings = ctx.hub_settings().await?;
    Ok(match key {
        ConfigKey::HubUrl => settings.hub_url,
        ConfigKey::RegistryUrl => settings.registry_url.or(settings.hub_url),
        ConfigKey::Organization => settings.organization,
        ConfigKey::Area => settings.area,
        ConfigKey::HubKey => {
            let lines: Vec<String> = settings
                .keys
                .0
                .iter()
                .map(|pinned| {
                    let id = pinned
                        .key_id
                        .as_deref()
                        .map(|id| format!("{id}:"))
                        .unwrap_or_default();
                    format!(
                        "{id}{} (fingerprint {})",
                        pinned.encoded(),
                        fingerprint(&pinned.key)
                    )
                })
                .collect();
            (!lines.is_empty()).then(|| lines.join("\n"))
        }
    })
}

fn store_key(key: ConfigKey) -> &'static str {
    match key {
        ConfigKey::HubUrl => key::HUB_URL,
        ConfigKey::RegistryUrl => key::REGISTRY_URL,
        ConfigKey::Organization => key::ORGANIZATION,
        ConfigKey::Area => key::AREA,
        ConfigKey::HubKey => key::HUB_KEYS,
    }
}
