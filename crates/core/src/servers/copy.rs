//! "Use the verified copy": a named server (a clean `npx`/`uvx` spec, whose downloads
//! Gatehouse cannot check) switched to the copy of exactly its package that the signed
//! catalog certifies. The copy is installed for the server's own id, so the client entries
//! that run `gatehouse run <id>` keep working unchanged and now start checked code.

use gatehouse_store::AuditKind;
use serde_json::json;

use crate::context::Context;
use crate::error::{Error, Result};
use crate::identity::{Standing, TreeCheck};
use crate::install::{InstallError, copy};
use crate::policy::Scope;
use crate::ports::{Clock, PackagesPort};

/// What switching did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Switched {
    pub id: String,
    /// The package now installed (`npm:@scope/pkg@1.2.3`).
    pub package: String,
}

/// Installs the certified copy of named server `id`'s package and makes `id` run it,
/// audited as `server_installed` (its detail says it was switched from a named spec).
pub async fn use_verified_copy<C: Clock>(
    ctx: &Context<C>,
    packages: &impl PackagesPort,
    id: &str,
) -> Result<Switched> {
    let server = ctx
        .store
        .server(id)
        .await?
        .ok_or_else(|| Error::UnknownServer(id.to_owned()))?;
    let identity = ctx.identity_of(&server, TreeCheck::Quick).await?;
    let sources = ctx.policy_sources(Scope::ManyServers).await?;
    let facts = sources.server_policy(&identity)?.compile().1;
    if identity.standing(&facts) != Standing::Named {
        return Err(Error::Usage(format!(
            "`{id}` does not run a named package (a pinned npx, uvx or pipx spec), so there \
             is no verified copy to switch it to"
        )));
    }
    let package = sources
        .copy_of_named(&identity)
        .cloned()
        .ok_or_else(|| InstallError::NoCopy(id.to_owned()))?;
    let prepared = copy::prepare(ctx, packages, id, &package, &crate::install::silent).await?;
    let described = format!(
        "{}:{}@{}",
        package.registry_type.as_str(),
        package.identifier,
        package.version
    );
    let mut event = ctx.event(AuditKind::ServerInstalled);
    event.server = Some(id.to_owned());
    event.version = Some(package.version.clone());
    event.digest = Some(format!("sha256:{}", package.file_sha256));
    event.detail = Some(json!({
        "id": id,
        "source": "copy",
        "standing": "verified",
        "switched_from": "named",
        "package": described,
        "previous_command": server.command,
    }));
    let switched = ctx
        .store
        .switch_to_copy(id, &prepared.server, &prepared.tree, &event)
        .await;
    match switched {
        Ok(true) => Ok(Switched {
            id: id.to_owned(),
            package: described,
        }),
        Ok(false) => {
            copy::undo(&prepared.target, &prepared.artifact, ctx).await;
            Err(Error::UnknownServer(id.to_owned()))
        }
        Err(error) => {
            copy::undo(&prepared.target, &prepared.artifact, ctx).await;
            Err(error.into())
        }
    }
}
