//! Routing client app entries through `gatehouse run` and back.
//!
//! Order of effects when wiring a file: secrets into the keyring, then the file (atomic,
//! only if unchanged since it was read), then the store. A failure before the file is
//! written leaves the file as it was; a store failure after it puts the file back.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use gatehouse_clients::edit::{self, WirePlan};
use gatehouse_clients::secrets::looks_secret;
use gatehouse_clients::{ClientApp, Entry, Transport, write};
use gatehouse_hub::Sensitive;
use gatehouse_store::{AuditKind, Server, ServerSource, Wiring};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::read_file;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::ports::{Clock, SecretStore};
use crate::servers::id::validate_id;

/// What wiring or unwiring did to one file.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FileOutcome {
    pub client: ClientApp,
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub path: PathBuf,
    /// Entries changed, each with the server id it runs.
    pub changed: Vec<(String, String)>,
    /// Entries that needed nothing (already routed, or already restored).
    pub unchanged: usize,
    /// Why the file (or an entry of it) was left untouched.
    pub errors: Vec<String>,
    /// Entries left as they are because wiring would break them, each with why.
    pub skipped: Vec<(String, String)>,
}

impl FileOutcome {
    fn new(client: ClientApp, path: &Path) -> FileOutcome {
        FileOutcome {
            client,
            path: path.to_owned(),
            changed: Vec::new(),
            unchanged: 0,
            errors: Vec::new(),
            skipped: Vec::new(),
        }
    }
}

/// The keyring account of env variable `name` of server `id`.
pub fn secret_account(id: &str, name: &str) -> String {
    format!("client-env/{id}/{name}")
}

/// The text written in the file in place of a secret value.
fn secret_reference(id: &str, name: &str) -> String {
    format!("gatehouse:keyring:{}", secret_account(id, name))
}

/// Routes every local entry of `apps` (all when empty) through `gatehouse run`, with
/// `gatehouse` as the command: in the apps' user-level files, or, with `projects`, in the
/// configs of those project folders only (a project is wired only when asked for: the
/// person may not own every repository they open). Entries already routed are left as
/// they are.
pub async fn wire_clients<C: Clock, S: SecretStore>(
    ctx: &Context<C>,
    secrets: &S,
    gatehouse: &str,
    apps: &[ClientApp],
    projects: &[PathBuf],
) -> Result<Vec<FileOutcome>> {
    let mut files: Vec<(ClientApp, PathBuf, Option<PathBuf>)> = Vec::new();
    if projects.is_empty() {
        files = ctx
            .env
            .clients()
            .files(apps)
            .into_iter()
            .map(|(app, path)| (app, path, None))
            .collect();
    }
    for project in projects {
        if !project.is_dir() {
            return Err(Error::Usage(format!(
                "there is no project folder `{}`",
                project.display()
            )));
        }
        files.extend(
            super::projects::project_files_in(project)
                .into_iter()
                .filter(|(app, _)| apps.is_empty() || apps.contains(app))
                .map(|(app, path)| (app, path, Some(project.clone()))),
        );
    }
    let mut outcomes = Vec::new();
    // Servers made earlier in this run, so that one key in two files is matched too.
    let mut made: HashMap<String, String> = HashMap::new();
    for (app, path, project) in files {
        let mut outcome = FileOutcome::new(app, &path);
        if let Err(error) = wire_file(
            ctx,
            secrets,
            FileToWire {
                app,
                path: &path,
                project: project.as_deref(),
            },
            gatehouse,
            None,
            &mut made,
            &mut outcome,
        )
        .await
        {
            outcome.errors.push(error.to_string());
        }
        outcomes.push(outcome);
    }
    Ok(outcomes)
}

