//! The decision before a launch, shared by `gatehouse check` (decide only) and `gatehouse
//! run` (decide, ask, then run): which server, under which policy, with what verdict, and
//! whether a remembered confirmation already covers a `warn`.

use gatehouse_policy::{Request, Verdict};
use gatehouse_store::{ConfirmationKey, Server};

use crate::context::Context;
use crate::error::{Error, Result};
use crate::policy::{Evaluation, Scope};
use crate::ports::Clock;

/// What `check` and `run` decided before anything is spawned or anybody is asked.
#[derive(Debug, Clone)]
pub struct Decided {
    /// The registered server, or `None` when the name was evaluated as a catalog name.
    pub server: Option<Server>,
    pub evaluation: Evaluation,
    /// The key under which an "Always" for this exact situation is remembered.
    pub confirmation_key: ConfirmationKey,
    /// Whether such an "Always" is remembered.
    pub confirmed: bool,
}

impl Decided {
    /// The exit code a non-interactive launch would end with before spawning: 0 when it
    /// would run, 4 when policy blocks it or it needs a confirmation nobody gave.
    pub fn exit_code(&self, request: &Request) -> u8 {
        match self.evaluation.decision.verdict {
            Verdict::Allow => 0,
            Verdict::Warn if request.trust || self.confirmed => 0,
            Verdict::Warn | Verdict::Block => 4,
        }
    }
}

/// Splits `name@version` (an `@` after the first character separates the version).
fn split_version(text: &str) -> (&str, Option<&str>) {
    match text.rfind('@') {
        Some(at) if at > 0 && at + 1 < text.len() => (&text[..at], Some(&text[at + 1..])),
        _ => (text, None),
    }
}

/// Decides for a registered server id, or for a catalog name when `allow_names` and no
/// server has that id. Nothing is written.
pub async fn decide<C: Clock>(
    ctx: &Context<C>,
    id_or_name: &str,
    request: &Request,
    allow_names: bool,
) -> Result<Decided> {
    request
        .validate()
        .map_err(|error| Error::Usage(error.to_string()))?;
    let sources = ctx.policy_sources(Scope::OneServer).await?;
    let server = ctx.store.server(id_or_name).await?;
    let (id, name, version) = match &server {
        Some(server) => (
            server.id.clone(),
            server.name.clone(),
            server.version.clone(),
        ),
        None if allow_names => {
            let (name, version) = split_version(id_or_name);
            (name.to_owned(), name.to_owned(), version.map(str::to_owned))
        }
        None => return Err(Error::UnknownServer(id_or_name.to_owned())),
    };
    let mut request = request.clone();
    request.now = Some(ctx.policy_now());
    let evaluation = Evaluation::new(&sources, &name, version.as_deref(), &request)?;
    let confirmation_key = ConfirmationKey {
        server_id: id,
        version,
        digest: evaluation.facts.digest.clone(),
        rules_hash: evaluation.rules_hash(),
    };
    let confirmed = evaluation.decision.verdict == Verdict::Warn
        && ctx.store.has_confirmation(&confirmation_key).await?;
    Ok(Decided {
        server,
        evaluation,
        confirmation_key,
        confirmed,
    })
}

/// Remembers "Always for this version" for the situation `key` names: later launches of the
/// same server, version and digest under the same rules run without asking.
pub async fn remember_always<C: Clock>(ctx: &Context<C>, key: &ConfirmationKey) -> Result<()> {
    ctx.store
        .remember_confirmation(key, ctx.clock.now())
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_split_after_the_scope() {
        assert_eq!(
            split_version("@acme/tool@1.2.0"),
            ("@acme/tool", Some("1.2.0"))
        );
        assert_eq!(split_version("@acme/tool"), ("@acme/tool", None));
        assert_eq!(split_version("tool@"), ("tool@", None));
    }
}
