//! Syncing with the hub: fetch the policy bundle with the stored ETag, verify and store it
//! through [`accept()`], then deliver the audit outbox. The folder also holds what a new
//! snapshot made worse ([`drops`]), what the hub's policy would change if applied
//! ([`preview()`]), and the device's sync status ([`status()`]).
//!
//! Invariants: a failure changes nothing but the "last attempt" settings, so the cached
//! policy stays in force; a 304 counts as a verified answer (it moves the snapshot's
//! verified time, from which staleness is measured); audit rows are only ever marked
//! delivered after the hub's 200, never deleted, and re-sent safely (the hub dedupes by id).

use gatehouse_hub::{ClientError, Fetch};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use crate::context::Context;
use crate::error::{Error, Result};
use crate::ports::{Clock, HubPort, Notifier};

pub(crate) mod accept;
pub(crate) mod drops;
pub mod inventory;
pub(crate) mod preview;
pub(crate) mod status;
pub(crate) mod trees;

pub use crate::error::Refusal;
pub use accept::{Accepted, accept};
pub use drops::{ServerDrop, compare, compare_servers, drops};
pub use preview::{PolicyPreview, PreviewState, VerdictChange, preview};
pub use status::{Status, status};
pub use trees::{Change, Modified, recheck};

/// How many audit events go in one request.
pub const AUDIT_BATCH: u32 = 200;
/// First wait after a failed delivery; doubled for each further failure.
const BACKOFF_BASE_SECS: i64 = 30;
/// The longest wait between delivery attempts.
const BACKOFF_CAP_SECS: i64 = 3600;

/// Setting names sync keeps.
pub mod key {
    /// When the hub was last asked (RFC 3339), whatever the answer.
    pub const LAST_ATTEMPT_AT: &str = "last_attempt_at";
    /// When the hub last gave a verified answer (a stored bundle or a 304).
    pub const LAST_SUCCESS_AT: &str = "last_success_at";
    /// Why the last attempt failed; absent when it succeeded.
    pub const LAST_ERROR: &str = "last_error";
    /// Consecutive failed audit deliveries, for the backoff.
    pub const AUDIT_FAILURES: &str = "audit_failures";
}

/// What a sync did to the policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyOutcome {
    /// A new bundle was verified and stored.
    Stored { serial: u64 },
    /// The hub confirmed the stored bundle (304, or the same bytes again).
    Unchanged { serial: Option<u64> },
}

/// What happened to the audit outbox.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditOutcome {
    /// Events the hub acknowledged in this sync (new or already known to it).
    pub delivered: u64,
    /// Events still waiting.
    pub pending: u64,
    /// Why delivery stopped early, if it did.
    pub error: Option<String>,
}

/// The result of one sync.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncOutcome {
    pub policy: PolicyOutcome,
    pub audit: AuditOutcome,
}

/// Which outbox rows to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Only rows whose backoff has passed (the background task).
    Due,
    /// Every undelivered row: someone asked for a sync now.
    All,
}

/// Fetches, verifies and stores the policy bundle, then delivers the outbox. When the
/// policy step fails, the outbox is still tried (a `policy_rejected` event should reach
/// the hub) and the policy error is returned. Servers a new policy made worse are told to
/// `notifier`.
pub async fn sync<C: Clock>(
    ctx: &Context<C>,
    hub: &impl HubPort,
    now: OffsetDateTime,
    delivery: Delivery,
    notifier: &impl Notifier,
) -> Result<SyncOutcome> {
    let org = ctx
        .hub_settings()
        .await?
        .organization
        .ok_or(Error::HubNotConfigured("organization"))?;
    set_time(ctx, key::LAST_ATTEMPT_AT, now).await?;
    let policy = fetch_policy(ctx, hub, &org, now, notifier).await;
    match &policy {
        Ok(_) => {
            set_time(ctx, key::LAST_SUCCESS_AT, now).await?;
            ctx.store.remove_setting(key::LAST_ERROR).await?;
        }
        Err(error) => {
            ctx.store
                .set_setting(key::LAST_ERROR, &error.to_string())
                .await?;
        }
    }
    // Every sync re-checks the verified servers' code against what was certified; its
    // findings are audited, so they go out with this sync's delivery.
    if let Err(error) = recheck(ctx, notifier).await {
        tracing::warn!("could not re-check the verified servers' files: {error}");
    }
    // And it tells the admin about servers the apps start outside Gatehouse (once each).
    let clients = crate::clients::list_and_report(ctx, &[]).await;
    if let Err(error) = &clients {
        tracing::warn!("could not look for servers that run outside Gatehouse: {error}");
    }
    let audit = flush_outbox(ctx, hub, &org, now, delivery).await?;
    // Then what this device runs, for the admin's compliance view (when it changed).
    if let (Ok(_), Ok(clients)) = (&policy, &clients)
        && let Err(error) = inventory::send_if_changed(ctx, hub, &org, clients).await
    {
        tracing::warn!("could not send the device inventory: {error}");
    }
    Ok(SyncOutcome {
        policy: policy?,
        audit,
    })
}

