//! Signing in and out: the hub token kept in the OS keyring under `<hub host>/<org>`, as
//! `gatehouse login`/`logout` and the app's Settings do it.

use gatehouse_hub::Sensitive;

use super::token::account;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::ports::{Clock, SecretStore};

/// Stores `token` for the configured hub and organization; returns the keyring account.
/// An empty token is a usage error (nothing is stored).
pub async fn sign_in<C: Clock>(
    ctx: &Context<C>,
    secrets: &impl SecretStore,
    token: &Sensitive<String>,
) -> Result<String> {
    if token.expose().trim().is_empty() {
        return Err(Error::Usage(
            "the token is empty: paste the token your organization gave you".to_owned(),
        ));
    }
    let account = account(&ctx.hub_settings().await?)?;
    secrets.set(&account, &Sensitive::new(token.expose().trim().to_owned()))?;
    Ok(account)
}

/// Removes the token of the configured hub and organization. Returns the account and
/// whether a token was stored.
pub async fn sign_out<C: Clock>(
    ctx: &Context<C>,
    secrets: &impl SecretStore,
) -> Result<(String, bool)> {
    let account = account(&ctx.hub_settings().await?)?;
    let removed = secrets.delete(&account)?;
    Ok((account, removed))
}

/// Whether a token is stored for the configured hub: `Some(true)` also when the
/// environment's headless token is in force; `None` when no hub is configured or the
/// keyring cannot be asked.
pub async fn signed_in<C: Clock>(ctx: &Context<C>, secrets: &impl SecretStore) -> Option<bool> {
    let settings = ctx.hub_settings().await.ok()?;
    let account = account(&settings).ok()?;
    if ctx.env.hub_token().is_some() {
        return Some(true);
    }
    secrets.get(&account).ok().map(|token| token.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::testing::MemorySecrets;
    use crate::test_support::context_in;

    #[tokio::test]
    async fn a_token_is_kept_per_hub_and_organization_and_removed_again() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = context_in(&dir).await;
        let secrets = MemorySecrets::default();
        assert!(
            sign_in(&ctx, &secrets, &Sensitive::new("t".to_owned()))
                .await
                .is_err(),
            "no hub is configured: there is no account to keep it under"
        );
        ctx.store
            .set_setting("hub_url", "https://hub.example")
            .await
            .unwrap();
        ctx.store.set_setting("organization", "acme").await.unwrap();
        assert_eq!(signed_in(&ctx, &secrets).await, Some(false));
        let blank = sign_in(&ctx, &secrets, &Sensitive::new("  ".to_owned())).await;
        assert!(matches!(blank, Err(Error::Usage(_))), "{blank:?}");
        let account = sign_in(&ctx, &secrets, &Sensitive::new(" tok \n".to_owned()))
            .await
            .unwrap();
        assert_eq!(account, "hub.example/acme");
        assert_eq!(
            secrets.get(&account).unwrap().map(|t| t.expose().clone()),
            Some("tok".to_owned()),
            "kept trimmed"
        );
        assert_eq!(signed_in(&ctx, &secrets).await, Some(true));
        assert_eq!(
            sign_out(&ctx, &secrets).await.unwrap(),
            (account.clone(), true)
        );
        assert_eq!(sign_out(&ctx, &secrets).await.unwrap(), (account, false));
    }
}
