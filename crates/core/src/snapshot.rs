//! Accepting a signed policy bundle into the store: verify the signature with a pinned key,
//! the organization, the serial (no rollback) and every policy object, and only then store
//! it, in one transaction with its audit event. Whatever fails is rejected whole, recorded
//! as `policy_rejected`, and the previous snapshot stays in force. `gatehouse sync` and
//! `gatehouse policy import` both come through here.

use gatehouse_hub::{Bundle, Envelope};
use gatehouse_store::{AuditKind, NewSnapshot};

use crate::context::Context;
use crate::error::{Error, Result};
use crate::ports::Clock;

/// What happened to an offered bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Accepted {
    /// Stored as the new snapshot.
    Stored { org: String, serial: u64 },
    /// The same bundle as the newest one stored: nothing changed but its verified time.
    Unchanged { org: String, serial: u64 },
}

/// Verifies `envelope` (the hub's JSON) and stores it. `etag` is the hub's, if any.
pub async fn accept<C: Clock>(
    ctx: &Context<C>,
    envelope: &[u8],
    etag: Option<String>,
) -> Result<Accepted> {
    let result = match check(ctx, envelope).await {
        Ok((envelope, bundle)) => store(ctx, envelope, bundle, etag).await,
        Err(error) => Err(error),
    };
    if let Err(Error::Rejected(reason)) = &result {
        let mut event = ctx.event(AuditKind::PolicyRejected);
        event.detail = Some(serde_json::json!({ "reason": reason }));
        ctx.store.record(&event).await?;
    }
    result
}

async fn check<C: Clock>(ctx: &Context<C>, body: &[u8]) -> Result<(Envelope, Bundle)> {
    let settings = ctx.hub_settings().await?;
    if settings.keys.is_empty() {
        return Err(Error::Rejected("no hub signing key is pinned on this device: pin one with `gatehouse config set hub-key`".to_owned()));
    }
    let envelope = Envelope::parse(body).map_err(|e| Error::Rejected(e.to_string()))?;
    envelope
        .verify(&settings.keys)
        .map_err(|e| Error::Rejected(e.to_string()))?;
    let bundle = Bundle::parse(&envelope.payload).map_err(|e| Error::Rejected(e.to_string()))?;
    if let Some(org) = &settings.organization
        && &bundle.org != org
    {
        return Err(Error::Rejected(format!(
            "the bundle is for organization `{}`, this device follows `{org}`",
            bundle.org
        )));
    }
    Ok((envelope, bundle))
}

async fn store<C: Clock>(
    ctx: &Context<C>,
    envelope: Envelope,
    bundle: Bundle,
    etag: Option<String>,
) -> Result<Accepted> {
    let now = ctx.clock.now();
    let newest = ctx
        .store
        .snapshots_newest_first(1)
        .await?
        .into_iter()
        .next();
    if let Some(newest) = newest.filter(|newest| newest.org == bundle.org) {
        if bundle.serial < newest.serial {
            return Err(Error::Rejected(format!(
                "the bundle's serial {} is older than the stored {} (a rollback)",
                bundle.serial, newest.serial
            )));
        }
        if bundle.serial == newest.serial {
            if newest.payload != envelope.payload {
                return Err(Error::Rejected(format!(
                    "the bundle reuses serial {} with different content",
                    bundle.serial
                )));
            }
            ctx.store.mark_snapshot_verified(newest.id, now).await?;
            return Ok(Accepted::Unchanged {
                org: bundle.org,
                serial: bundle.serial,
            });
        }
    }
    let snapshot = NewSnapshot {
        org: bundle.org.clone(),
        serial: bundle.serial,
        key_id: envelope.key_id,
        payload: envelope.payload,
        signature: envelope.signature,
        etag,
        fetched_at: now,
    };
    let mut event = ctx.event(AuditKind::PolicySynced);
    event.detail = Some(serde_json::json!({ "org": bundle.org, "serial": bundle.serial }));
    ctx.store.store_snapshot(&snapshot, &event).await?;
    Ok(Accepted::Stored {
        org: bundle.org,
        serial: bundle.serial,
    })
}