async fn fetch_policy<C: Clock>(
    ctx: &Context<C>,
    hub: &impl HubPort,
    org: &str,
    now: OffsetDateTime,
    notifier: &impl Notifier,
) -> Result<PolicyOutcome> {
    // Only a snapshot of this org can be confirmed by a 304 of this org's hub.
    let newest = ctx
        .store
        .snapshots_newest_first(1)
        .await?
        .into_iter()
        .next()
        .filter(|snapshot| snapshot.org == org);
    let settings = ctx.hub_settings().await?;
    let etag = newest
        .as_ref()
        .and_then(|snapshot| etag_of(snapshot, &settings.keys));
    // The hub learns how far this device's audit chain goes, so a tail deleted before it
    // arrives is a gap the hub sees.
    let head = ctx.store.audit_head().await?;
    let fetched = hub
        .fetch_bundle(org, etag, &ctx.device, head.as_ref())
        .await?;
    let statement = fetched.freshness().map(str::to_owned);
    let outcome = match fetched {
        Fetch::NotModified { .. } => {
            let Some(newest) = newest.as_ref().filter(|_| etag.is_some()) else {
                return Err(ClientError::Malformed(
                    "the hub answered 304 although no bundle was asked about".to_owned(),
                )
                .into());
            };
            ctx.store.mark_snapshot_verified(newest.id, now).await?;
            PolicyOutcome::Unchanged {
                serial: Some(newest.serial),
            }
        }
        Fetch::Bundle { body, etag, .. } => match accept(ctx, &body, etag, notifier).await? {
            Accepted::Stored { serial, .. } => PolicyOutcome::Stored { serial },
            Accepted::Unchanged { serial, .. } => PolicyOutcome::Unchanged {
                serial: Some(serial),
            },
        },
    };
    if let Some(statement) = statement {
        keep_statement(ctx, org, &statement).await?;
    }
    Ok(outcome)
}

/// Keeps the hub's freshness statement (HUB_API.md B1) when it verifies with a pinned key,
/// names this organization, this device and the serial now in force, and is newer than
/// the one kept; anything else is ignored, as if no statement had come.
async fn keep_statement<C: Clock>(ctx: &Context<C>, org: &str, raw: &str) -> Result<()> {
    use crate::policy::sources::{FRESHNESS_KEY, stored_statement};
    let settings = ctx.hub_settings().await?;
    let Ok(statement) = gatehouse_hub::verify_statement(raw, &settings.keys) else {
        tracing::warn!("the hub's freshness statement does not verify; it is ignored");
        return Ok(());
    };
    let in_force = ctx
        .store
        .snapshots_newest_first(1)
        .await?
        .into_iter()
        .next();
    let fits = statement.org == org
        && statement.device.as_deref() == Some(ctx.device.as_str())
        && in_force
            .is_some_and(|snapshot| snapshot.org == org && snapshot.serial == statement.serial);
    if !fits {
        tracing::warn!(
            "the hub's freshness statement is not about this device's policy; it is ignored"
        );
        return Ok(());
    }
    let kept = stored_statement(&ctx.store, &settings, org).await?;
    if kept.is_none_or(|kept| kept.time.0 <= statement.time.0) {
        ctx.store.set_setting(FRESHNESS_KEY, raw).await?;
    }
    Ok(())
}

/// The hub's ETag stored with `payload`, bound to it: a 304 may only ever confirm the bytes
/// the ETag came with, so an ETag copied onto another row confirms nothing.
pub(crate) fn bind_etag(payload: &[u8], etag: &str) -> String {
    format!("{} {etag}", payload_tag(payload))
}

/// The ETag to send for `snapshot`: only when the row verifies with a pinned key and its
/// ETag was bound to its own payload (else the whole bundle is fetched again).
fn etag_of<'a>(
    snapshot: &'a gatehouse_store::Snapshot,
    keys: &gatehouse_hub::TrustedKeys,
) -> Option<&'a str> {
    let stored = snapshot.etag.as_deref()?;
    let (tag, etag) = stored.split_once(' ')?;
    let verified = gatehouse_hub::verify_signature(
        &snapshot.payload,
        &snapshot.signature,
        &snapshot.key_id,
        keys,
    )
    .is_ok();
    (verified && tag == payload_tag(&snapshot.payload)).then_some(etag)
}

fn payload_tag(payload: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(payload))
}

