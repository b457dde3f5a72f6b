//! What the hub's current policy would change on this device if it were applied, without
//! applying it (the policy view's "changes waiting on the hub", `gatehouse policy preview`).
//!
//! The bundle is fetched whole (no ETag: a 304 would tell nothing about its content) and
//! judged exactly as a sync would judge it: the same signature and organization check and
//! the same rollback rules ([`crate::sync::accept`]). Every registered server is then evaluated
//! under the policy in force and under the fetched one. Nothing is stored, audited or marked
//! verified: the policy in force, its age and the audit log stay as they were.

use gatehouse_hub::{ClientError, Fetch};
use gatehouse_policy::{Request, Verdict};
use gatehouse_store::Server;
use serde::Serialize;

use crate::context::Context;
use crate::error::Refusal;
use crate::error::{Error, ErrorCode, Result};
use crate::identity::TreeCheck;
use crate::policy::{Evaluation, HubSnapshot, PolicySources, Scope};
use crate::ports::{Clock, HubPort};
use crate::sync::accept::{Standing, check, newest_stored, standing};
use crate::sync::drops::compare_servers;

/// How the hub's bundle stands against the policy in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum PreviewState {
    /// The hub has the bundle already in force.
    UpToDate,
    /// The hub has a newer bundle, which a sync would store.
    Newer,
    /// A sync would refuse the hub's bundle; the policy in force would stay.
    Refused,
}

/// What applying the hub's policy would change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PolicyPreview {
    pub state: PreviewState,
    /// The serial of the newest stored snapshot (the one the rollback rules compare with);
    /// `None` before the first sync.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub current_serial: Option<u64>,
    /// The serial of the hub's bundle; `None` when it was refused before its content could
    /// be trusted (a bad signature, an unpinned key, another organization).
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub hub_serial: Option<u64>,
    /// Why a sync would refuse it, in plain words (only when `state` is `refused`).
    pub refused_reason: Option<String>,
    /// The same reason's stable code (`bundle_forged`, `bundle_rollback`, …).
    pub refused_code: Option<ErrorCode>,
    /// Each registered server whose verdict would differ, better or worse.
    pub changes: Vec<VerdictChange>,
    /// How many registered servers keep their verdict.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub unchanged: usize,
}

/// One server whose verdict the hub's policy would change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct VerdictChange {
    pub id: String,
    pub name: String,
    pub version: Option<String>,
    pub verdict_now: Verdict,
    pub verdict_after: Verdict,
    /// The violations under the hub's policy, in plain words.
    pub reasons: Vec<String>,
    /// The same violations' codes.
    pub codes: Vec<String>,
}

/// Fetches the hub's bundle and says what it would change. A hub that cannot be asked, or
/// an unusable policy in force (a broken local file), is an error; a bundle a sync would
/// refuse is a [`PreviewState::Refused`] answer.
pub async fn preview<C: Clock>(ctx: &Context<C>, hub: &impl HubPort) -> Result<PolicyPreview> {
    let settings = ctx.hub_settings().await?;
    let org = settings
        .organization
        .clone()
        .ok_or(Error::HubNotConfigured("organization"))?;
    // First, so that an unusable policy in force is said as such whatever the hub answers.
    let current = sources_in_force(ctx).await?;
    let head = ctx.store.audit_head().await?;
    let body = match hub
        .fetch_bundle(&org, None, &ctx.device, head.as_ref())
        .await?
    {
        Fetch::Bundle { body, .. } => body,
        Fetch::NotModified { .. } => {
            return Err(ClientError::Malformed(
                "the hub answered 304 although no bundle was asked about".to_owned(),
            )
            .into());
        }
    };
    let newest = newest_stored(ctx, &org).await?;
    let current_serial = newest.as_ref().map(|newest| newest.serial);
    let servers = ctx.identified_servers(TreeCheck::Quick).await?;
    let answer = |state, hub_serial, refusal: Option<Refusal>| PolicyPreview {
        state,
        current_serial,
        hub_serial,
        refused_reason: refusal.as_ref().map(ToString::to_string),
        refused_code: refusal.as_ref().map(Refusal::code),
        changes: Vec::new(),
        unchanged: servers.len(),
    };
    let (envelope, bundle) = match check(ctx, &body).await {
        Ok(checked) => checked,
        Err(Error::Rejected(refusal)) => {
            return Ok(answer(PreviewState::Refused, None, Some(refusal)));
        }
        Err(error) => return Err(error),
    };
    let hub_serial = Some(bundle.serial);
    // `check` made sure the bundle is of `org`, so `newest` is the row to compare with.
    match standing(newest.as_ref(), &bundle, &envelope.payload) {
        Ok(Standing::Newer) => {}
        Ok(Standing::Same { .. }) => return Ok(answer(PreviewState::UpToDate, hub_serial, None)),
        Err(Error::Rejected(refusal)) => {
            return Ok(answer(PreviewState::Refused, hub_serial, Some(refusal)));
        }
        Err(error) => return Err(error),
    }
    let now = ctx.policy_now();
    // The device's own layers stay; only the hub's are the previewed bundle's. (Not
    // `..current.clone()`: that would copy the parsed bundle in force only to drop it.)
    let after = PolicySources {
        local: current.local.clone(),
        hub: Some(HubSnapshot::unstored(envelope, bundle, now)),
        area: settings.area.clone(),
        managed_mandatory: current.managed_mandatory.clone(),
        time_floor: current.time_floor,
    };
    let request = Request {
        now: Some(now),
        ..Request::default()
    };
    let changes = compare_servers(&servers, &current, &after, &request, verdict_change)?;
    Ok(PolicyPreview {
        unchanged: servers.len() - changes.len(),
        changes,
        ..answer(PreviewState::Newer, hub_serial, None)
    })
}

/// The sources in force now; before the first sync (no valid snapshot), the layers that
/// do not come from the hub, which is what the first bundle is then compared with.
async fn sources_in_force<C: Clock>(ctx: &Context<C>) -> Result<PolicySources> {
    let loaded = ctx.policy_sources(Scope::ManyServers).await;
    match loaded {
        Err(Error::NoSnapshot(_)) => PolicySources::without_hub(&ctx.mcp_config, &ctx.managed),
        other => other,
    }
}

/// The change of `server`'s verdict between two evaluations, if it changed at all.
fn verdict_change(server: &Server, now: &Evaluation, after: &Evaluation) -> Option<VerdictChange> {
    if now.decision.verdict == after.decision.verdict {
        return None;
    }
    let violations = &after.decision.violations;
    Some(VerdictChange {
        id: server.id.clone(),
        name: after.facts.label().to_owned(),
        version: after.facts.version.clone(),
        verdict_now: now.decision.verdict,
        verdict_after: after.decision.verdict,
        reasons: violations.iter().map(|v| v.message.clone()).collect(),
        codes: violations
            .iter()
            .map(|v| v.code.name().to_owned())
            .collect(),
    })
}

#[cfg(test)]
mod tests;
