//! `gatehouse run`: decide, ask if policy says to, record the decision, then run the server
//! through the proxy and record how it ended. Every decision is audited, blocked ones too.

use gatehouse_policy::{Code, Request, Verdict, block_report};
use gatehouse_store::{AuditEvent, AuditKind, Server};

use super::decide::{Decided, decide, remember_always};
use crate::context::Context;
use crate::error::{Error, Result};
use crate::identity::Identity;
use crate::policy::Evaluation;
use crate::ports::{Clock, ConfirmRequest, Confirmation, Prompter};

/// The code a launch refused by managed `forbid_unmanaged` is audited with.
pub const NOT_MANAGED: &str = "not_managed";

/// The outcome of the decision step of `run`.
#[derive(Debug)]
pub enum Prepared {
    /// Go ahead: already audited as `kind`.
    Run(Box<Launch>),
    /// Not run; already audited. `message` is for the person, on stderr; `declined` when
    /// the person chose not to run it (nobody needs telling then).
    Refused {
        exit_code: u8,
        message: String,
        declined: bool,
    },
}

/// A launch that policy (and, where needed, the person) allowed.
#[derive(Debug)]
pub struct Launch {
    pub server: Server,
    /// Who it is; its `program` is what is started.
    pub identity: Identity,
    pub evaluation: Evaluation,
    /// Warnings to inject into the session (`--trust` on a `warn` verdict).
    pub warnings: Vec<String>,
    pub(crate) request: Request,
}

impl Launch {
    /// Whether policy was overridden (`--force`): its `launch_forced` event goes to the hub
    /// before the server starts, when the hub answers ([`crate::sync::deliver_pending`]).
    pub fn is_forced(&self) -> bool {
        self.request.is_forced()
    }
}

/// Decides whether server `id` may run now, asks through `prompter` for a `warn` verdict
/// that neither `--trust` nor a remembered "Always" covers, and audits the decision.
pub async fn prepare<C: Clock, P: Prompter>(
    ctx: &Context<C>,
    prompter: &P,
    id: &str,
    request: &Request,
) -> Result<Prepared> {
    let decided = decide(ctx, id, request, false).await?;
    let Decided {
        server,
        identity,
        standing,
        evaluation,
        confirmation_key,
        confirmed,
        not_managed,
    } = decided;
    let server = server.ok_or_else(|| Error::UnknownServer(id.to_owned()))?;
    if not_managed {
        // IT's managed settings allow only servers Gatehouse installed or wired from a
        // client app: one added by hand (`servers add`) never runs here.
        let mut event = server_event(ctx, &server, AuditKind::LaunchBlocked);
        event.verdict = Some(Verdict::Block.name().to_owned());
        event.codes = vec![NOT_MANAGED.to_owned()];
        if let Some(serde_json::Value::Object(detail)) = event.detail.as_mut() {
            detail.insert("reason".to_owned(), NOT_MANAGED.into());
        }
        ctx.store.record(&event).await?;
        return Ok(Prepared::Refused {
            exit_code: 4,
            message: format!(
                "`{}` was added by hand, and your organization allows only servers installed \
                 through Gatehouse or set up in your apps on this computer. Nothing was started.",
                server.id
            ),
            declined: false,
        });
    }
    let decision = &evaluation.decision;
    let forced = request.is_forced();
    let mut answer: Option<&str> = None;
    let kind = match decision.verdict {
        Verdict::Block => {
            let standing_detail = serde_json::json!({ "standing": standing });
            if decision.codes().contains(&Code::ArtifactModified) {
                // Its own event as well: an admin looks for tampering, not only for blocks.
                audit_decision(
                    ctx,
                    &server,
                    &evaluation,
                    request,
                    AuditKind::ArtifactModified,
                    Some(standing_detail.clone()),
                )
                .await?;
            }
            audit_decision(
                ctx,
                &server,
                &evaluation,
                request,
                AuditKind::LaunchBlocked,
                Some(standing_detail),
            )
            .await?;
            let message = block_report(&evaluation.facts, decision);
            return Ok(Prepared::Refused {
                exit_code: 4,
                message,
                declined: false,
            });
        }
        Verdict::Allow => AuditKind::LaunchAllowed,
        Verdict::Warn if request.trust => AuditKind::LaunchTrusted,
        Verdict::Warn if confirmed => {
            answer = Some("remembered");
            AuditKind::LaunchWarnedConfirmed
        }
        Verdict::Warn => {
            let ask = ConfirmRequest {
                server_id: server.id.clone(),
                name: evaluation.facts.label().to_owned(),
                version: evaluation.facts.version.clone(),
                reasons: decision
                    .violations
                    .iter()
                    .map(|v| v.message.clone())
                    .collect(),
            };
            match prompter.confirm(&ask).await {
                Confirmation::RunOnce => answer = Some("run_once"),
                Confirmation::Always => {
                    remember_always(ctx, &confirmation_key).await?;
                    answer = Some("always");
                }
                Confirmation::Declined => {
                    audit_decision(
                        ctx,
                        &server,
                        &evaluation,
                        request,
                        AuditKind::ConfirmDeclined,
                        None,
                    )
                    .await?;
                    let message =
                        format!("You chose not to run `{}`; nothing was started.", server.id);
                    return Ok(Prepared::Refused {
                        exit_code: 4,
                        message,
                        declined: true,
                    });
                }
                Confirmation::Unavailable(why) => {
                    let detail = serde_json::json!({ "reason": why });
                    audit_decision(
                        ctx,
                        &server,
                        &evaluation,
                        request,
                        AuditKind::ConfirmUnavailable,
                        Some(detail),
                    )
                    .await?;
                    let message = not_confirmed_message(&server, &evaluation, &why);
                    return Ok(Prepared::Refused {
                        exit_code: 4,
                        message,
                        declined: false,
                    });
                }
            }
            AuditKind::LaunchWarnedConfirmed
        }
    };
    // A forced run is recorded as such, whatever else let it run.
    let kind = if forced {
        AuditKind::LaunchForced
    } else {
        kind
    };
    // Which answer let a warned server run: asked now (once or always), or remembered.
    let detail = answer.map(|answer| serde_json::json!({ "answer": answer }));
    audit_decision(ctx, &server, &evaluation, request, kind, detail).await?;
    tracing::trace!(target: "gatehouse::phase", phase = "audited");
    let warnings = if decision.verdict == Verdict::Warn && request.trust {
        decision
            .violations
            .iter()
            .map(|v| v.message.clone())
            .collect()
    } else {
        Vec::new()
    };
    Ok(Prepared::Run(Box::new(Launch {
        server,
        identity,
        evaluation,
        warnings,
        request: request.clone(),
    })))
}

