//! The managed servers: registering one by hand, removing one (and the client app entries
//! that run it), listing them with their verdicts ([`list`]), the tools each listed at its
//! last run ([`tools`]), the policy name a launch command implies ([`naming`]), and the
//! MCP conversation of "Check now" ([`check`]).

pub(crate) mod check;
pub(crate) mod copy;
pub(crate) mod id;
pub(crate) mod list;
pub(crate) mod tools;
pub(crate) mod upgrade;

pub use crate::error::ProbeProblem;
pub use check::{ProbeOutcome, talk};
pub use copy::{Switched, use_verified_copy};
pub use id::validate_id;
pub use list::{ReasonView, ServerView, list_servers};
pub use tools::{LastTools, record_tools};
pub use upgrade::{Upgraded, finish_identity_upgrade};

use gatehouse_store::{AuditKind, Server, ServerSource};

use crate::clients::wire::unwire_clients;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::identity::{Standing, TreeCheck};
use crate::ports::{Clock, SecretStore};

/// A server to register by hand (`gatehouse servers add`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddServer {
    pub id: String,
    /// A label, recorded as a claim (DESIGN.md "Server identity"): a deny list and a
    /// revocation see it; it never lends the server a certified name's badges.
    pub name: Option<String>,
    /// Names of the variables the server needs from the environment (never values).
    pub env_names: Vec<String>,
    pub command: String,
    pub args: Vec<String>,
}

fn validate_env_name(name: &str) -> Result<()> {
    let mut chars = name.chars();
    let valid = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Err(Error::Usage(format!(
            "`{name}` is not an environment variable name"
        )));
    }
    if gatehouse_launch::is_gatehouse_own(name) {
        return Err(Error::Usage(format!(
            "`{name}` is one of Gatehouse's own variables, which never reach a server (they \
             hold its hub token and say where its policy is)"
        )));
    }
    Ok(())
}

/// A server registered by hand, with who it is.
#[derive(Debug, Clone)]
pub struct Added {
    pub server: Server,
    /// Named (a clean spec on the system's runner) or unbound; never verified: only code
    /// Gatehouse installed can be.
    pub standing: Standing,
    /// The bound name and version, for a named server.
    pub bound: Option<(String, String)>,
}

/// Registers a local stdio server. Its facts are not given here: they come only from the
/// signed catalog, and only for code Gatehouse installed, so nobody can assert a
/// certification from the command line.
pub async fn add_server<C: Clock>(ctx: &Context<C>, add: AddServer) -> Result<Added> {
    validate_id(&add.id)?;
    for name in &add.env_names {
        validate_env_name(name)?;
    }
    if add.command.trim().is_empty() {
        return Err(Error::Usage("the server's command is empty".to_owned()));
    }
    // A control character in the program would read one way in the store and another in a
    // log, a client config or a terminal. Arguments may hold line breaks and tabs (a
    // `python -c` script), but no other control character.
    let bad_program = add.command.chars().any(char::is_control);
    let bad_arg = add.args.iter().find(|arg| {
        arg.chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    });
    if let Some(bad) = bad_program.then_some(&add.command).or(bad_arg) {
        return Err(Error::Usage(format!(
            "`{}` holds a control character, which a command cannot have",
            bad.escape_debug()
        )));
    }
    if let Some(label) = &add.name {
        validate_label(label)?;
    }
    let server = Server {
        name: add.name.clone().unwrap_or_else(|| add.id.clone()),
        id: add.id,
        version: None,
        command: add.command,
        args: add.args,
        env_names: add.env_names,
        source: ServerSource::Manual,
        client: None,
        bundle_digest: None,
        created_at: ctx.clock.now(),
    };
    let mut event = ctx.event(AuditKind::ServerInstalled);
    let identity = ctx.identity_of(&server, TreeCheck::Quick).await?;
    let facts = gatehouse_hub::resolve([], &identity.subject());
    let standing = identity.standing(&facts);
    let bound = facts.name.clone().zip(facts.version.clone());
    event.server = Some(facts.label().to_owned());
    event.version = facts.version.clone();
    event.detail = Some(serde_json::json!({
        "id": server.id,
        "source": "manual",
        "standing": standing,
        "claims": facts.claims,
    }));
    ctx.store.add_server(&server, Some(&event)).await?;
    Ok(Added {
        server,
        standing,
        bound,
    })
}

