//! Making the hub client for the configured hub: its URL, the token (see [`crate::token`])
//! and the request time limit, which `GATEHOUSE_HUB_TIMEOUT_MS` can lower so tests of a
//! hanging hub do not wait the full 30 seconds.

use std::time::Duration;

use gatehouse_hub::{HubClient, Sensitive, TOTAL_TIMEOUT};

use crate::error::{Error, Result};
use crate::hub_settings::HubSettings;

/// The environment variable with the whole-request time limit in milliseconds.
pub const TIMEOUT_VARIABLE: &str = "GATEHOUSE_HUB_TIMEOUT_MS";

/// A client for the configured hub.
pub fn hub_client(
    settings: &HubSettings,
    token: Option<Sensitive<String>>,
    timeout: Duration,
) -> Result<HubClient> {
    let url = settings
        .hub_url
        .as_deref()
        .ok_or(Error::HubNotConfigured("hub-url"))?;
    Ok(HubClient::with_timeout(url, token, timeout)?)
}

/// A client for the configured registry (HUB_API.md section A): `registry-url`, else the
/// hub URL. The token goes to that host only; package references never name a host.
pub fn registry_client(
    settings: &HubSettings,
    token: Option<Sensitive<String>>,
    timeout: Duration,
) -> Result<HubClient> {
    let url = settings
        .registry_url
        .as_deref()
        .or(settings.hub_url.as_deref())
        .ok_or(Error::HubNotConfigured("registry-url"))?;
    Ok(HubClient::with_timeout(url, token, timeout)?)
}

/// The time limit from the variable's value: the default when unset, an error when it is
/// not a positive number of milliseconds.
pub fn timeout(value: Option<&str>) -> Result<Duration> {
    match value {
        None => Ok(TOTAL_TIMEOUT),
        Some(text) => match text.trim().parse::<u64>() {
            Ok(ms) if ms > 0 => Ok(Duration::from_millis(ms)),
            _ => Err(Error::Usage(format!(
                "`{TIMEOUT_VARIABLE}` must be a positive number of milliseconds, not `{text}`"
            ))),
        },
    }
}

/// The client for the configured hub with the token in force (`env_token`, else the
/// keyring's). A keyring that cannot be read does not stop the request: the hub then
/// answers 401 if it needs a token, which asks the person to sign in.
pub async fn configured_client<C: crate::ports::Clock>(
    ctx: &crate::Context<C>,
    env_token: Option<String>,
    secrets: &impl crate::ports::SecretStore,
    timeout: Duration,
) -> Result<gatehouse_hub::HubClient> {
    let (settings, token) = settings_and_token(ctx, env_token, secrets).await?;
    hub_client(&settings, token, timeout)
}

/// [`configured_client`] for the registry (HUB_API.md section A), which defaults to the hub.
pub async fn configured_registry_client<C: crate::ports::Clock>(
    ctx: &crate::Context<C>,
    env_token: Option<String>,
    secrets: &impl crate::ports::SecretStore,
    timeout: Duration,
) -> Result<gatehouse_hub::HubClient> {
    let (settings, token) = settings_and_token(ctx, env_token, secrets).await?;
    registry_client(&settings, token, timeout)
}

/// The hub settings and the token in force; a keyring that cannot be read means no token.
async fn settings_and_token<C: crate::ports::Clock>(
    ctx: &crate::Context<C>,
    env_token: Option<String>,
    secrets: &impl crate::ports::SecretStore,
) -> Result<(HubSettings, Option<Sensitive<String>>)> {
    let settings = ctx.hub_settings().await?;
    let (token, _keyring_problem) = crate::token::resolve_or_none(env_token, &settings, secrets)?;
    Ok((settings, token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_timeout_variable_is_milliseconds() {
        assert_eq!(timeout(None).unwrap(), TOTAL_TIMEOUT);
        assert_eq!(timeout(Some("250")).unwrap(), Duration::from_millis(250));
        assert!(timeout(Some("0")).is_err());
        assert!(timeout(Some("soon")).is_err());
    }

    #[test]
    fn plain_http_to_another_host_is_refused() {
        let settings = HubSettings {
            hub_url: Some("http://hub.example".to_owned()),
            ..HubSettings::default()
        };
        let error = hub_client(&settings, None, TOTAL_TIMEOUT).unwrap_err();
        assert!(error.to_string().contains("plain http"), "{error}");
    }
}
