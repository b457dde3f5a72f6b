//! What a change of a client app's config file added: the local entries that do not run
//! through Gatehouse are remembered per file, and each one that appears later is recorded
//! (`client_config_changed`) and offered to the person for routing. The desktop crate's
//! watcher sees the changes and calls [`UnroutedEntries::changed`]; nothing here watches.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use gatehouse_clients::paths::config_paths;
use gatehouse_clients::read::read_config;
use gatehouse_clients::{ClientApp, Transport};
use gatehouse_store::AuditKind;

use super::Launcher;
use crate::context::{Context, Environment};
use crate::ports::{Clock, Notification, Notifier};

/// Local entries of one file that do not run through Gatehouse, by their key path.
type Unrouted = BTreeSet<Vec<String>>;

/// The unrouted entries of every config file of every client app, as last seen.
#[derive(Debug, Clone, Default)]
pub struct UnroutedEntries {
    files: HashMap<PathBuf, (ClientApp, Unrouted)>,
}

impl UnroutedEntries {
    /// Reads every config file of every client app in `env`, and the `projects`' configs
    /// (from [`super::project_watch_paths`]); a missing one has none yet.
    pub fn read(env: &Environment, projects: &[(ClientApp, PathBuf)]) -> UnroutedEntries {
        let launcher = Launcher::of(env);
        let clients = env.clients();
        let mut files = HashMap::new();
        for app in ClientApp::ALL {
            for path in config_paths(app, clients.os, &clients.env) {
                let known = unrouted(app, &path, &launcher);
                files.insert(path, (app, known));
            }
        }
        for (app, path) in projects {
            let known = unrouted(*app, path, &launcher);
            files.entry(path.clone()).or_insert((*app, known));
        }
        UnroutedEntries { files }
    }

    /// The folders holding those files that exist now: what a watcher should watch (a file
    /// created in one later is seen too).
    pub fn folders(&self) -> BTreeSet<PathBuf> {
        self.files
            .keys()
            .filter_map(|path| path.parent().map(Path::to_path_buf))
            .filter(|dir| dir.is_dir())
            .collect()
    }

    /// Reads `path` again; each unrouted entry it gained is recorded and offered through
    /// `notifier`. A path that is no client app's file is ignored.
    pub async fn changed<C: Clock>(
        &mut self,
        ctx: &Context<C>,
        notifier: &impl Notifier,
        path: &Path,
    ) {
        let Some((app, known)) = self.files.get_mut(path) else {
            return;
        };
        let now = unrouted(*app, path, &Launcher::of(&ctx.env));
        for added in now.difference(known) {
            report(ctx, notifier, *app, path, added).await;
        }
        *known = now;
    }
}

/// The unrouted local entries of a file; none when it is missing or does not parse (a
/// half-written file is read again at its next change).
fn unrouted(app: ClientApp, path: &Path, launcher: &Launcher<'_>) -> Unrouted {
    match read_config(app, path) {
        Ok(Some(file)) => file
            .entries
            .iter()
            .filter(|e| {
                matches!(e.transport, Transport::Local(_)) && launcher.routed_id(e).is_none()
            })
            .map(|e| e.path())
            .collect(),
        _ => Unrouted::new(),
    }
}

async fn report<C: Clock>(
    ctx: &Context<C>,
    notifier: &impl Notifier,
    app: ClientApp,
    path: &Path,
    entry_path: &[String],
) {
    let name = entry_path.last().cloned().unwrap_or_default();
    let mut event = ctx.event(AuditKind::ClientConfigChanged);
    event.detail = Some(serde_json::json!({
        "client": app.name(),
        "path": path.to_string_lossy(),
        "entry": entry_path,
        "action": "entry_added",
        "routed": false,
    }));
    if let Err(error) = ctx.store.record(&event).await {
        tracing::warn!("could not record a client_config_changed event: {error}");
    }
    notifier.notify(&Notification {
        title: format!("New MCP server in {}", app.label()),
        body: format!(
            "`{name}` was added to {} and does not run through Gatehouse, so nothing checks it before it starts. Route it through Gatehouse?",
            app.label()
        ),
        server_id: name,
    });
}