/// What a person reads when a `warn` server could not be confirmed: what is wrong and how
/// to approve it.
fn not_confirmed_message(server: &Server, evaluation: &Evaluation, why: &str) -> String {
    let mut text = format!(
        "Gatehouse needs your confirmation before `{}` runs, and could not ask: {why}\n",
        server.id
    );
    for violation in &evaluation.decision.violations {
        text.push_str(&format!("  - {}\n", violation.message));
    }
    text.push_str(&format!(
        "To approve it, open the Gatehouse app, or run `gatehouse approve {}` in a terminal.",
        server.id
    ));
    text
}

async fn audit_decision<C: Clock>(
    ctx: &Context<C>,
    server: &Server,
    evaluation: &Evaluation,
    request: &Request,
    kind: AuditKind,
    detail: Option<serde_json::Value>,
) -> Result<()> {
    let mut event = server_event(ctx, server, kind);
    event.server = Some(evaluation.facts.label().to_owned());
    event.version = evaluation.facts.version.clone();
    event.digest = evaluation.facts.digest.clone();
    event.verdict = Some(evaluation.decision.verdict.name().to_owned());
    event.codes = evaluation
        .decision
        .violations
        .iter()
        .map(|v| v.code.name().to_owned())
        .collect();
    if request.is_forced() {
        event.overrides = Some(serde_json::json!({
            "min_cert_level": request.override_min_cert_level,
            "allow_origins": request.override_allow_origins.iter().map(|o| o.name()).collect::<Vec<_>>(),
        }));
    }
    if let (Some(serde_json::Value::Object(base)), Some(serde_json::Value::Object(extra))) =
        (event.detail.as_mut(), detail)
    {
        base.extend(extra);
    }
    ctx.store.record(&event).await?;
    Ok(())
}

pub(crate) fn server_event<C: Clock>(
    ctx: &Context<C>,
    server: &Server,
    kind: AuditKind,
) -> AuditEvent {
    let mut event = ctx.event(kind);
    event.server = Some(server.name.clone());
    event.version = server.version.clone();
    event.detail = Some(serde_json::json!({ "id": server.id }));
    event
}
