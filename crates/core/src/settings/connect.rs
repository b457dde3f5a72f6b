//! Making the hub and registry clients for the configured hub: its URL, the token in force
//! (see [`super::token`]) and the request time limit, all from the context.

use gatehouse_hub::{HubClient, Sensitive};

use super::hub::HubSettings;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::ports::{Clock, SecretStore};

/// A client for the configured hub.
pub fn hub_client<C: Clock>(
    ctx: &Context<C>,
    settings: &HubSettings,
    token: Option<Sensitive<String>>,
) -> Result<HubClient> {
    let url = settings
        .hub_url
        .as_deref()
        .ok_or(Error::HubNotConfigured("hub-url"))?;
    Ok(HubClient::with_timeout(url, token, ctx.env.hub_timeout()?)?)
}

/// A client for the configured registry (HUB_API.md section A): `registry-url`, else the
/// hub URL. The token goes to that host only; package references never name a host.
pub fn registry_client<C: Clock>(
    ctx: &Context<C>,
    settings: &HubSettings,
    token: Option<Sensitive<String>>,
) -> Result<HubClient> {
    let url = settings
        .registry_url
        .as_deref()
        .or(settings.hub_url.as_deref())
        .ok_or(Error::HubNotConfigured("registry-url"))?;
    Ok(HubClient::with_timeout(url, token, ctx.env.hub_timeout()?)?)
}

/// The client for the configured hub with the token in force (`GATEHOUSE_HUB_TOKEN`, else
/// the keyring's). A keyring that cannot be read does not stop the request: the hub then
/// answers 401 if it needs a token, which asks the person to sign in. The keyring's problem
/// is returned beside the client, for a caller that mentions it.
pub async fn configured_client<C: Clock>(
    ctx: &Context<C>,
    secrets: &impl SecretStore,
) -> Result<(HubClient, Option<Error>)> {
    let (settings, token, problem) = settings_and_token(ctx, secrets).await?;
    Ok((hub_client(ctx, &settings, token)?, problem))
}

/// [`configured_client`] for the registry (HUB_API.md section A), which defaults to the hub.
pub async fn configured_registry_client<C: Clock>(
    ctx: &Context<C>,
    secrets: &impl SecretStore,
) -> Result<(HubClient, Option<Error>)> {
    let (settings, token, problem) = settings_and_token(ctx, secrets).await?;
    Ok((registry_client(ctx, &settings, token)?, problem))
}

/// How long a public package's download may take: artifacts can be far larger than the
/// hub's answers, so this is not the hub timeout.
pub const PACKAGE_DOWNLOAD_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(300);

/// The client for public registries (verified copies, HUB_API.md B1 `packages`): it holds
/// no token, so the hub's is never sent to npm or PyPI.
pub fn packages_client() -> Result<gatehouse_hub::PublicClient> {
    gatehouse_hub::PublicClient::new(PACKAGE_DOWNLOAD_TIMEOUT)
        .map_err(|error| crate::install::InstallError::Public(error).into())
}

/// The hub settings and the token in force; a keyring that cannot be read means no token.
async fn settings_and_token<C: Clock>(
    ctx: &Context<C>,
    secrets: &impl SecretStore,
) -> Result<(HubSettings, Option<Sensitive<String>>, Option<Error>)> {
    let settings = ctx.hub_settings().await?;
    let (token, problem) = super::token::resolve_or_none(ctx.env.hub_token(), &settings, secrets)?;
    Ok((settings, token, problem))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::context_in;

    #[tokio::test]
    async fn plain_http_to_another_host_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = context_in(&dir).await;
        let settings = HubSettings {
            hub_url: Some("http://hub.example".to_owned()),
            ..HubSettings::default()
        };
        let error = hub_client(&ctx, &settings, None).unwrap_err();
        assert!(error.to_string().contains("plain http"), "{error}");
    }
}
