//! The verdict of every entry of a client app, routed or not: what Gatehouse decides for
//! the server a routed entry runs, what it would decide for one an app starts directly
//! (judged from its command exactly as `servers add` would register it), and what the
//! policy says about a remote server's name. A revoked server started directly must not
//! look like the safe ones until it is routed.

use gatehouse_clients::read::Local;
use gatehouse_clients::{ClientApp, Entry, Transport};
use gatehouse_policy::{Request, Verdict};
use gatehouse_store::{Server, ServerSource};
use serde::Serialize;

use super::Launcher;
use crate::context::Context;
use crate::error::Result;
use crate::identity::{Identity, TreeCheck};
use crate::policy::Evaluator;
use crate::ports::Clock;

/// An entry's verdict and its reasons in plain words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EntryVerdict {
    pub verdict: Verdict,
    /// Whether it is what Gatehouse enforces (a routed entry), or what it would decide if
    /// the entry were routed.
    pub enforced: bool,
    pub reasons: Vec<String>,
}

/// The verdict of `entry` of `app`'s file; `None` for an entry of a kind Gatehouse cannot
/// judge, or routed to an id that is not registered.
pub(crate) async fn entry_verdict<C: Clock>(
    ctx: &Context<C>,
    evaluator: &mut Evaluator<'_>,
    request: &Request,
    launcher: &Launcher<'_>,
    app: ClientApp,
    entry: &Entry,
) -> Result<Option<EntryVerdict>> {
    let (identity, enforced) = match &entry.transport {
        Transport::Local(local) => match launcher.check(local) {
            Ok(Some(id)) => match ctx.store.server(id).await? {
                Some(server) => (ctx.identity_of(&server, TreeCheck::Quick).await?, true),
                None => return Ok(None),
            },
            // Not routed (or disguised): judged as the server its command starts.
            Ok(None) | Err(_) => {
                let server = as_server(app, &entry.name, local, ctx.clock.now());
                (ctx.identify(&server, None, false, TreeCheck::Quick), false)
            }
        },
        // Judged by their names: nothing else of them can be known before the app starts them.
        Transport::Remote { .. } | Transport::Extension { .. } => {
            (Identity::of_name(&entry.name), false)
        }
        Transport::Unknown { .. } => return Ok(None),
    };
    let evaluation = evaluator.evaluate(&identity, request)?;
    Ok(Some(EntryVerdict {
        verdict: evaluation.decision.verdict,
        enforced,
        reasons: evaluation
            .decision
            .violations
            .iter()
            .map(|v| v.message.clone())
            .collect(),
    }))
}

/// The server an unrouted entry would be registered as if it were wired.
fn as_server(app: ClientApp, name: &str, local: &Local, now: time::OffsetDateTime) -> Server {
    Server {
        id: name.to_owned(),
        name: name.to_owned(),
        version: None,
        command: local.command.clone(),
        args: local.args.clone(),
        env_names: local.env.iter().map(|(name, _)| name.clone()).collect(),
        source: ServerSource::Client,
        client: Some(app.name().to_owned()),
        bundle_digest: None,
        created_at: now,
    }
}