/// Routes one entry (`entry_path` in the file `path` of `app`, as `clients list` gives it)
/// through `gatehouse run`: the "Route through Gatehouse" action. The file's other entries
/// are left as they are.
pub async fn wire_entry<C: Clock, S: SecretStore>(
    ctx: &Context<C>,
    secrets: &S,
    gatehouse: &str,
    app: ClientApp,
    path: &Path,
    entry_path: &[String],
) -> Result<FileOutcome> {
    // Only a file Gatehouse would find itself (an app's, or a known project's): the UI must
    // not be able to point it at any other file on the disk.
    let known = super::known_files(ctx, &[app], &[]).await?;
    let Some(file) = known.iter().find(|file| file.path == path) else {
        return Err(Error::Usage(format!(
            "`{}` is not a settings file of {}",
            path.display(),
            app.label()
        )));
    };
    let mut outcome = FileOutcome::new(app, path);
    wire_file(
        ctx,
        secrets,
        FileToWire {
            app,
            path,
            project: file.project.as_deref(),
        },
        gatehouse,
        Some(entry_path),
        &mut HashMap::new(),
        &mut outcome,
    )
    .await?;
    if let Some((name, why)) = outcome.skipped.first() {
        return Err(Error::Usage(format!(
            "`{name}` was left as it is: {why}, so routing it through Gatehouse would break it"
        )));
    }
    if outcome.changed.is_empty() && outcome.unchanged == 0 {
        return Err(Error::Usage(format!(
            "`{}` has no local entry at {} any more",
            path.display(),
            entry_path.join(".")
        )));
    }
    Ok(outcome)
}

/// One entry's wiring, before anything is written.
struct Pending {
    wiring: Wiring,
    server: Option<Server>,
    secrets: Vec<(String, String)>,
    /// Secret arguments: keyring accounts with their literals, and each literal with the
    /// quoted reference that replaces it.
    arg_secrets: Vec<(String, String)>,
    arg_replacements: Vec<(String, String)>,
}

/// A config file to wire, and the project folder it belongs to (a project's config).
struct FileToWire<'f> {
    app: ClientApp,
    path: &'f Path,
    project: Option<&'f Path>,
}

