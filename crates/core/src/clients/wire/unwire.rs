//! Giving client app entries back: unwiring puts each routed entry back as it was (its
//! secrets from the keyring into the file again) and removes its record; removing a remote
//! entry deletes it from the file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use gatehouse_clients::edit::{self, Restore};
use gatehouse_clients::read::parse_entries;
use gatehouse_clients::{ClientApp, Transport, write};
use gatehouse_store::{AuditKind, Wiring};

use super::{FileOutcome, arg_secrets, backup_path, secret_account, store_json};
use crate::clients::read_file;
use crate::context::Context;
use crate::error::Result;
use crate::ports::{Clock, SecretStore};

/// Restores the entries of `apps` (all when empty) wired by Gatehouse; with `projects`,
/// only those in the configs of these project folders; with `server`, only the entries of
/// that server.
pub async fn unwire_clients<C: Clock, S: SecretStore>(
    ctx: &Context<C>,
    secrets: &S,
    apps: &[ClientApp],
    projects: &[PathBuf],
    server: Option<&str>,
) -> Result<Vec<FileOutcome>> {
    let mut files: BTreeMap<(String, String), Vec<Wiring>> = BTreeMap::new();
    for wiring in ctx.store.wirings().await? {
        let Some(app) = ClientApp::from_name(&wiring.client) else {
            continue;
        };
        let in_projects = projects.is_empty()
            || projects
                .iter()
                .any(|project| Path::new(&wiring.config_path).starts_with(project));
        if (apps.is_empty() || apps.contains(&app))
            && in_projects
            && server.is_none_or(|id| wiring.server_id == id)
        {
            files
                .entry((wiring.client.clone(), wiring.config_path.clone()))
                .or_default()
                .push(wiring);
        }
    }
    let mut outcomes = Vec::new();
    for ((client, config_path), wirings) in files {
        let Some(app) = ClientApp::from_name(&client) else {
            continue;
        };
        let path = PathBuf::from(config_path);
        let mut outcome = FileOutcome::new(app, &path);
        if let Err(error) = unwire_file(ctx, secrets, app, &path, &wirings, &mut outcome).await {
            outcome.changed.clear();
            outcome.errors.push(error.to_string());
        }
        outcomes.push(outcome);
    }
    Ok(outcomes)
}

async fn unwire_file<C: Clock, S: SecretStore>(
    ctx: &Context<C>,
    secrets: &S,
    app: ClientApp,
    path: &Path,
    wirings: &[Wiring],
    outcome: &mut FileOutcome,
) -> Result<()> {
    let original = read_file(app, path)?.text;
    let mut text = original.clone();
    let mut done = Vec::new();
    let mut gone = Vec::new();
    // The keyring accounts of secret arguments, per server, deleted with their server.
    let mut arg_accounts: Vec<(String, Vec<String>)> = Vec::new();
    // Last wired first: each restore then finds the text exactly as its wiring left it.
    for wiring in wirings.iter().rev() {
        let present = parse_entries(app, &text)
            .map_err(|reason| gatehouse_clients::Error::Unparsable {
                path: path.to_owned(),
                reason,
            })?
            .iter()
            .any(|entry| entry.path() == wiring.entry_path);
        if !present {
            // The user deleted the entry: there is nothing left to put back, but its secret
            // arguments still go with the server.
            if let Ok(restore) = serde_json::from_str::<Restore>(&wiring.restore)
                && let Some(args) = &restore.args
            {
                let accounts = arg_secrets::accounts_in(&wiring.server_id, args);
                arg_accounts.push((wiring.server_id.clone(), accounts));
            }
            gone.push(wiring);
            continue;
        }
        let mut restore: Restore = serde_json::from_str(&wiring.restore).map_err(store_json)?;
        if let Some(args) = &restore.args {
            let (revealed, accounts) = arg_secrets::reveal(&wiring.server_id, args, secrets)?;
            restore.args = Some(revealed);
            arg_accounts.push((wiring.server_id.clone(), accounts));
        }
        let mut literals = BTreeMap::new();
        for name in &restore.secret_env {
            if let Some(value) = secrets.get(&secret_account(&wiring.server_id, name))? {
                literals.insert(name.clone(), value.expose().to_owned());
            }
        }
        match edit::unwire(app, path, &text, &wiring.server_id, &restore, &literals) {
            Ok(restored) => {
                text = restored;
                done.push(wiring);
                outcome.changed.push((
                    wiring.entry_path.last().cloned().unwrap_or_default(),
                    wiring.server_id.clone(),
                ));
            }
            Err(error) => outcome.errors.push(error.to_string()),
        }
    }
    if !done.is_empty() {
        write::replace(path, &original, &text, &backup_path(ctx, app, path))?;
    }
    for wiring in done.into_iter().chain(gone) {
        let mut event = ctx.event(AuditKind::ClientConfigChanged);
        event.detail = Some(serde_json::json!({
            "id": wiring.server_id,
            "client": app.name(),
            "path": wiring.config_path,
            "entry": wiring.entry_path,
            "action": "unwired",
        }));
        let server_removed = ctx.store.remove_wiring(wiring, Some(&event)).await?;
        if server_removed {
            for name in &wiring.secret_env {
                secrets.delete(&secret_account(&wiring.server_id, name))?;
            }
            for (_, accounts) in arg_accounts
                .iter()
                .filter(|(id, _)| *id == wiring.server_id)
            {
                for account in accounts {
                    secrets.delete(account)?;
                }
            }
        }
    }
    // With the file given back whole, its backup has served its purpose.
    let path_text = path.to_string_lossy();
    let still_wired = ctx
        .store
        .wirings()
        .await?
        .iter()
        .any(|wiring| wiring.client == app.name() && wiring.config_path == path_text);
    if !still_wired {
        match std::fs::remove_file(backup_path(ctx, app, path)) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => tracing::warn!("could not remove the backup of `{path_text}`: {error}"),
        }
    }
    Ok(())
}

/// Deletes the remote entry `name` from `app`'s config files (a remote server cannot be
/// checked at launch, so the user may choose to drop one policy denies). Returns the files
/// changed; none when no remote entry has that name.
pub async fn remove_remote<C: Clock>(
    ctx: &Context<C>,
    app: ClientApp,
    name: &str,
) -> Result<Vec<PathBuf>> {
    let mut changed = Vec::new();
    for super::super::KnownFile { path, .. } in super::super::known_files(ctx, &[app], &[]).await? {
        let file = read_file(app, &path)?;
        let mut text = file.text.clone();
        let mut removed = Vec::new();
        // From the last: each removal leaves the earlier entries where they were.
        for entry in file.entries.iter().rev() {
            if entry.name == name && matches!(entry.transport, Transport::Remote { .. }) {
                text = edit::remove_entry(app, &path, &text, &entry.path())?;
                removed.push(entry.path());
            }
        }
        if removed.is_empty() {
            continue;
        }
        write::replace(&path, &file.text, &text, &backup_path(ctx, app, &path))?;
        let mut event = ctx.event(AuditKind::ClientConfigChanged);
        event.server = Some(name.to_owned());
        event.detail = Some(serde_json::json!({
            "client": app.name(),
            "path": path.to_string_lossy(),
            "entries": removed,
            "action": "remote_removed",
        }));
        ctx.store.record(&event).await?;
        changed.push(path);
    }
    Ok(changed)
}
