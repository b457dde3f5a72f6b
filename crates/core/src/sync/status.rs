//! `gatehouse status`: the hub this device follows, the snapshot in force, how the last
//! sync went, whether the policy is stale, and what is waiting to be delivered. It reads
//! only the store: asking the hub is `sync`'s job.

use gatehouse_hub::Bundle;
use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{self as sync, key};
use crate::context::Context;
use crate::error::Result;
use crate::ports::Clock;

/// The status of this device, in the field names of CLI.md.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Status {
    pub hub_url: Option<String>,
    pub organization: Option<String>,
    pub area: Option<String>,
    /// The serial of the snapshot in force: the newest stored one, when it passes its
    /// checks (else none is in force, and a warning says why).
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub serial: Option<u64>,
    /// When that snapshot was first stored.
    pub fetched_at: Option<String>,
    /// When the hub last vouched for it, signed (its newest freshness statement, else the
    /// bundle's `issued_at`); staleness counts from here.
    pub verified_at: Option<String>,
    /// Seconds since `verified_at`.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub age_secs: Option<i64>,
    pub last_attempt_at: Option<String>,
    pub last_success_at: Option<String>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// Whether the last attempt succeeded.
    pub online: bool,
    /// The snapshot is older than its `max_offline_age` (or a hub is configured and no
    /// snapshot is stored at all).
    pub stale: bool,
    /// Registered servers.
    pub servers: usize,
    /// Audit events the hub has not acknowledged yet.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub pending_audit: u64,
    /// Things to fix that do not stop enforcement, one sentence each (HUB_API.md B1: a
    /// configured area the bundle does not define).
    pub warnings: Vec<String>,
}

/// Reads the status at `now`.
pub async fn status<C: Clock>(ctx: &Context<C>, now: OffsetDateTime) -> Result<Status> {
    let settings = ctx.hub_settings().await?;
    let newest = ctx
        .store
        .snapshots_newest_first(1)
        .await?
        .into_iter()
        .next();
    let newest_serial = newest.as_ref().map(|row| row.serial);
    let last_attempt = sync::read_time(ctx, key::LAST_ATTEMPT_AT).await?;
    let last_success = sync::read_time(ctx, key::LAST_SUCCESS_AT).await?;
    let last_error = ctx.store.setting(key::LAST_ERROR).await?;
    let in_force = if settings.hub_configured() {
        match ctx.policy_sources(crate::policy::Scope::OneServer).await {
            Ok(sources) => sources.hub.map(|hub| (hub, sources.time_floor)),
            Err(crate::Error::NoSnapshot(_)) => None,
            Err(error) => return Err(error),
        }
    } else {
        None
    };
    let newest = newest.filter(|row| {
        in_force
            .as_ref()
            .is_some_and(|(hub, _)| hub.snapshot_id == Some(row.id))
    });
    let bundle = newest
        .as_ref()
        .and_then(|snapshot| Bundle::parse(&snapshot.payload).ok());
    // Now, never below the newest time the hub vouched for.
    let now_floored = match in_force.as_ref().and_then(|(_, floor)| *floor) {
        Some(floor) if floor.0 > now.unix_timestamp() => {
            OffsetDateTime::from_unix_timestamp(floor.0).unwrap_or(now)
        }
        _ => now,
    };
    let fresh_at = in_force
        .as_ref()
        .and_then(|(hub, _)| OffsetDateTime::from_unix_timestamp(hub.fresh_at.0).ok());
    let stale = match (&fresh_at, &bundle) {
        (Some(fresh_at), Some(bundle)) => bundle
            .max_offline_age_secs
            .is_some_and(|max| (now_floored - *fresh_at).whole_seconds() > max),
        _ => settings.hub_configured(),
    };
    let mut warnings = Vec::new();
    if let Some(serial) = newest_serial.filter(|_| settings.hub_configured() && in_force.is_none())
    {
        warnings.push(format!(
            "the newest stored policy (serial {serial}) fails its checks, so none is in force: launches are refused until the next sync"
        ));
    }
    if let (Some(area), Some(bundle)) = (&settings.area, &bundle)
        && !bundle.areas.contains_key(area)
    {
        warnings.push(format!(
            "the area `{area}` is not defined by the organization's policy, so no area rules apply"
        ));
    }
    Ok(Status {
        hub_url: settings.hub_url,
        organization: settings.organization,
        area: settings.area,
        serial: newest.as_ref().map(|snapshot| snapshot.serial),
        fetched_at: newest.as_ref().and_then(|s| text(s.fetched_at)),
        verified_at: fresh_at.and_then(text),
        age_secs: fresh_at.map(|at| (now_floored - at).whole_seconds()),
        last_attempt_at: last_attempt.and_then(text),
        last_success_at: last_success.and_then(text),
        online: last_attempt.is_some() && last_error.is_none(),
        last_error,
        stale,
        servers: ctx.store.servers().await?.len(),
        pending_audit: ctx.store.pending_count().await?,
        warnings,
    })
}

fn text(at: OffsetDateTime) -> Option<String> {
    at.to_offset(time::UtcOffset::UTC).format(&Rfc3339).ok()
}