async fn wire_file<C: Clock, S: SecretStore>(
    ctx: &Context<C>,
    secrets: &S,
    target: FileToWire<'_>,
    gatehouse: &str,
    only: Option<&[String]>,
    made: &mut HashMap<String, String>,
    outcome: &mut FileOutcome,
) -> Result<()> {
    let FileToWire { app, path, project } = target;
    let home = ctx.env.clients().env.home;
    let file = read_file(app, path)?;
    let mut text = file.text.clone();
    let mut pending = Vec::new();
    for entry in &file.entries {
        if only.is_some_and(|only| entry.path() != only) {
            continue;
        }
        let Transport::Local(local) = &entry.transport else {
            continue;
        };
        if entry.routed_id().is_some() {
            outcome.unchanged += 1;
            continue;
        }
        // Wiring never turns a working server into a broken one: values only the app fills
        // in stay in its entry, and an entry whose `envFile` cannot be read is left as is.
        let app_values = match values::app_values(local, project, home.as_deref()) {
            Ok(found) => found,
            Err(why) => {
                outcome.skipped.push((entry.name.clone(), why));
                continue;
            }
        };
        // A value the app fills in (`${input:api-key}`) is no secret of the file's: the app
        // keeps it, and it must stay where the app expands it.
        let secret_names: Vec<String> = local
            .env
            .iter()
            .filter(|(name, value)| {
                looks_secret(name, value) && !crate::launch::values::has_placeholder(value)
            })
            .map(|(name, _)| name.clone())
            .collect();
        let digest = launch_digest(&local.command, &local.args, &local.env, &secret_names);
        let literals_of = |text: &str| secret_literals(app, path, text, entry, &secret_names);
        let literals = literals_of(&text)?;
        let (id, is_new) = choose_id(ctx, secrets, app, entry, &digest, &literals, made).await?;
        let plan_secrets: Vec<(String, String)> = secret_names
            .iter()
            .map(|name| (name.clone(), secret_reference(&id, name)))
            .collect();
        let plan = WirePlan {
            gatehouse,
            id: &id,
            secrets: &plan_secrets,
            values: &app_values.values,
        };
        let mut wired = edit::wire(app, path, &text, &entry.path(), &plan)?;
        let hidden = arg_secrets::hide(&id, &local.args, wired.restore.args.as_deref());
        wired.restore.args = hidden.restore_args.clone();
        // Its identity is derived from the command at every launch; the row keeps the id as
        // its label.
        let server = is_new.then(|| {
            Server {
                id: id.clone(),
                name: id.clone(),
                version: None,
                command: local.command.clone(),
                args: hidden.args.clone(),
                // The entry keeps its other env values and the app passes them to
                // `gatehouse run`; secrets come from the keyring instead.
                // What the app loads from the entry's `envFile` is passed on by name too.
                env_names: local
                    .env
                    .iter()
                    .map(|(name, _)| name.clone())
                    .filter(|name| !secret_names.contains(name))
                    .chain(app_values.env_file_names.iter().cloned())
                    .fold(Vec::new(), |mut names, name| {
                        if !names.contains(&name) {
                            names.push(name);
                        }
                        names
                    }),
                source: ServerSource::Client,
                client: Some(app.name().to_owned()),
                bundle_digest: None,
                created_at: ctx.clock.now(),
            }
        });
        if is_new {
            made.insert(id.clone(), digest.clone());
        }
        pending.push(Pending {
            wiring: Wiring {
                client: app.name().to_owned(),
                config_path: path.to_string_lossy().into_owned(),
                entry_path: entry.path(),
                server_id: id.clone(),
                restore: serde_json::to_string(&wired.restore).map_err(store_json)?,
                secret_env: wired.restore.secret_env.clone(),
                launch_digest: digest,
                wired_at: ctx.clock.now(),
            },
            server,
            secrets: wired.secret_literals,
            arg_secrets: hidden.keyring,
            arg_replacements: hidden.replacements,
        });
        outcome.changed.push((entry.name.clone(), id));
        text = wired.text;
    }
    if pending.is_empty() {
        return Ok(());
    }
    if !edit::parses(app, &text) {
        outcome.changed.clear();
        return Err(gatehouse_clients::Error::Unparsable {
            path: path.to_owned(),
            reason: "wiring it would not give valid JSON".to_owned(),
        }
        .into());
    }
    for item in &pending {
        for (name, literal) in &item.secrets {
            let account = secret_account(&item.wiring.server_id, name);
            secrets.set(&account, &Sensitive::new(literal.clone()))?;
        }
        arg_secrets::store(secrets, &item.arg_secrets)?;
    }
    // The backup is the file as it was, but with each secret already a keyring reference:
    // a value moved to the keyring must not stay behind in a copy.
    let mut backup_text = file.text.clone();
    for item in &pending {
        for (name, literal) in &item.secrets {
            let reference = secret_reference(&item.wiring.server_id, name);
            let quoted = serde_json::Value::String(reference).to_string();
            backup_text = backup_text.replace(literal.as_str(), &quoted);
        }
        for (literal, quoted) in &item.arg_replacements {
            backup_text = backup_text.replace(literal.as_str(), quoted);
        }
    }
    if let Err(error) = write::replace_backing_up(
        path,
        &file.text,
        &text,
        &backup_path(ctx, app, path),
        &backup_text,
    ) {
        outcome.changed.clear();
        return Err(error.into());
    }
    for item in &pending {
        let mut event = ctx.event(AuditKind::ClientConfigChanged);
        event.server = item.server.as_ref().map(|s| s.name.clone());
        event.detail = Some(serde_json::json!({
            "id": item.wiring.server_id,
            "client": app.name(),
            "path": item.wiring.config_path,
            "entry": item.wiring.entry_path,
            "action": "wired",
        }));
        if let Err(error) = ctx
            .store
            .add_wiring(&item.wiring, item.server.as_ref(), Some(&event))
            .await
        {
            // Without its record the entry could never be unwired: put the file back.
            let _ = write::replace(path, &text, &file.text, &backup_path(ctx, app, path));
            outcome.changed.clear();
            return Err(error.into());
        }
    }
    Ok(())
}

