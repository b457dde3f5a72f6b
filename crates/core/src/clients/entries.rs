//! Giving client apps an entry for an installed server (`gatehouse install --client C`),
//! and taking such entries out again when the server is removed.

use std::path::{Path, PathBuf};

use gatehouse_clients::ClientApp;
use gatehouse_clients::add::add_entry;
use gatehouse_clients::edit::remove_entry;
use gatehouse_clients::paths::config_paths;
use gatehouse_clients::read::read_config;
use gatehouse_clients::write;

use super::wire::backup_path;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::ports::Clock;

/// Adds an entry running `gatehouse run <id>` to each of `apps`' config file (the existing
/// one, else the app's usual place, created). Returns the files changed. Stops at the first
/// file that cannot be changed safely; files already changed keep their new entry.
pub async fn add_to_clients<C: Clock>(
    ctx: &Context<C>,
    gatehouse: &str,
    apps: &[ClientApp],
    id: &str,
) -> Result<Vec<(ClientApp, PathBuf)>> {
    let env = ctx.env.clients();
    let mut changed = Vec::new();
    for &app in apps {
        let existing = env.files(&[app]).into_iter().next().map(|(_, path)| path);
        let path = match existing.or_else(|| config_paths(app, env.os, &env.env).into_iter().next())
        {
            Some(path) => path,
            None => {
                return Err(Error::Usage(format!(
                    "no settings file of {} can be found on this system",
                    app.label()
                )));
            }
        };
        match read_config(app, &path)? {
            Some(file) => {
                let text = add_entry(app, &path, &file.text, gatehouse, id)?;
                write::replace(&path, &file.text, &text, &backup_path(ctx, app, &path))?;
            }
            None => create(&path, &add_entry(app, &path, "", gatehouse, id)?)?,
        }
        changed.push((app, path));
    }
    Ok(changed)
}

/// Removes every entry that runs `gatehouse run <id>` from the client apps' files, for a
/// server that is being removed. A file with such an entry that cannot be changed safely is
/// reported.
pub async fn remove_from_clients<C: Clock>(ctx: &Context<C>, id: &str) -> Result<usize> {
    let mut removed = 0;
    for super::KnownFile { app, path, .. } in super::known_files(ctx, &[], &[]).await? {
        // A file that does not parse holds no entry we could find or take out; wired entries
        // in it are reported by unwiring, which runs first.
        let Ok(Some(file)) = read_config(app, &path) else {
            continue;
        };
        let mut text = file.text.clone();
        for entry in file.entries.iter().rev() {
            if entry.routed_id() == Some(id) {
                let mut entry_path = entry.scope.clone();
                entry_path.push(entry.name.clone());
                text = remove_entry(app, &path, &text, &entry_path)?;
                removed += 1;
            }
        }
        if text != file.text {
            write::replace(&path, &file.text, &text, &backup_path(ctx, app, &path))?;
        }
    }
    Ok(removed)
}

/// Writes a new file whole or not at all.
fn create(path: &Path, text: &str) -> Result<()> {
    let io = |source| Error::Io {
        path: path.to_owned(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let temp = path.with_extension("gatehouse-new");
    std::fs::write(&temp, text).map_err(io)?;
    std::fs::rename(&temp, path).map_err(|error| {
        let _ = std::fs::remove_file(&temp);
        io(error)
    })
}
