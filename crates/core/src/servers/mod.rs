//! Registering, removing and listing managed servers.

use gatehouse_policy::Verdict;
use gatehouse_store::{AuditKind, Server, ServerSource};
use serde::Serialize;

use crate::clients::wire::unwire_clients;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::evaluation::{Evaluator, Scope};
use crate::naming::derive_name;
use crate::ports::{Clock, SecretStore};

/// A server to register by hand (`gatehouse servers add`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddServer {
    pub id: String,
    /// The policy name; derived from the command when absent, else the id.
    pub name: Option<String>,
    pub version: Option<String>,
    /// Names of the variables the server needs from the environment (never values).
    pub env_names: Vec<String>,
    pub command: String,
    pub args: Vec<String>,
}

/// Refuses ids that would be ambiguous on a command line or in a config file.
pub fn validate_id(id: &str) -> Result<()> {
    let invalid = |reason| {
        Err(Error::InvalidId {
            id: id.to_owned(),
            reason,
        })
    };
    if id.is_empty() {
        return invalid("it is empty");
    }
    if id.len() > 200 {
        return invalid("it is longer than 200 characters");
    }
    if id.starts_with('-') {
        return invalid("it starts with `-`, which reads as a flag");
    }
    if !id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '@' | '/' | '.' | '_' | '-' | ':'))
    {
        return invalid("only letters, digits and `@ / . _ - :` may be used");
    }
    Ok(())
}

fn validate_env_name(name: &str) -> Result<()> {
    let mut chars = name.chars();
    let valid = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if valid {
        Ok(())
    } else {
        Err(Error::Usage(format!(
            "`{name}` is not an environment variable name"
        )))
    }
}

/// Registers a local stdio server. Its facts are not given here: they come only from the
/// signed catalog, so nobody can assert a certification from the command line.
pub async fn add_server<C: Clock>(ctx: &Context<C>, add: AddServer) -> Result<Server> {
    validate_id(&add.id)?;
    for name in &add.env_names {
        validate_env_name(name)?;
    }
    if add.command.trim().is_empty() {
        return Err(Error::Usage("the server's command is empty".to_owned()));
    }
    let derived = derive_name(&add.command, &add.args);
    let name = add
        .name
        .clone()
        .or_else(|| derived.as_ref().map(|d| d.name.clone()))
        .unwrap_or_else(|| add.id.clone());
    let version = add
        .version
        .clone()
        .or_else(|| derived.and_then(|d| d.version));
    let server = Server {
        id: add.id,
        name,
        version,
        command: add.command,
        args: add.args,
        env_names: add.env_names,
        source: ServerSource::Manual,
        client: None,
        bundle_digest: None,
        created_at: ctx.clock.now(),
    };
    let mut event = ctx.event(AuditKind::ServerInstalled);
    event.server = Some(server.name.clone());
    event.version = server.version.clone();
    event.detail = Some(serde_json::json!({ "id": server.id, "source": "manual" }));
    ctx.store.add_server(&server, Some(&event)).await?;
    Ok(server)
}

/// Unregisters server `id`, first restoring the client app entries that run it (so no app
/// is left calling an id that no longer exists). `false` when there was none. When an entry
/// cannot be restored safely, nothing is unregistered and the error says which file.
pub async fn remove_server<C: Clock, S: SecretStore>(
    ctx: &Context<C>,
    secrets: &S,
    id: &str,
) -> Result<bool> {
    if ctx.store.server(id).await?.is_none() {
        return Ok(false);
    }
    let outcomes = unwire_clients(ctx, secrets, &[], Some(id)).await?;
    if let Some(error) = outcomes.iter().flat_map(|o| o.errors.iter()).next() {
        return Err(Error::StillWired {
            id: id.to_owned(),
            reason: error.clone(),
        });
    }
    // Entries added for it (`install --client`) go too: no app is left calling it.
    crate::clients::add::remove_from_clients(ctx, &crate::clients::ClientsEnv::from_process(), id)
        .await
        .map_err(|error| Error::StillWired {
            id: id.to_owned(),
            reason: error.to_string(),
        })?;
    ctx.store.remove_setting(&tools_key(id)).await?;
    // Unwiring its last entry already removed a server that came from a client app.
    let Some(server) = ctx.store.server(id).await? else {
        return Ok(true);
    };
    let mut event = ctx.event(AuditKind::ServerRemoved);
    event.server = Some(server.name.clone());
    event.version = server.version.clone();
    event.detail = Some(serde_json::json!({ "id": server.id }));
    if !ctx.store.remove_server(id, Some(&event)).await? {
        return Ok(false);
    }
    remove_unused_bundle(ctx, &server).await?;
    Ok(true)
}

/// Deletes the installed bundle of `server` when no other server uses it any more.
async fn remove_unused_bundle<C: Clock>(ctx: &Context<C>, server: &Server) -> Result<()> {
    let Some(digest) = server.bundle_digest.as_deref() else {
        return Ok(());
    };
    let Some(dir) = crate::install::bundle_dir(&ctx.data_dir, digest) else {
        return Ok(());
    };
    if ctx.store.servers_using_bundle(digest).await? > 0 {
        return Ok(());
    }
    match std::fs::remove_dir_all(&dir) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(Error::Io { path: dir, source }),
    }
}