/// Sends undelivered audit events in batches until none is left or one batch fails; a
/// failed batch is retried after an exponential backoff with jitter.
pub async fn flush_outbox<C: Clock>(
    ctx: &Context<C>,
    hub: &impl HubPort,
    org: &str,
    now: OffsetDateTime,
    delivery: Delivery,
) -> Result<AuditOutcome> {
    // Rows due by this time are sent; `All` looks past any backoff.
    let due_by = match delivery {
        Delivery::Due => now,
        Delivery::All => now + time::Duration::days(366 * 100),
    };
    let mut outcome = AuditOutcome::default();
    loop {
        // Each event exactly as it was made, chain fields included (HUB_API.md B2).
        let batch = ctx.store.pending_wire(AUDIT_BATCH, due_by).await?;
        if batch.is_empty() {
            break;
        }
        let (ids, wire): (Vec<Uuid>, Vec<serde_json::Value>) = batch.into_iter().unzip();
        match hub.post_audit(org, &wire).await {
            Ok(_ack) => {
                let marked = ctx.store.mark_delivered(&ids, now).await?;
                outcome.delivered += marked;
                ctx.store.remove_setting(key::AUDIT_FAILURES).await?;
                // Nothing newly marked would fetch the same batch forever.
                if marked == 0 {
                    break;
                }
            }
            Err(error) => {
                let failures = failures(ctx).await? + 1;
                ctx.store
                    .set_setting(key::AUDIT_FAILURES, &failures.to_string())
                    .await?;
                let next = now + backoff(failures, jitter_seed());
                ctx.store.mark_attempt_failed(&ids, next).await?;
                outcome.error = Some(error.to_string());
                break;
            }
        }
    }
    outcome.pending = ctx.store.pending_count().await?;
    Ok(outcome)
}

/// Delivers every waiting audit event to the configured hub now (with the token in
/// `secrets` or the environment), for events that must reach the admin before what they
/// record takes effect: a forced launch. Without a hub, or when it does not answer, the
/// events wait in the outbox as usual; that is not an error here.
pub async fn deliver_pending<C: Clock>(
    ctx: &Context<C>,
    secrets: &impl crate::ports::SecretStore,
) -> Option<AuditOutcome> {
    let org = ctx.hub_settings().await.ok()?.organization?;
    let (hub, _) = crate::settings::connect::configured_client(ctx, secrets)
        .await
        .ok()?;
    match flush_outbox(ctx, &hub, &org, ctx.clock.now(), Delivery::All).await {
        Ok(outcome) => Some(outcome),
        Err(error) => {
            tracing::warn!("could not deliver the audit events now: {error}");
            None
        }
    }
}

async fn failures<C: Clock>(ctx: &Context<C>) -> Result<u32> {
    Ok(ctx
        .store
        .setting(key::AUDIT_FAILURES)
        .await?
        .and_then(|text| text.parse().ok())
        .unwrap_or(0))
}

/// The wait after the `failures`-th consecutive failure: `base * 2^(failures-1)` capped,
/// of which a random half (from `seed`) is dropped so that many devices coming back
/// online at once do not retry in step.
pub fn backoff(failures: u32, seed: u64) -> time::Duration {
    let exponent = failures.saturating_sub(1).min(20);
    let full = BACKOFF_BASE_SECS
        .saturating_mul(1_i64 << exponent)
        .min(BACKOFF_CAP_SECS);
    let half = full / 2;
    let jitter = i64::try_from(seed % u64::try_from(half + 1).unwrap_or(1)).unwrap_or(0);
    time::Duration::seconds(half + jitter)
}

/// When the tray should try a sync again after its `failures`-th failure in a row: the
/// [`backoff`] with a random jitter of this device's own, and never sooner than 5 s.
pub fn retry_after(failures: u32) -> std::time::Duration {
    let wait = backoff(failures, jitter_seed());
    std::time::Duration::from_secs(u64::try_from(wait.whole_seconds()).unwrap_or(60).max(5))
}

fn jitter_seed() -> u64 {
    // A v4 UUID is 122 random bits; the low 64 are plenty for a jitter.
    Uuid::new_v4().as_u64_pair().1
}

async fn set_time<C: Clock>(ctx: &Context<C>, name: &str, at: OffsetDateTime) -> Result<()> {
    let text = at
        .to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .map_err(|e| Error::Encode {
            what: "a sync time",
            source: Box::new(e),
        })?;
    ctx.store.set_setting(name, &text).await?;
    Ok(())
}

/// A time setting sync wrote, if present and readable.
pub async fn read_time<C: Clock>(ctx: &Context<C>, name: &str) -> Result<Option<OffsetDateTime>> {
    Ok(ctx
        .store
        .setting(name)
        .await?
        .and_then(|text| OffsetDateTime::parse(&text, &Rfc3339).ok()))
}

#[cfg(test)]
mod tests;
