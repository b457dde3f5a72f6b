//! Watching the client apps' config files (the `notify` crate) for local server entries
//! another tool adds later: each one is recorded as `client_config_changed` and the person
//! is offered to route it through Gatehouse. The tray app starts it with [`watch_clients`]
//! and keeps the returned [`ClientsWatch`] for as long as it should watch.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use gatehouse_clients::paths::config_paths;
use gatehouse_clients::read::read_config;
use gatehouse_clients::{ClientApp, Transport};
use gatehouse_store::AuditKind;
use notify::{RecursiveMode, Watcher};
use tokio::sync::mpsc;

use crate::clients::ClientsEnv;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::ports::{Clock, Notification, Notifier};

/// Editors and apps write a file in several steps; changes closer than this are one.
const SETTLE: Duration = Duration::from_millis(150);

/// A running watch. Dropping it stops watching.
#[derive(Debug)]
pub struct ClientsWatch {
    _watcher: notify::RecommendedWatcher,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for ClientsWatch {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Local entries of one file that do not run through Gatehouse, by their key path.
type Unrouted = BTreeSet<Vec<String>>;

/// Starts watching every config file of every client app (the folders that exist; a file
/// created later in them is seen too). Needs a Tokio runtime.
pub fn watch_clients<C, N>(
    ctx: Arc<Context<C>>,
    notifier: Arc<N>,
    env: &ClientsEnv,
) -> Result<ClientsWatch>
where
    C: Clock + 'static,
    N: Notifier + 'static,
{
    let mut files: HashMap<PathBuf, (ClientApp, Unrouted)> = HashMap::new();
    for app in ClientApp::ALL {
        for path in config_paths(app, env.os, &env.env) {
            let known = unrouted(app, &path);
            files.insert(path, (app, known));
        }
    }
    let (sender, mut changes) = mpsc::unbounded_channel::<PathBuf>();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if let Ok(event) = event {
            for path in event.paths {
                // The receiver lives as long as the watch; a send fails only after it ended.
                let _ = sender.send(path);
            }
        }
    })
    .map_err(watch_error)?;
    let dirs: BTreeSet<PathBuf> = files
        .keys()
        .filter_map(|path| path.parent().map(Path::to_path_buf))
        .filter(|dir| dir.is_dir())
        .collect();
    for dir in &dirs {
        watcher
            .watch(dir, RecursiveMode::NonRecursive)
            .map_err(watch_error)?;
    }
    let task = tokio::spawn(async move {
        while let Some(first) = changes.recv().await {
            tokio::time::sleep(SETTLE).await;
            let mut touched = BTreeSet::from([first]);
            while let Ok(path) = changes.try_recv() {
                touched.insert(path);
            }
            for path in touched {
                let Some((app, known)) = files.get_mut(&path) else {
                    continue;
                };
                let now = unrouted(*app, &path);
                for added in now.difference(known) {
                    report(&ctx, notifier.as_ref(), *app, &path, added).await;
                }
                *known = now;
            }
        }
    });
    Ok(ClientsWatch {
        _watcher: watcher,
        task,
    })
}

/// The unrouted local entries of a file; none when it is missing or does not parse (a
/// half-written file is read again at its next change).
fn unrouted(app: ClientApp, path: &Path) -> Unrouted {
    match read_config(app, path) {
        Ok(Some(file)) => file
            .entries
            .iter()
            .filter(|e| matches!(e.transport, Transport::Local(_)) && e.routed_id().is_none())
            .map(|e| e.path())
            .collect(),
        _ => Unrouted::new(),
    }
}

async fn report<C: Clock, N: Notifier>(
    ctx: &Context<C>,
    notifier: &N,
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
        eprintln!("gatehouse: could not record a client_config_changed event: {error}");
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

fn watch_error(error: notify::Error) -> Error {
    Error::Io {
        path: error.paths.first().cloned().unwrap_or_default(),
        source: std::io::Error::other(error.to_string()),
    }
}

#[cfg(test)]
mod tests;