/// A `--name` label: a name, not a sentence; nothing that could read as an option.
fn validate_label(label: &str) -> Result<()> {
    let valid = !label.is_empty()
        && label.len() <= 200
        && !label.starts_with('-')
        && label
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '@' | '/' | '.' | '_' | '-'));
    if valid {
        Ok(())
    } else {
        Err(Error::Usage(format!(
            "`{label}` cannot be a server label: use letters, digits and `@ / . _ -`"
        )))
    }
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
    let outcomes = unwire_clients(ctx, secrets, &[], &[], Some(id)).await?;
    if let Some(error) = outcomes.iter().flat_map(|o| o.errors.iter()).next() {
        return Err(Error::StillWired {
            id: id.to_owned(),
            reason: error.clone(),
        });
    }
    // Entries added for it (`install --client`) go too: no app is left calling it.
    crate::clients::entries::remove_from_clients(ctx, id)
        .await
        .map_err(|error| Error::StillWired {
            id: id.to_owned(),
            reason: error.to_string(),
        })?;
    ctx.store.remove_setting(&tools::tools_key(id)).await?;
    // Unwiring its last entry already removed a server that came from a client app.
    let Some(server) = ctx.store.server(id).await? else {
        return Ok(true);
    };
    let tree = ctx.store.verified_tree(id).await?;
    let mut event = ctx.event(AuditKind::ServerRemoved);
    event.server = Some(server.name.clone());
    event.version = server.version.clone();
    event.detail = Some(serde_json::json!({ "id": server.id }));
    if !ctx.store.remove_server(id, Some(&event)).await? {
        return Ok(false);
    }
    remove_unused_files(ctx, &server, tree.as_ref()).await?;
    Ok(true)
}

/// Takes back every "Always for this version" answer for server `id`: its next start asks
/// again. Audited as `approval_revoked`; returns how many answers were forgotten.
pub async fn revoke_approvals<C: Clock>(ctx: &Context<C>, id: &str) -> Result<u64> {
    let server = ctx
        .store
        .server(id)
        .await?
        .ok_or_else(|| Error::UnknownServer(id.to_owned()))?;
    let mut event = ctx.event(AuditKind::ApprovalRevoked);
    event.server = Some(server.name.clone());
    event.version = server.version.clone();
    Ok(ctx
        .store
        .forget_confirmations_recorded(&server.id, &event)
        .await?)
}

/// Deletes what was installed for `server` that no other server uses any more: its
/// bundle's folder (read-only, so made writable first), a verified copy's folder, and the
/// kept artifact.
async fn remove_unused_files<C: Clock>(
    ctx: &Context<C>,
    server: &Server,
    tree: Option<&gatehouse_store::VerifiedTree>,
) -> Result<()> {
    let io = |path: &std::path::Path| {
        let path = path.to_owned();
        move |source| Error::Io { path, source }
    };
    if let Some(digest) = server.bundle_digest.as_deref()
        && let Some(dir) = crate::install::bundle_dir(&ctx.data_dir, digest)
        && ctx.store.servers_using_bundle(digest).await? == 0
    {
        crate::identity::tree::remove(&dir).map_err(io(&dir))?;
    }
    let Some(tree) = tree else {
        return Ok(());
    };
    let root = std::path::Path::new(&tree.root);
    // A copy's folder is its own (`<data>/servers/<id>/`); checked to be one before it is
    // deleted, since the record could have been edited to name any folder.
    if tree.kind == gatehouse_store::TreeKind::Package
        && crate::install::copy_dir(&ctx.data_dir, &server.id).is_ok_and(|own| own == root)
    {
        crate::identity::tree::remove(root).map_err(io(root))?;
    }
    let artifact = std::path::Path::new(&tree.artifact);
    let kept_here =
        artifact.parent() == Some(crate::install::artifacts_dir(&ctx.data_dir).as_path());
    if kept_here && ctx.store.servers_using_artifact(&tree.artifact).await? == 0 {
        match std::fs::remove_file(artifact) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => {
                return Err(Error::Io {
                    path: artifact.to_owned(),
                    source,
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_names_are_names_not_assignments() {
        assert!(validate_env_name("GITHUB_TOKEN").is_ok());
        assert!(
            validate_env_name("TOKEN=abc").is_err(),
            "a value must never be passed where a name goes"
        );
        assert!(validate_env_name("1X").is_err());
        assert!(
            validate_env_name("GATEHOUSE_HUB_TOKEN").is_err(),
            "the hub token is never handed to a server"
        );
    }

    #[tokio::test]
    async fn an_always_does_not_outlive_its_server() {
        use crate::launch::{decide, remember_always};
        use crate::ports::testing::MemorySecrets;
        let dir = tempfile::tempdir().unwrap();
        let ctx = crate::test_support::context_in(&dir).await;
        // A local rule that asks before an uncertified server runs.
        std::fs::write(
            dir.path().join("config.yaml"),
            "policy: {min_cert_level: 1, cert_mode: warn}\n",
        )
        .unwrap();
        let add = || AddServer {
            id: "notes".to_owned(),
            name: None,
            env_names: Vec::new(),
            command: "notes-server".to_owned(),
            args: Vec::new(),
        };
        let request = gatehouse_policy::Request::default();
        add_server(&ctx, add()).await.unwrap();
        let decided = decide(&ctx, "notes", &request, false).await.unwrap();
        assert_eq!(
            decided.evaluation.decision.verdict,
            gatehouse_policy::Verdict::Warn
        );
        remember_always(&ctx, &decided.confirmation_key)
            .await
            .unwrap();
        assert!(
            decide(&ctx, "notes", &request, false)
                .await
                .unwrap()
                .confirmed
        );

        assert!(
            remove_server(&ctx, &MemorySecrets::default(), "notes")
                .await
                .unwrap()
        );
        add_server(&ctx, add()).await.unwrap();
        assert!(
            !decide(&ctx, "notes", &request, false)
                .await
                .unwrap()
                .confirmed,
            "a new server under the same id is asked about again"
        );
    }
}
