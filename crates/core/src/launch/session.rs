//! Running an allowed launch: the server in a proxied session, the policy watched while it
//! runs, pins and tool changes kept in the store, and how it ended recorded.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::time::{Duration, SystemTime};

use gatehouse_launch::{
    LaunchSpec, PinMode, PinStore, ProxyOptions, SessionEnd, SessionEvents, StopReason,
    filtered_env, launch_key, legacy_launch_key, run_session,
};
use gatehouse_policy::{Mode, Request, Verdict};
use gatehouse_store::{AuditKind, Server, ServerSource, Store};
use tokio::sync::mpsc;

use crate::clients::wire::secret_account;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::identity::Identity;
use crate::launch::prepare::{Launch, server_event};
use crate::policy::{Evaluation, Scope};
use crate::ports::{Clock, KeyringProblem, SecretStore};

/// How often a running launcher looks for a new policy (DESIGN.md: "within seconds").
const RECHECK_EVERY: Duration = Duration::from_secs(2);
/// How long after the spawn the store's log is checkpointed ([`gatehouse_store::Store::checkpoint`]).
const CHECKPOINT_AFTER: Duration = Duration::from_millis(100);

/// Runs an allowed launch: spawns the server with a filtered environment, proxies this
/// process's stdio, re-checks the policy when it changes, and records `launch_ended`.
/// Returns the exit code to leave with (the server's own).
///
/// A server wired from a client app whose entry held secrets gets them from `secrets` (the
/// OS keyring); other servers never touch it.
pub async fn run<C: Clock, S: SecretStore>(
    ctx: &Context<C>,
    secrets: &S,
    launch: Launch,
) -> Result<i32> {
    let Launch {
        server,
        identity,
        evaluation,
        warnings,
        request,
    } = launch;
    let env_lookup = ctx.env.lookup();
    // The program identity established: a named spec's runner as the system's path found it.
    // Secret arguments wiring moved to the keyring come back only here, in memory.
    let args = crate::clients::wire::arg_secrets::expand_args(&server.id, &server.args, secrets)?;
    // Values the client app filled in for the entry's placeholders take their positions.
    let (program, args) = if crate::launch::values::placeholder_positions(&identity.program, &args)
        .is_empty()
        && !ctx.env.has_placeholder_values()
    {
        (identity.program.clone(), args)
    } else {
        crate::launch::values::fill(
            &server.id,
            &identity.program,
            &args,
            |name| ctx.env.lookup()(name).map(|v| v.to_string_lossy().into_owned()),
            &ctx.env.placeholder_value_names(),
        )?
    };
    let mut spec = LaunchSpec::new(
        OsString::from(&program),
        args.iter().map(OsString::from).collect(),
    );
    let mut from_keyring = BTreeMap::new();
    for name in ctx.store.secret_env(&server.id).await? {
        let account = secret_account(&server.id, &name);
        let literal = secrets.get(&account)?.ok_or_else(|| {
            Error::Keyring(KeyringProblem::MissingValue {
                id: server.id.clone(),
                name: name.clone(),
            })
        })?;
        from_keyring.insert(
            OsString::from(&name),
            OsString::from(decode_literal(literal.expose())?),
        );
    }
    spec.env = filtered_env(&server.env_names, &from_keyring, env_lookup);
    spec.stderr_log = Some(ctx.server_log(&server.id)?);
    // An installed server runs in its bundle's folder: its manifest's arguments (`server.js`)
    // are relative to it.
    if server.source == ServerSource::Registry {
        spec.cwd = server
            .bundle_digest
            .as_deref()
            .and_then(|digest| crate::install::bundle_dir(&ctx.data_dir, digest));
    }
    let (label, version) = (
        evaluation.facts.label(),
        evaluation.facts.version.as_deref(),
    );
    let mut options = ProxyOptions::new(launch_key(label, version, &spec));
    options.legacy_launch_key = Some(legacy_launch_key(label, version, &spec));
    let had_warnings = !warnings.is_empty();
    options.warnings = warnings;
    // A server under strict rules is cut when its tools change behind the approval; a
    // looser mode records the change and goes on.
    options.pin_mode = match evaluation.policy.cert_mode().value {
        Mode::Strict => PinMode::Strict,
        Mode::Warn | Mode::Disabled => PinMode::Warn,
    };

    let (changes, mut changed) = mpsc::unbounded_channel::<ToolReport>();
    let events = ToolEvents { changes };
    let pins = StorePins(&ctx.store, &ctx.clock);
    let recorder = async {
        while let Some(report) = changed.recv().await {
            let (kind, tools) = match report {
                ToolReport::Changed(tools) => (AuditKind::ToolsChanged, tools),
                ToolReport::Repinned(tools) => (AuditKind::ToolsRepinned, tools),
                ToolReport::Listed(tools) => {
                    let at = ctx.clock.now();
                    if let Err(error) =
                        crate::servers::record_tools(ctx, &server.id, &tools, at).await
                    {
                        tracing::warn!("could not remember the tools of `{}`: {error}", server.id);
                    }
                    continue;
                }
            };
            let mut event = server_event(ctx, &server, kind);
            event.detail = Some(serde_json::json!({ "id": server.id, "tools": tools }));
            if let Err(error) = ctx.store.record(&event).await {
                tracing::warn!("could not record a {kind} event: {error}");
            }
        }
    };
    let stop = watch_policy(ctx, &server, &identity, &request);
    tracing::trace!(target: "gatehouse::phase", phase = "spawning");
    ctx.store.leave_thread_to_session();
    let ended = tokio::sync::Notify::new();
    let session = async {
        let result = run_session(spec, options, &pins, &events, stop).await;
        drop(events); // closes the channel, so the recorder finishes
        ended.notify_one();
        result
    };
    let tidy = async {
        // Once the server has started, not before: this is off the path to its first
        // byte. A session that ends sooner does not wait for it.
        tokio::select! {
            () = tokio::time::sleep(CHECKPOINT_AFTER) => {}
            () = ended.notified() => {}
        }
        if let Err(error) = ctx.store.checkpoint().await {
            tracing::debug!("no checkpoint of the store after the launch: {error}");
        }
    };
    let (result, (), ()) = tokio::join!(session, recorder, tidy);
    let ended = match result {
        Ok(end) => end,
        Err(error) => {
            let mut event = server_event(ctx, &server, AuditKind::LaunchEnded);
            event.detail = Some(serde_json::json!({ "id": server.id, "error": error.to_string() }));
            ctx.store.record(&event).await?;
            return Err(Error::Launch(error));
        }
    };
    if had_warnings && !ended.warnings_shown {
        // The person chose to trust a server the policy warns about; the model should have
        // been told, and the client's protocol gave no place: the admin hears of it.
        let mut event = server_event(ctx, &server, AuditKind::WarningNotShown);
        event.detail = Some(serde_json::json!({ "id": server.id }));
        ctx.store.record(&event).await?;
    }
    record_end(ctx, &server, &ended).await?;
    Ok(ended.exit_code)
}

