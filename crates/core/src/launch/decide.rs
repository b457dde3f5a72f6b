//! The decision before a launch, shared by `gatehouse check` (decide only) and `gatehouse
//! run` (decide, ask, then run): which server, under which policy, with what verdict, and
//! whether a remembered confirmation already covers a `warn`.

use gatehouse_policy::{Request, Verdict};
use gatehouse_store::{ConfirmationKey, Server};

use crate::context::Context;
use crate::error::{Error, Result};
use crate::identity::{Identity, Standing, TreeCheck};
use crate::policy::{Evaluation, PolicySources, Scope};
use crate::ports::Clock;

/// What `check` and `run` decided before anything is spawned or anybody is asked.
#[derive(Debug, Clone)]
pub struct Decided {
    /// The registered server, or `None` when the name was evaluated as a catalog name.
    pub server: Option<Server>,
    /// Who it is: what runs, and the names it claims.
    pub identity: Identity,
    /// How much Gatehouse can vouch for it.
    pub standing: Standing,
    pub evaluation: Evaluation,
    /// The key under which an "Always" for this exact situation is remembered.
    pub confirmation_key: ConfirmationKey,
    /// Whether such an "Always" is remembered.
    pub confirmed: bool,
    /// Refused whatever the policy says: managed settings' `forbid_unmanaged` allows only
    /// servers Gatehouse installed or wired, and this one was added by hand.
    pub not_managed: bool,
}

