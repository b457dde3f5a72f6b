//! `gatehouse servers list` and the servers view: every registered server with its facts,
//! its verdict under the policy in force, and the client apps that start it.

use gatehouse_clients::ClientApp;
use gatehouse_policy::{Code, Layer, Origin, Severity, Status, Verdict};
use gatehouse_store::ServerSource;
use serde::Serialize;

use super::tools::{LastTools, TOOLS_PREFIX};
use crate::context::Context;
use crate::error::Result;
use crate::identity::{Standing, TreeCheck};
use crate::policy::{Evaluator, Scope};
use crate::ports::Clock;

/// One row of `gatehouse servers list`: the fields of `shared/CLI.md`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ServerView {
    pub id: String,
    /// A remembered "Always for this version" covers the server as it is now (its version,
    /// command and the rules in force), so it starts without asking.
    pub approved: bool,
    /// How many "Always" answers are remembered for it, for any version or rules: what
    /// "Ask me again" takes back.
    pub approvals: u32,
    /// The bound name: the name of the code that runs (`None` for an unbound server).
    pub name: Option<String>,
    pub version: Option<String>,
    /// How much Gatehouse can vouch for what it runs.
    pub standing: Standing,
    /// Verified as a copy of a public package (rather than a registry bundle).
    pub verified_copy: bool,
    /// Named, and the catalog certifies a copy of exactly its package: "Use the verified
    /// copy" can switch it ([`crate::servers::use_verified_copy`]).
    pub copy_offered: bool,
    /// Every other name its launch claims (the id, a label, extra packages).
    pub claims: Vec<String>,
    pub origin: Origin,
    pub cert_level: Option<u8>,
    pub score: Option<u8>,
    pub status: Status,
    pub verdict: Verdict,
    pub codes: Vec<Code>,
    /// The client apps that start it.
    pub clients: Vec<ClientApp>,
    /// The reasons in plain words, one per violation.
    pub reasons: Vec<String>,
    /// Each violation with the layer that set the broken rule.
    pub violations: Vec<ReasonView>,
    /// The command that starts it (as configured; values of its environment are never kept).
    pub command: String,
    /// Its arguments, anything secret-shaped shown as `<redacted>`.
    pub args: Vec<String>,
    /// Where it came from: by hand, from a client app's entry, or from the registry.
    pub source: ServerSource,
    /// The tools it listed at its last run, and when (RFC 3339); empty before its first run.
    pub tools: Vec<String>,
    pub tools_seen_at: Option<String>,
}

/// One reason for a verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReasonView {
    pub code: Code,
    pub severity: Severity,
    /// The layer whose rule this is (`org`, `area`, …).
    pub layer: Layer,
    /// The area's name, for an area rule.
    pub layer_label: Option<String>,
    pub message: String,
}

impl ReasonView {
    /// The violation as the UI shows it.
    pub fn of(violation: &gatehouse_policy::Violation) -> ReasonView {
        ReasonView {
            code: violation.code,
            severity: violation.severity,
            layer: violation.layer,
            layer_label: violation.layer_label.clone(),
            message: violation.message.clone(),
        }
    }
}

/// Every registered server with its facts and its verdict under the policy in force now,
/// and the client apps (in `clients`' files) that start it through Gatehouse.
pub async fn list_servers<C: Clock>(ctx: &Context<C>) -> Result<Vec<ServerView>> {
    let launcher = crate::clients::Launcher::of(&ctx.env);
    let files = crate::clients::known_files(ctx, &[], &[]).await?;
    let mut apps = crate::clients::apps_by_server(&files, &launcher);
    let sources = ctx.policy_sources(Scope::ManyServers).await?;
    let request = ctx.request_now();
    let mut evaluator = Evaluator::new(&sources);
    // One query for every server's tools rather than one per server.
    let mut seen: std::collections::HashMap<String, LastTools> = ctx
        .store
        .settings_with_prefix(TOOLS_PREFIX)
        .await?
        .into_iter()
        .filter_map(|(key, text)| {
            let id = key.strip_prefix(TOOLS_PREFIX)?.to_owned();
            Some((id, serde_json::from_str(&text).ok()?))
        })
        .collect();
    let approvals = ctx.store.confirmation_counts().await?;
    let mut views = Vec::new();
    for server in ctx.store.servers().await? {
        let tools = seen.remove(&server.id).unwrap_or_default();
        // Sizes only: a list must stay cheap; every launch and sync hashes the files.
        let identity = ctx.identity_of(&server, TreeCheck::Quick).await?;
        let evaluation = evaluator.evaluate(&identity, &request)?;
        let facts = &evaluation.facts;
        let standing = identity.standing(facts);
        let approvals = approvals.get(&server.id).copied().unwrap_or(0);
        // The key `gatehouse run` would look up, checked only where an answer is
        // remembered at all.
        let approved = approvals > 0
            && evaluation.decision.verdict == gatehouse_policy::Verdict::Warn
            && ctx
                .store
                .has_confirmation(&crate::launch::decide::confirmation_key(
                    server.id.clone(),
                    &evaluation,
                    &identity,
                ))
                .await?;
        views.push(ServerView {
            approved,
            approvals,
            standing,
            verified_copy: standing == Standing::Verified && identity.is_copy(),
            copy_offered: standing == Standing::Named && sources.copy_of_named(&identity).is_some(),
            claims: facts.claims.clone(),
            name: facts.name.clone(),
            version: facts.version.clone(),
            origin: facts.origin,
            cert_level: facts.cert_level,
            score: facts.score,
            status: facts.status,
            verdict: evaluation.decision.verdict,
            codes: evaluation
                .decision
                .violations
                .iter()
                .map(|v| v.code)
                .collect(),
            reasons: evaluation
                .decision
                .violations
                .iter()
                .map(|v| v.message.clone())
                .collect(),
            violations: evaluation
                .decision
                .violations
                .iter()
                .map(ReasonView::of)
                .collect(),
            command: server.command.clone(),
            args: gatehouse_clients::secrets::redact_args(&server.args),
            source: server.source,
            tools: tools.tools,
            tools_seen_at: (!tools.at.is_empty()).then_some(tools.at),
            clients: {
                let mut found: Vec<ClientApp> = server
                    .client
                    .as_deref()
                    .and_then(ClientApp::from_name)
                    .into_iter()
                    .collect();
                for app in apps.remove(&server.id).unwrap_or_default() {
                    if !found.contains(&app) {
                        found.push(app);
                    }
                }
                found
            },
            id: server.id,
        });
    }
    Ok(views)
}