async fn record_end<C: Clock>(ctx: &Context<C>, server: &Server, ended: &SessionEnd) -> Result<()> {
    let mut event = server_event(ctx, server, AuditKind::LaunchEnded);
    event.detail = Some(serde_json::json!({
        "id": server.id,
        "exit_code": ended.exit_code,
        "duration_ms": u64::try_from(ended.duration.as_millis()).unwrap_or(u64::MAX),
        "end": format!("{:?}", ended.end),
        "tools_changed": ended.tools_changed,
    }));
    ctx.store.record(&event).await?;
    Ok(())
}

/// Resolves when the policy in force has changed so that this server is now blocked. It
/// looks every [`RECHECK_EVERY`] at the stored snapshot serial and the local policy file,
/// and re-evaluates only when one of them changed.
async fn watch_policy<C: Clock>(
    ctx: &Context<C>,
    server: &Server,
    identity: &Identity,
    request: &Request,
) -> StopReason {
    {
        let fingerprint = || async {
            let serial = ctx.store.latest_snapshot_serial().await.ok().flatten();
            let modified = std::fs::metadata(&ctx.mcp_config)
                .and_then(|m| m.modified())
                .ok();
            (
                serial,
                modified.map(|t| t.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default()),
            )
        };
        let mut last = fingerprint().await;
        loop {
            tokio::time::sleep(RECHECK_EVERY).await;
            let now = fingerprint().await;
            if now == last {
                continue;
            }
            last = now;
            let mut request = request.clone();
            request.now = Some(ctx.policy_now());
            let evaluation = match ctx
                .policy_sources(Scope::OneServer)
                .await
                .and_then(|sources| Evaluation::new(&sources, identity, &request))
            {
                Ok(evaluation) => evaluation,
                // A policy that became unusable stops what it would have governed.
                Err(error) => {
                    return StopReason {
                        message: format!("Gatehouse stopped this server: {error}."),
                    };
                }
            };
            let verdict = (evaluation.decision.verdict == Verdict::Block).then_some(evaluation);
            if let Some(evaluation) = verdict {
                let mut event = server_event(ctx, server, AuditKind::LaunchBlocked);
                event.verdict = Some("block".to_owned());
                event.codes = evaluation
                    .decision
                    .violations
                    .iter()
                    .map(|v| v.code.name().to_owned())
                    .collect();
                if let Err(error) = ctx.store.record(&event).await {
                    tracing::warn!("could not record the block: {error}");
                }
                let reasons: Vec<String> = evaluation
                    .decision
                    .blocking()
                    .map(|v| v.message.clone())
                    .collect();
                return StopReason {
                    message: format!(
                        "Gatehouse stopped this server: the policy changed and no longer allows it. {}",
                        reasons.join(" ")
                    ),
                };
            }
        }
    }
}

