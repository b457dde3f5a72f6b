//! Watching the client apps' config files (the `notify` crate) for local server entries
//! another tool adds later. What a change added is core's to judge and report
//! ([`UnroutedEntries`]); this module only turns file system events into calls. The tray
//! app starts it with [`watch_clients`] and keeps the returned [`ClientsWatch`] for as long
//! as it should watch.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use gatehouse_core::clients::UnroutedEntries;
use gatehouse_core::ports::{Clock, Notifier};
use gatehouse_core::{Context, Error, Result};
use notify::{RecursiveMode, Watcher};
use tokio::sync::mpsc;

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

/// Starts watching every config file of every client app and of every project known now
/// (the folders that exist; a file created later in them is seen too). Needs a Tokio
/// runtime.
pub async fn watch_clients<C, N>(ctx: Arc<Context<C>>, notifier: Arc<N>) -> Result<ClientsWatch>
where
    C: Clock + 'static,
    N: Notifier + 'static,
{
    let projects = gatehouse_core::clients::project_watch_paths(&ctx).await?;
    let mut entries = UnroutedEntries::read(&ctx.env, &projects);
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
    for dir in entries.folders() {
        watcher
            .watch(&dir, RecursiveMode::NonRecursive)
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
                entries.changed(&ctx, notifier.as_ref(), &path).await;
            }
        }
    });
    Ok(ClientsWatch {
        _watcher: watcher,
        task,
    })
}

fn watch_error(error: notify::Error) -> Error {
    Error::Io {
        path: error.paths.first().cloned().unwrap_or_default(),
        source: std::io::Error::other(error.to_string()),
    }
}

#[cfg(test)]
mod tests;
