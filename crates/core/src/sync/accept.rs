//! Accepting a signed policy bundle into the store: verify the signature with a pinned key,
//! the organization, the serial (no rollback) and every policy object, and only then store
//! it, in one transaction with its audit event. Whatever fails is rejected whole, recorded
//! as `policy_rejected`, and the previous snapshot stays in force. `gatehouse sync` and
//! `gatehouse policy import` both come through here. A stored snapshot is followed by a
//! look at every registered server: each one it made worse gets one notification and one
//! `server_dropped` event ([`crate::sync::drops`]).

use gatehouse_hub::{Bundle, Envelope};
use gatehouse_store::{AuditKind, NewSnapshot, Snapshot};

use crate::context::Context;
use crate::error::Refusal;
use crate::error::{Error, Result};
use crate::identity::TreeCheck;
use crate::policy::{PolicySources, Scope};
use crate::ports::{Clock, Notifier};
use crate::sync::drops::drops;

/// How many stored snapshots are kept: the one in force and the four before it.
pub const SNAPSHOTS_KEPT: u32 = 5;

/// What happened to an offered bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Accepted {
    /// Stored as the new snapshot.
    Stored { org: String, serial: u64 },
    /// The same bundle as the newest one stored: nothing changed but its verified time.
    Unchanged { org: String, serial: u64 },
}

/// Verifies `envelope` (the hub's JSON) and stores it. `etag` is the hub's, if any. Servers
/// a stored snapshot made worse are told to `notifier`.
pub async fn accept<C: Clock>(
    ctx: &Context<C>,
    envelope: &[u8],
    etag: Option<String>,
    notifier: &impl Notifier,
) -> Result<Accepted> {
    let result = match check(ctx, envelope).await {
        Ok((envelope, bundle)) => store(ctx, envelope, bundle, etag, notifier).await,
        Err(error) => Err(error),
    };
    if let Err(Error::Rejected(refusal)) = &result {
        let mut event = ctx.event(AuditKind::PolicyRejected);
        event.detail = Some(serde_json::json!({
            "reason": refusal.to_string(),
            "code": refusal.code(),
        }));
        ctx.store.record(&event).await?;
    }
    result
}

/// Parses `body` (the hub's envelope JSON) and verifies it: a pinned key's signature and this
/// device's organization. Anything else is `Error::Rejected`. Shared with
/// [`crate::sync::preview`], which must judge a bundle exactly as a sync would.
pub(crate) async fn check<C: Clock>(ctx: &Context<C>, body: &[u8]) -> Result<(Envelope, Bundle)> {
    let settings = ctx.hub_settings().await?;
    if settings.keys.is_empty() {
        return Err(Error::Rejected(Refusal::NoKeyPinned));
    }
    let refused = |error| Error::Rejected(Refusal::of(error));
    let envelope = Envelope::parse(body).map_err(refused)?;
    envelope.verify(&settings.keys).map_err(refused)?;
    let bundle = Bundle::parse(&envelope.payload).map_err(refused)?;
    if let Some(org) = &settings.organization
        && &bundle.org != org
    {
        return Err(Error::Rejected(Refusal::OtherOrganization {
            bundle: bundle.org,
            device: org.clone(),
        }));
    }
    Ok((envelope, bundle))
}

async fn store<C: Clock>(
    ctx: &Context<C>,
    envelope: Envelope,
    bundle: Bundle,
    etag: Option<String>,
    notifier: &impl Notifier,
) -> Result<Accepted> {
    let now = ctx.clock.now();
    let newest = newest_stored(ctx, &bundle.org).await?;
    if let Standing::Same { id } = standing(newest.as_ref(), &bundle, &envelope.payload)? {
        ctx.store.mark_snapshot_verified(id, now).await?;
        return Ok(Accepted::Unchanged {
            org: bundle.org,
            serial: bundle.serial,
        });
    }
    let etag = etag.map(|etag| crate::sync::bind_etag(&envelope.payload, &etag));
    let snapshot = NewSnapshot {
        org: bundle.org.clone(),
        serial: bundle.serial,
        key_id: envelope.key_id,
        payload: envelope.payload,
        signature: envelope.signature,
        etag,
        fetched_at: now,
    };
    // Loaded before storing: with no valid snapshot in force there is nothing to compare.
    let old = ctx
        .policy_sources(Scope::ManyServers)
        .await
        .ok()
        .filter(|sources| sources.hub.is_some());
    let mut event = ctx.event(AuditKind::PolicySynced);
    event.detail = Some(serde_json::json!({ "org": bundle.org, "serial": bundle.serial }));
    if let Some(unchanged) = insert(ctx, &snapshot, &event, &bundle).await? {
        return Ok(unchanged);
    }
    // The one in force and a few before it: payloads are whole bundles, one per serial.
    if let Err(error) = ctx.store.prune_snapshots(SNAPSHOTS_KEPT).await {
        tracing::warn!("could not drop old policy snapshots: {error}");
    }
    if let Some(old) = old
        && let Err(error) = report_drops(ctx, &old, notifier).await
    {
        // The snapshot is stored and in force; a failed comparison must not undo that.
        tracing::warn!("could not compare the servers under the new policy: {error}");
    }
    Ok(Accepted::Stored {
        org: bundle.org,
        serial: bundle.serial,
    })
}