/// The exact texts of the secret env values of `entry` in `text`.
fn secret_literals(
    app: ClientApp,
    path: &Path,
    text: &str,
    entry: &Entry,
    names: &[String],
) -> Result<Vec<(String, String)>> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    // A dry run of the edit yields the literals without touching anything.
    let refs: Vec<(String, String)> = names.iter().map(|n| (n.clone(), String::new())).collect();
    let plan = WirePlan {
        gatehouse: "",
        id: "",
        secrets: &refs,
        values: &[],
    };
    Ok(edit::wire(app, path, text, &entry.path(), &plan)?.secret_literals)
}

/// The server id of an entry (DESIGN.md): its key; the same key with a different launch in
/// another app becomes `<key>-<client>` (then `-2`, `-3`, … should that be taken too).
async fn choose_id<C: Clock, S: SecretStore>(
    ctx: &Context<C>,
    secrets: &S,
    app: ClientApp,
    entry: &Entry,
    digest: &str,
    literals: &[(String, String)],
    made: &HashMap<String, String>,
) -> Result<(String, bool)> {
    let base = safe_id(&entry.name);
    let wirings = ctx.store.wirings().await?;
    let mut candidates = vec![base.clone(), format!("{base}-{}", app.name())];
    candidates.extend((2..100).map(|n| format!("{base}-{}-{n}", app.name())));
    for id in candidates {
        validate_id(&id)?;
        if let Some(existing) = made.get(&id) {
            if existing == digest && same_secrets(secrets, &id, literals)? {
                return Ok((id, false));
            }
            continue;
        }
        let Some(server) = ctx.store.server(&id).await? else {
            return Ok((id, true));
        };
        let same = match wirings.iter().find(|w| w.server_id == id) {
            Some(wiring) => wiring.launch_digest == digest,
            // A server registered by hand or installed: the same when it launches the same.
            None => match &entry.transport {
                Transport::Local(local) => {
                    server.command == local.command && server.args == local.args
                }
                _ => false,
            },
        };
        if same && same_secrets(secrets, &id, literals)? {
            return Ok((id, false));
        }
    }
    Err(Error::InvalidId {
        id: base,
        reason: "too many different servers share this name",
    })
}

fn same_secrets<S: SecretStore>(
    secrets: &S,
    id: &str,
    literals: &[(String, String)],
) -> Result<bool> {
    for (name, literal) in literals {
        match secrets.get(&secret_account(id, name))? {
            Some(stored) if stored.expose() == literal => {}
            _ => return Ok(false),
        }
    }
    Ok(true)
}

/// The entry's key made into a valid id: characters an id may not hold become `-`.
fn safe_id(name: &str) -> String {
    let id: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '@' | '/' | '.' | '_' | '-' | ':') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let id = id.trim_start_matches('-').to_owned();
    if id.is_empty() {
        "server".to_owned()
    } else {
        id
    }
}

/// A hash of what makes two entries the same server: command, args, env names, and the
/// values of the env variables that are not secrets (secret values are compared through
/// the keyring, never hashed into the store).
fn launch_digest(
    command: &str,
    args: &[String],
    env: &[(String, String)],
    secret_names: &[String],
) -> String {
    let mut env: Vec<(&str, Option<&str>)> = env
        .iter()
        .map(|(name, value)| {
            let value = (!secret_names.contains(name)).then_some(value.as_str());
            (name.as_str(), value)
        })
        .collect();
    env.sort();
    let canonical = serde_json::json!([command, args, env]).to_string();
    format!(
        "sha256:{}",
        hex::encode(Sha256::digest(canonical.as_bytes()))
    )
}

/// `<data>/backups/<client>/<hash of the path>-<file name>`: one backup per file, kept
/// from before the first change.
pub(crate) fn backup_path<C: Clock>(ctx: &Context<C>, app: ClientApp, path: &Path) -> PathBuf {
    let hash = hex::encode(Sha256::digest(path.to_string_lossy().as_bytes()));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    ctx.data_dir
        .join("backups")
        .join(app.name())
        .join(format!("{}-{name}", &hash[..12]))
}

fn store_json(error: serde_json::Error) -> Error {
    Error::Usage(format!("cannot record the wiring: {error}"))
}

pub(crate) mod arg_secrets;
mod unwire;
pub(crate) mod values;

pub use unwire::{remove_remote, unwire_clients};

#[cfg(test)]
mod tests;