/// One row of `gatehouse servers list`: the fields of `shared/CLI.md`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ServerView {
    pub id: String,
    pub name: String,
    pub version: Option<String>,
    pub origin: String,
    pub cert_level: Option<u8>,
    pub score: Option<u8>,
    pub status: String,
    #[cfg_attr(feature = "ts", ts(type = "\"allow\" | \"warn\" | \"block\""))]
    pub verdict: Verdict,
    pub codes: Vec<String>,
    pub clients: Vec<String>,
    /// The reasons in plain words, one per violation.
    pub reasons: Vec<String>,
    /// Each violation with the layer that set the broken rule.
    pub violations: Vec<ReasonView>,
    /// The command that starts it (as configured; values of its environment are never kept).
    pub command: String,
    pub args: Vec<String>,
    /// Where it came from: `manual`, `client` or `registry`.
    pub source: String,
    /// The tools it listed at its last run, and when (RFC 3339); empty before its first run.
    pub tools: Vec<String>,
    pub tools_seen_at: Option<String>,
}

/// One reason for a verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReasonView {
    pub code: String,
    /// `block` or `warn`.
    pub severity: String,
    /// The layer whose rule this is (`org`, `area`, …).
    pub layer: String,
    /// The area's name, for an area rule.
    pub layer_label: Option<String>,
    pub message: String,
}

impl ReasonView {
    /// The violation as the UI shows it.
    pub fn of(violation: &gatehouse_policy::Violation) -> ReasonView {
        ReasonView {
            code: violation.code.name().to_owned(),
            severity: match violation.severity {
                gatehouse_policy::Severity::Warn => "warn",
                gatehouse_policy::Severity::Block => "block",
            }
            .to_owned(),
            layer: violation.layer.name().to_owned(),
            layer_label: violation.layer_label.clone(),
            message: violation.message.clone(),
        }
    }
}

/// The tools a server listed at its last run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct LastTools {
    pub tools: Vec<String>,
    pub at: String,
}

/// The settings keys holding each server's last tools: this prefix and the server id.
const TOOLS_PREFIX: &str = "last_tools/";

fn tools_key(id: &str) -> String {
    format!("{TOOLS_PREFIX}{id}")
}

/// Remembers the tools server `id` listed (the launcher reports them as it proxies).
pub async fn record_tools<C: Clock>(
    ctx: &Context<C>,
    id: &str,
    tools: &[String],
    at: time::OffsetDateTime,
) -> Result<()> {
    let at = at
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let value = serde_json::to_string(&LastTools {
        tools: tools.to_vec(),
        at,
    })
    .map_err(|error| Error::Settings(error.to_string()))?;
    ctx.store.set_setting(&tools_key(id), &value).await?;
    Ok(())
}

/// Every registered server with its facts and its verdict under the policy in force now,
/// and the client apps (in `clients`' files) that start it through Gatehouse.
pub async fn list_servers<C: Clock>(
    ctx: &Context<C>,
    clients: &crate::clients::ClientsEnv,
) -> Result<Vec<ServerView>> {
    let mut apps = crate::clients::apps_by_server(clients);
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
    let views = ctx
        .store
        .servers()
        .await?
        .into_iter()
        .map(|server| {
            let tools = seen.remove(&server.id).unwrap_or_default();
            let evaluation =
                evaluator.evaluate(&server.name, server.version.as_deref(), &request)?;
            let facts = &evaluation.facts;
            Ok(ServerView {
                origin: facts.origin.name().to_owned(),
                cert_level: facts.cert_level,
                score: facts.score,
                status: facts.status.name().to_owned(),
                verdict: evaluation.decision.verdict,
                codes: evaluation
                    .decision
                    .violations
                    .iter()
                    .map(|v| v.code.name().to_owned())
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
                args: server.args.clone(),
                source: server.source.as_str().to_owned(),
                tools: tools.tools,
                tools_seen_at: (!tools.at.is_empty()).then_some(tools.at),
                clients: {
                    let mut names: Vec<String> = server.client.iter().cloned().collect();
                    for name in apps.remove(&server.id).unwrap_or_default() {
                        if !names.contains(&name) {
                            names.push(name);
                        }
                    }
                    names
                },
                id: server.id,
                name: server.name,
                version: server.version,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(views)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_that_read_as_flags_or_hold_spaces_are_refused() {
        assert!(validate_id("filesystem").is_ok());
        assert!(validate_id("@acme/tool").is_ok());
        assert!(validate_id("").is_err());
        assert!(
            validate_id("--trust").is_err(),
            "would be read as a flag by `gatehouse run`"
        );
        assert!(validate_id("my server").is_err());
        assert!(validate_id(&"x".repeat(201)).is_err());
    }

    #[test]
    fn env_names_are_names_not_assignments() {
        assert!(validate_env_name("GITHUB_TOKEN").is_ok());
        assert!(
            validate_env_name("TOKEN=abc").is_err(),
            "a value must never be passed where a name goes"
        );
        assert!(validate_env_name("1X").is_err());
    }
}