/// How a verified bundle stands against the newest stored snapshot of its organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Standing {
    /// Newer than the stored one, or the first of its organization: it would be stored.
    Newer,
    /// The very bundle of stored row `id`.
    Same { id: i64 },
}

/// The newest stored snapshot, if it is of `org` (another org's row says nothing about
/// rollbacks of this one).
pub(crate) async fn newest_stored<C: Clock>(
    ctx: &Context<C>,
    org: &str,
) -> Result<Option<Snapshot>> {
    Ok(ctx
        .store
        .snapshots_newest_first(1)
        .await?
        .into_iter()
        .next()
        .filter(|newest| newest.org == org))
}

/// The rollback rules, for storing and for previewing alike: a serial lower than the newest
/// stored one is a rollback and a stored serial with other content is a forgery or a hub
/// fault; both are `Error::Rejected`.
/// Stores `snapshot` with `event`; `Some(Unchanged)` when another sync (the tray's, a
/// second `gatehouse sync`) stored these very bytes between our look and our write: the
/// policy is then current, which is what this sync was for.
pub(crate) async fn insert<C: Clock>(
    ctx: &Context<C>,
    snapshot: &NewSnapshot,
    event: &gatehouse_store::AuditEvent,
    bundle: &Bundle,
) -> Result<Option<Accepted>> {
    match ctx.store.store_snapshot(snapshot, event).await {
        Ok(_) => Ok(None),
        Err(gatehouse_store::Error::DuplicateSnapshot { org, serial }) => {
            let newest = newest_stored(ctx, &org).await?;
            match standing(newest.as_ref(), bundle, &snapshot.payload)? {
                Standing::Same { id } => {
                    ctx.store
                        .mark_snapshot_verified(id, ctx.clock.now())
                        .await?;
                    Ok(Some(Accepted::Unchanged { org, serial }))
                }
                Standing::Newer => {
                    Err(gatehouse_store::Error::DuplicateSnapshot { org, serial }.into())
                }
            }
        }
        Err(error) => Err(error.into()),
    }
}

pub(crate) fn standing(
    newest: Option<&Snapshot>,
    bundle: &Bundle,
    payload: &[u8],
) -> Result<Standing> {
    let Some(newest) = newest else {
        return Ok(Standing::Newer);
    };
    if bundle.serial < newest.serial {
        return Err(Error::Rejected(Refusal::Rollback {
            offered: bundle.serial,
            stored: newest.serial,
        }));
    }
    if bundle.serial == newest.serial {
        if newest.payload != payload {
            return Err(Error::Rejected(Refusal::SerialReused {
                serial: bundle.serial,
            }));
        }
        return Ok(Standing::Same { id: newest.id });
    }
    Ok(Standing::Newer)
}

/// Notifies and records each registered server the snapshot now in force made worse than
/// under `old`.
async fn report_drops<C: Clock>(
    ctx: &Context<C>,
    old: &PolicySources,
    notifier: &impl Notifier,
) -> Result<()> {
    let new = ctx.policy_sources(Scope::ManyServers).await?;
    let request = ctx.request_now();
    // As a launch would see them: a change to the files is the re-check's to report.
    let servers = ctx.identified_servers(TreeCheck::Launch).await?;
    for drop in drops(&servers, old, &new, &request)? {
        let mut event = ctx.event(AuditKind::ServerDropped);
        event.server = Some(drop.name.clone());
        event.version = drop.version.clone();
        event.verdict = Some(drop.new_verdict.name().to_owned());
        event.codes = drop.codes.clone();
        event.detail = Some(drop.detail());
        ctx.store.record(&event).await?;
        notifier.notify(&drop.notification());
    }
    Ok(())
}

#[cfg(test)]
mod tests;