impl Decided {
    /// The exit code a non-interactive launch would end with before spawning: 0 when it
    /// would run, 4 when policy blocks it or it needs a confirmation nobody gave.
    pub fn exit_code(&self, request: &Request) -> u8 {
        if self.not_managed {
            return 4;
        }
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

/// What `gatehouse check @org/name@version` asks about: the registry's package as an install
/// would get it, certified when the signed catalog lists that version with a digest; a name
/// the catalog does not certify is only claimed.
fn catalog_identity(sources: &PolicySources, text: &str) -> Identity {
    let (name, version) = split_version(text);
    match version.and_then(|version| sources.catalog_entry(name, version)) {
        Some(entry) => match &entry.digest {
            Some(digest) => Identity::of_install(name, &entry.version, digest),
            None => Identity::of_name(name),
        },
        None => Identity::of_name(name),
    }
}

/// The key under which an "Always for this version" for server `server_id`, as `identity`
/// under `evaluation`, is remembered: what `run` looks up and the servers list shows.
pub(crate) fn confirmation_key(
    server_id: String,
    evaluation: &Evaluation,
    identity: &Identity,
) -> ConfirmationKey {
    ConfirmationKey {
        server_id,
        version: evaluation.facts.version.clone(),
        digest: evaluation.facts.digest.clone(),
        // The same rules for the same launch: a changed command asks again.
        rules_hash: format!("{}:{}", evaluation.rules_hash(), identity.fingerprint),
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
    let server = ctx.store.server(id_or_name).await?;
    let (sources, identity) = match &server {
        // The launch path: only this server's part of the snapshot is read, and its files
        // are checked against their record before anything runs.
        Some(server) => {
            // Phase marks for `bench/launch.sh`: nothing listens otherwise.
            tracing::trace!(target: "gatehouse::phase", phase = "server_read");
            let sources = ctx.policy_sources(Scope::OneServer).await?;
            tracing::trace!(target: "gatehouse::phase", phase = "snapshot_verified");
            let identity = ctx.identity_of(server, TreeCheck::Launch).await?;
            tracing::trace!(target: "gatehouse::phase", phase = "tree_checked");
            (sources, identity)
        }
        None if allow_names => {
            let sources = ctx.policy_sources(Scope::ManyServers).await?;
            let identity = catalog_identity(&sources, id_or_name);
            (sources, identity)
        }
        None => return Err(Error::UnknownServer(id_or_name.to_owned())),
    };
    let mut request = request.clone();
    request.now = Some(ctx.policy_now());
    let evaluation = Evaluation::new(&sources, &identity, &request)?;
    tracing::trace!(target: "gatehouse::phase", phase = "decided");
    let standing = identity.standing(&evaluation.facts);
    let server_id = server
        .as_ref()
        .map_or_else(|| id_or_name.to_owned(), |server| server.id.clone());
    let confirmation_key = confirmation_key(server_id, &evaluation, &identity);
    let confirmed = evaluation.decision.verdict == Verdict::Warn
        && ctx.store.has_confirmation(&confirmation_key).await?;
    let not_managed = ctx.managed.forbid_unmanaged
        && server
            .as_ref()
            .is_some_and(|server| server.source == gatehouse_store::ServerSource::Manual);
    Ok(Decided {
        server,
        identity,
        standing,
        evaluation,
        confirmation_key,
        confirmed,
        not_managed,
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
    use ed25519_dalek::{Signer, SigningKey};
    use gatehouse_store::{AuditKind, NewSnapshot};
    use serde_json::json;

    use super::*;
    use crate::error::NoPolicy;
    use crate::test_support::{CERTIFIED, add_installed, following_acme};

    fn key() -> SigningKey {
        SigningKey::from_bytes(&[5; 32])
    }

    /// A device following `acme` with `db` installed, and `payload` stored as the policy in
    /// force under a signature over `signed`.
    async fn device_with_snapshot(
        dir: &tempfile::TempDir,
        payload: &[u8],
        signed: &[u8],
    ) -> Context {
        let ctx = following_acme(dir, &key()).await;
        add_installed(&ctx, "db", "@acme/db", "1.0.0", CERTIFIED).await;
        let snapshot = NewSnapshot {
            org: "acme".into(),
            serial: 1,
            key_id: "k1".into(),
            payload: payload.to_vec(),
            signature: key().sign(signed).to_bytes().to_vec(),
            etag: None,
            fetched_at: ctx.clock.now(),
        };
        let event = ctx.event(AuditKind::PolicySynced);
        ctx.store.store_snapshot(&snapshot, &event).await.unwrap();
        ctx
    }

    fn bundle(min_cert_level: u8) -> Vec<u8> {
        json!({
            "schema": 1, "org": "acme", "serial": 1, "issued_at": "2026-11-20T10:00:00Z",
            "max_offline_age": "100000d",
            "org_policy": {"min_cert_level": min_cert_level},
            "catalog": [{"name": "@acme/db", "version": "1.0.0", "digest": CERTIFIED,
                "origin": "verified", "cert_level": 1, "score": 90, "status": "published"}],
        })
        .to_string()
        .into_bytes()
    }

    fn failed_check(result: Result<Decided>) -> bool {
        matches!(result, Err(Error::NoSnapshot(NoPolicy::FailedCheck(_))))
    }

    #[tokio::test]
    async fn a_launch_decides_only_on_a_snapshot_whose_signature_verified() {
        let dir = tempfile::tempdir().unwrap();
        let strict = bundle(3);
        let ctx = device_with_snapshot(&dir, &strict, &strict).await;
        let decided = decide(&ctx, "db", &Request::default(), false)
            .await
            .unwrap();
        assert_eq!(decided.evaluation.decision.verdict, Verdict::Block);

        // The same row loosened by hand (it would allow): refused.
        let dir = tempfile::tempdir().unwrap();
        let ctx = device_with_snapshot(&dir, &bundle(0), &strict).await;
        let result = decide(&ctx, "db", &Request::default(), false).await;
        assert!(failed_check(result), "an edited row is never enforced");
    }

    #[tokio::test]
    async fn an_edited_snapshot_says_it_failed_its_check_whatever_else_its_bytes_break() {
        let strict = bundle(3);
        // Not JSON at all, a payload of another organization, a list that is not a list:
        // each would fail on its own, but the signature check answers first.
        for edited in [
            b"not json".to_vec(),
            String::from_utf8(strict.clone())
                .unwrap()
                .replace("\"acme\"", "\"other\"")
                .into_bytes(),
            String::from_utf8(strict.clone())
                .unwrap()
                .replace("\"min_cert_level\":3", "\"allow_list\":7")
                .into_bytes(),
        ] {
            let dir = tempfile::tempdir().unwrap();
            let ctx = device_with_snapshot(&dir, &edited, &strict).await;
            let result = decide(&ctx, "db", &Request::default(), false).await;
            assert!(
                failed_check(result),
                "{:?}",
                String::from_utf8_lossy(&edited)
            );
        }
    }

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
