//! `gatehouse config set|get`: the hub this device follows. Keys fixed by managed
//! settings are refused (exit 5).

use std::str::FromStr;

use gatehouse_hub::{PinnedKey, fingerprint};

use crate::context::Context;
use crate::error::{Error, Result};
use crate::ports::Clock;
use crate::settings::hub::key;

/// The keys of `gatehouse config`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigKey {
    HubUrl,
    RegistryUrl,
    Organization,
    Area,
    HubKey,
}

impl FromStr for ConfigKey {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        Ok(match text {
            "hub-url" => ConfigKey::HubUrl,
            "registry-url" => ConfigKey::RegistryUrl,
            "organization" => ConfigKey::Organization,
            "area" => ConfigKey::Area,
            "hub-key" => ConfigKey::HubKey,
            _ => {
                return Err(Error::Usage(format!(
                    "`{text}` is not a setting: use hub-url, registry-url, organization, area or hub-key"
                )));
            }
        })
    }
}

/// Plain `http://` is refused except for loopback hosts: a token and the policy travel on it.
pub fn validate_url(text: &str) -> Result<()> {
    let bad = |why: &str| {
        Err(Error::Usage(format!(
            "`{text}` cannot be a hub address: {why}"
        )))
    };
    let (scheme, rest) = match text.split_once("://") {
        Some(parts) => parts,
        None => return bad("it must start with https://"),
    };
    let host_port = rest.split('/').next().unwrap_or_default();
    let host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host_port
            .rsplit_once(':')
            .map_or(host_port, |(host, _)| host),
    };
    if host.is_empty() || text.chars().any(char::is_whitespace) {
        return bad("it has no host");
    }
    let loopback = host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    match scheme {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        "http" => bad("plain http is allowed only for this computer (localhost)"),
        _ => bad("it must start with https://"),
    }
}

fn validate_name(what: &str, text: &str) -> Result<()> {
    let valid = !text.is_empty()
        && text.len() <= 200
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if valid {
        Ok(())
    } else {
        Err(Error::Usage(format!("`{text}` is not a valid {what} name")))
    }
}

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

pub(crate) fn key_name(key: ConfigKey) -> &'static str {
    match key {
        ConfigKey::HubUrl => "hub-url",
        ConfigKey::RegistryUrl => "registry-url",
        ConfigKey::Organization => "organization",
        ConfigKey::Area => "area",
        ConfigKey::HubKey => "hub-key",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_anywhere_http_only_on_loopback() {
        assert!(validate_url("https://hub.example.com").is_ok());
        assert!(validate_url("http://127.0.0.1:8080").is_ok());
        assert!(validate_url("http://localhost:3000/base").is_ok());
        assert!(validate_url("http://[::1]:80").is_ok());
        assert!(validate_url("http://hub.example.com").is_err());
        assert!(
            validate_url("http://127.0.0.1.evil.example").is_err(),
            "a name that starts like an address is not one"
        );
        assert!(validate_url("ftp://x").is_err());
        assert!(validate_url("hub.example.com").is_err());
        assert!(validate_url("https://").is_err());
    }
}