/// The value of a JSON string literal as the keyring keeps it (the exact text the client
/// app's file had, so that unwiring restores it byte for byte).
fn decode_literal(literal: &str) -> Result<String> {
    serde_json::from_str(literal).map_err(|_| Error::Keyring(KeyringProblem::NotAStoredValue))
}

/// Tool pins kept in the store.
struct StorePins<'a, C: Clock>(&'a Store, &'a C);

impl<C: Clock> PinStore for StorePins<'_, C> {
    type Error = gatehouse_store::Error;

    async fn pins(
        &self,
        launch_key: &str,
    ) -> std::result::Result<BTreeMap<String, String>, Self::Error> {
        self.0.tool_pins(launch_key).await
    }

    async fn pin_new(
        &self,
        launch_key: &str,
        tools: &[(String, String)],
    ) -> std::result::Result<(), Self::Error> {
        self.0
            .pin_tools(launch_key, tools, self.1.now())
            .await
            .map(|_| ())
    }

    async fn repin(
        &self,
        launch_key: &str,
        tools: &[(String, String)],
    ) -> std::result::Result<(), Self::Error> {
        self.0
            .replace_pins(launch_key, tools, self.1.now())
            .await
            .map(|_| ())
    }
}

/// What the proxy reported about a server's tools.
enum ToolReport {
    /// Pinned tools whose definitions changed (`tools_changed`).
    Changed(Vec<String>),
    /// Unchanged tools whose older pins were carried over (`tools_repinned`).
    Repinned(Vec<String>),
    /// The names in a `tools/list` result (what the app shows as the tools of last run).
    Listed(Vec<String>),
}

/// Forwards tool reports to the recorder task (the proxy's calls must not block).
struct ToolEvents {
    changes: mpsc::UnboundedSender<ToolReport>,
}

impl SessionEvents for ToolEvents {
    fn tools_changed(&self, tools: &[String]) {
        // The recorder only stops after the session; a send cannot fail before then.
        let _ = self.changes.send(ToolReport::Changed(tools.to_vec()));
    }

    fn tools_repinned(&self, tools: &[String]) {
        let _ = self.changes.send(ToolReport::Repinned(tools.to_vec()));
    }

    fn tools_listed(&self, tools: &[String]) {
        let _ = self.changes.send(ToolReport::Listed(tools.to_vec()));
    }

    fn warning(&self, warning: &gatehouse_launch::SessionWarning) {
        tracing::warn!("{warning}");
    }
}
