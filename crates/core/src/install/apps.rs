//! Installing and giving client apps an entry for the new server, as one step: when an app's
//! file cannot be changed safely the install is undone, so a failed install leaves nothing
//! behind, whether it came from the command line or the install screen.

use gatehouse_clients::ClientApp;

use super::{
    InstallFrom, InstallOutcome, InstallRequest, install_from_files, install_with_progress,
};
use super::{InstallStep, Progress};
use crate::clients::entries::add_to_clients;
use crate::context::Context;
use crate::error::Result;
use crate::ports::{Clock, PackagesPort, RegistryPort, SecretStore};
use crate::servers::remove_server;

/// Installs `request.package`, then adds an entry running `<gatehouse> run <id>` to each of
/// `apps` (none when empty). The files changed are in the outcome's `added_to`.
#[allow(
    clippy::too_many_arguments,
    reason = "each is a separate port or input"
)]
pub async fn install_into_apps<C: Clock, S: SecretStore, R: RegistryPort, P: PackagesPort>(
    ctx: &Context<C>,
    from: InstallFrom<'_, R, P>,
    secrets: &S,
    request: &InstallRequest,
    gatehouse: &str,
    apps: &[ClientApp],
    progress: Progress<'_>,
) -> Result<InstallOutcome> {
    let mut outcome = match from {
        InstallFrom::Registry { registry, packages } => {
            install_with_progress(ctx, registry, packages, request, progress).await?
        }
        InstallFrom::Files { bundle, manifest } => {
            install_from_files(ctx, request, bundle, manifest).await?
        }
    };
    let InstallOutcome::Installed(installed) = &mut outcome else {
        return Ok(outcome);
    };
    if apps.is_empty() {
        return Ok(outcome);
    }
    progress(InstallStep::AddingToApps);
    let id = installed.server.id.clone();
    match add_to_clients(ctx, gatehouse, apps, &id).await {
        Ok(changed) => {
            installed.added_to = changed;
            Ok(outcome)
        }
        Err(error) => {
            // Removing also takes out the entries already added to other apps.
            let reason = match remove_server(ctx, secrets, &id).await {
                Ok(_) => error.to_string(),
                Err(undo) => format!("{error}; undoing the install failed too: {undo}"),
            };
            Err(super::InstallError::ClientApps { id, reason }.into())
        }
    }
}
