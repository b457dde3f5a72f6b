//! `gatehouse config set|get`: the hub this device follows. Keys fixed by managed
//! settings are refused (exit 5).

use gatehouse_hub::{PinnedKey, fingerprint};

use super::values::{ConfigKey, key_name, validate_name, validate_url};
use crate::context::Context;
use crate::error::{Error, Result};
use crate::ports::{Clock, HubPort};
use crate::settings::hub::key;
use gatehouse_store::AuditKind;

/// Changes a setting after checking it (an empty value clears it), audited as
/// `settings_changed` with the old and new value. While a hub snapshot is in force the
/// change takes effect only once `hub` (the hub in force now) has acknowledged that event:
/// otherwise a user could point the device elsewhere, or clear its area, silently
/// (DESIGN.md "Tamper evidence"). Without an answer nothing changes.
pub async fn set<C: Clock>(
    ctx: &Context<C>,
    hub: Option<&impl HubPort>,
    key: ConfigKey,
    value: &str,
) -> Result<()> {
    set_all(ctx, hub, &[(key, value)]).await
}

/// [`set`] for several settings at once: all change, each with its `settings_changed`
/// event, or none does (the hub is told of them in one request). Settings already holding
/// their value are left out.
pub async fn set_all<C: Clock>(
    ctx: &Context<C>,
    hub: Option<&impl HubPort>,
    changes: &[(ConfigKey, &str)],
) -> Result<()> {
    let mut planned = Vec::with_capacity(changes.len());
    for &(key, value) in changes {
        if ctx.managed.fixes(key) {
            return Err(Error::Locked(key_name(key)));
        }
        let store_key = store_key(key);
        let stored = if value.is_empty() {
            None
        } else {
            Some(checked(key, value)?)
        };
        let old = ctx.store.setting(store_key).await?;
        if old == stored {
            continue;
        }
        let mut event = ctx.event(AuditKind::SettingsChanged);
        event.detail = Some(serde_json::json!({
            "key": key_name(key),
            "old": old,
            "new": stored,
        }));
        planned.push((key, store_key, stored, event));
    }
    let Some(&(first, ..)) = planned.first() else {
        return Ok(());
    };
    let rows: Vec<(&str, Option<&str>, &gatehouse_store::AuditEvent)> = planned
        .iter()
        .map(|(_, store_key, stored, event)| (*store_key, stored.as_deref(), event))
        .collect();
    // The org of the newest stored snapshot: the policy in force when it passes its checks
    // (only the newest row ever is), and still the hub to tell when it does not, or
    // breaking that row would be a way to change settings unseen.
    let in_force = ctx
        .store
        .snapshots_newest_first(1)
        .await?
        .into_iter()
        .next()
        .map(|row| row.org);
    let not_told = |reason: String| Error::NotAcknowledged {
        key: key_name(first),
        reason,
    };
    let Some(org) = in_force else {
        ctx.store
            .change_settings_acknowledged(&rows, |_| async move {
                Ok::<_, std::convert::Infallible>(None)
            })
            .await?
            .unwrap_or_else(|never| match never {});
        return Ok(());
    };
    let hub = hub.ok_or_else(|| not_told("no hub connection".to_owned()))?;
    // The events go out with their places in the chain, and the changes commit only once
    // the hub has them.
    let now = ctx.clock.now();
    ctx.store
        .change_settings_acknowledged(&rows, |wire| async move {
            hub.post_audit(&org, &wire)
                .await
                .map(|_| Some(now))
                .map_err(|error| not_told(error.to_string()))
        })
        .await??;
    Ok(())
}

/// [`set`], telling the hub configured now (with the token in `secrets` or the
/// environment) when a hub policy is in force.
pub async fn change<C: Clock>(
    ctx: &Context<C>,
    secrets: &impl crate::ports::SecretStore,
    key: ConfigKey,
    value: &str,
) -> Result<()> {
    let hub = super::connect::configured_client(ctx, secrets)
        .await
        .ok()
        .map(|(client, _)| client);
    set(ctx, hub.as_ref(), key, value).await
}

/// The stored form of `value` for `key`, or why it cannot be used.
fn checked(key: ConfigKey, value: &str) -> Result<String> {
    Ok(match key {
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
    })
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
