//! The MCP client apps on this machine: their config files, the entries in them, and
//! whether each runs through Gatehouse (`gatehouse clients list`). Wiring and unwiring are
//! in [`wire`]; entries added for an installed server in [`entries`]; what a change of a
//! watched file added in [`watch`] (the watching itself is the desktop crate's adapter).

pub(crate) mod entries;
pub(crate) mod extensions;
pub(crate) mod projects;
pub(crate) mod routed;
pub(crate) mod stable;
pub(crate) mod unrouted;
pub(crate) mod verdict;
pub(crate) mod watch;
pub(crate) mod wire;

pub use entries::{add_to_clients, remove_from_clients};
pub use extensions::ExtensionView;
pub use projects::{
    KnownFile, ProjectFolder, ProjectSource, add_project_folder, known_files, project_folders,
    project_watch_paths, remove_project_folder, saved_project_folders,
};
pub use routed::{Launcher, NotRouted};
pub use stable::{refresh_copy, stable_launcher};
pub use unrouted::list_and_report;
pub use verdict::EntryVerdict;
pub use watch::UnroutedEntries;
pub use wire::{
    FileOutcome, remove_remote, secret_account, unwire_clients, wire_clients, wire_entry,
};

use std::path::{Path, PathBuf};

use gatehouse_clients::paths::config_paths;
use gatehouse_clients::read::read_config;
use gatehouse_clients::{ClientApp, ConfigEnv, ConfigFile, Entry, Os, Transport};
use gatehouse_policy::Code;
use serde::Serialize;

use crate::context::Context;
use crate::error::Result;
use crate::policy::{Evaluator, Scope};
use crate::ports::Clock;

/// Where the client apps' files are: the OS and the variables their paths come from.
#[derive(Debug, Clone)]
pub struct ClientsEnv {
    pub os: Os,
    pub env: ConfigEnv,
}

impl ClientsEnv {
    /// The config files of `apps` (every app when empty) that exist, in app order.
    pub fn files(&self, apps: &[ClientApp]) -> Vec<(ClientApp, PathBuf)> {
        ClientApp::ALL
            .into_iter()
            .filter(|app| apps.is_empty() || apps.contains(app))
            .flat_map(|app| {
                config_paths(app, self.os, &self.env)
                    .into_iter()
                    .map(move |path| (app, path))
            })
            .filter(|(_, path)| path.is_file())
            .collect()
    }
}

/// One client app config file as `clients list` shows it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ClientFileView {
    pub client: ClientApp,
    pub label: &'static str,
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub path: PathBuf,
    /// The project folder of a project-level config (`.mcp.json`, `.vscode/mcp.json`, …);
    /// `None` for the app's user-level file.
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub project: Option<PathBuf>,
    /// Why the file cannot be read; it is then left alone by every command.
    pub error: Option<String>,
    pub entries: Vec<EntryView>,
    /// For an app's extensions folder (Claude Desktop's `Claude Extensions`): each installed
    /// extension; empty for a config file.
    pub extensions: Vec<ExtensionView>,
}

/// One entry of a client app's config.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EntryView {
    pub name: String,
    /// For a Claude Code per-project entry, the project's path.
    pub project: Option<String>,
    /// Where the entry is in its file (the keys leading to it), to name it back to
    /// [`wire::wire_entry`].
    pub entry_path: Vec<String>,
    pub kind: EntryKind,
    /// The entry's `type` (`stdio`, `http`, `sse`, `streamableHttp`, an unknown one, …).
    pub transport: Option<String>,
    pub url: Option<String>,
    /// A remote entry's host, which is what its URL says of where requests go.
    pub host: Option<String>,
    pub command: Option<String>,
    /// The command's arguments with anything secret-shaped replaced by `<redacted>`.
    pub args: Vec<String>,
    pub routed: bool,
    /// The Gatehouse server id the entry runs, when routed.
    pub server_id: Option<String>,
    /// In plain words: `routed through gatehouse`, `not routed`, `remote, not checked`, …
    pub status: String,
    /// Problems with the entry under the policy in force (`deny_listed` for a remote
    /// entry whose name is denied, `unmanaged` when managed settings forbid unrouted ones).
    pub violations: Vec<EntryViolation>,
    /// The verdict it has (routed) or would have (started directly, or remote by its name).
    pub verdict: Option<EntryVerdict>,
}

/// What kind of server an entry starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum EntryKind {
    /// A command the app starts on this computer (stdio): it can run through Gatehouse.
    Local,
    /// A server the app reaches over the network (`url`, `serverUrl`, `type: http|sse`).
    Remote,
    /// A server an extension of the app provides and starts (a Zed extension's context
    /// server): judged by its name, never routed.
    Extension,
    /// A `type` Gatehouse does not know; left alone.
    Unknown,
}

impl EntryKind {
    /// The wire name, as `clients list` prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Local => "local",
            EntryKind::Remote => "remote",
            EntryKind::Extension => "extension",
            EntryKind::Unknown => "unknown",
        }
    }
}

/// A problem with an entry under the policy in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EntryViolation {
    pub code: EntryProblem,
    pub message: String,
}

/// The kinds of [`EntryViolation`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum EntryProblem {
    /// A remote entry whose name a deny list matches.
    DenyListed,
    /// An entry that does not run through Gatehouse, where managed settings forbid it.
    Unmanaged,
    /// An entry that names `gatehouse run` but is not routed: another program called
    /// gatehouse, or Gatehouse's own variables set in its environment.
    Disguised,
}

impl EntryProblem {
    /// The wire name, as `clients list` prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            EntryProblem::DenyListed => "deny_listed",
            EntryProblem::Unmanaged => "unmanaged",
            EntryProblem::Disguised => "disguised",
        }
    }
}

/// Every client app config file of `apps` (all when empty), user-level and of every known
/// project (with `extra` project folders too), with its entries, checked against the policy
/// in force.
pub async fn list_clients<C: Clock>(
    ctx: &Context<C>,
    apps: &[ClientApp],
    extra: &[PathBuf],
) -> Result<Vec<ClientFileView>> {
    let sources = ctx.policy_sources(Scope::ManyServers).await?;
    let mut evaluator = Evaluator::new(&sources);
    let request = ctx.request_now();
    let launcher = Launcher::of(&ctx.env);
    let home = ctx.env.clients().env.home;
    let mut views = Vec::new();
    for KnownFile { app, path, project } in known_files(ctx, apps, extra).await? {
        let mut view = ClientFileView {
            client: app,
            label: app.label(),
            path: path.clone(),
            project,
            error: None,
            entries: Vec::new(),
            extensions: Vec::new(),
        };
        match read_file(app, &path) {
            Ok(file) => {
                for entry in &file.entries {
                    let mut entry_view = entry_view(
                        app,
                        entry,
                        &launcher,
                        view.project.as_deref(),
                        home.as_deref(),
                    );
                    entry_view.verdict = verdict::entry_verdict(
                        ctx,
                        &mut evaluator,
                        &request,
                        &launcher,
                        app,
                        entry,
                    )
                    .await?;
                    if matches!(
                        entry.transport,
                        Transport::Remote { .. } | Transport::Extension { .. }
                    ) {
                        let identity = crate::identity::Identity::of_name(&entry.name);
                        let evaluation = evaluator.evaluate(&identity, &request)?;
                        entry_view.violations.extend(
                            evaluation
                                .decision
                                .violations
                                .iter()
                                .filter(|v| v.code == Code::DenyListed)
                                .map(|v| EntryViolation {
                                    code: EntryProblem::DenyListed,
                                    message: v.message.clone(),
                                }),
                        );
                    }
                    if ctx.managed.forbid_unmanaged && !entry_view.routed {
                        let message = match entry.transport {
                            Transport::Local(_) => format!(
                                "`{}` does not run through Gatehouse, which your organization requires; run `gatehouse clients wire --client {app}`",
                                entry.name
                            ),
                            Transport::Extension { .. } => format!(
                                "`{}` is started by an extension of {}, which Gatehouse cannot check, and your organization allows only servers that run through Gatehouse",
                                entry.name,
                                app.label()
                            ),
                            _ => format!(
                                "`{}` is a remote server that Gatehouse cannot check, and your organization allows only servers that run through Gatehouse",
                                entry.name
                            ),
                        };
                        entry_view.violations.push(EntryViolation {
                            code: EntryProblem::Unmanaged,
                            message,
                        });
                    }
                    view.entries.push(entry_view);
                }
            }
            Err(error) => view.error = Some(error.to_string()),
        }
        views.push(view);
    }
    if apps.is_empty() || apps.contains(&ClientApp::ClaudeDesktop) {
        views.extend(extensions::extension_views(ctx, &mut evaluator, &request).await?);
    }
    Ok(views)
}

/// Which apps run each Gatehouse server: the ids of every routed entry in `files`, each
/// with its apps' names in app order. Files that cannot be read are skipped (they are
/// reported by `clients list`).
pub fn apps_by_server(
    files: &[KnownFile],
    launcher: &Launcher<'_>,
) -> std::collections::HashMap<String, Vec<ClientApp>> {
    let mut found: std::collections::HashMap<String, Vec<ClientApp>> =
        std::collections::HashMap::new();
    for KnownFile { app, path, .. } in files {
        let app = *app;
        let Ok(Some(file)) = read_config(app, path) else {
            continue;
        };
        for id in file
            .entries
            .iter()
            .filter_map(|entry| launcher.routed_id(entry))
        {
            let apps = found.entry(id.to_owned()).or_default();
            if !apps.contains(&app) {
                apps.push(app);
            }
        }
    }
    found
}

/// Reads one file: `Ok` with its entries, or why it cannot be used.
pub(crate) fn read_file(app: ClientApp, path: &Path) -> Result<ConfigFile> {
    match read_config(app, path)? {
        Some(file) => Ok(file),
        None => Err(gatehouse_clients::Error::Io {
            path: path.to_owned(),
            source: std::io::Error::from(std::io::ErrorKind::NotFound),
        }
        .into()),
    }
}

fn entry_view(
    app: ClientApp,
    entry: &Entry,
    launcher: &Launcher<'_>,
    project: Option<&Path>,
    home: Option<&Path>,
) -> EntryView {
    let mut view = EntryView {
        name: entry.name.clone(),
        project: entry.project().map(str::to_owned),
        entry_path: entry.path(),
        kind: EntryKind::Local,
        transport: None,
        url: None,
        host: None,
        command: None,
        args: Vec::new(),
        routed: false,
        server_id: None,
        status: String::new(),
        violations: Vec::new(),
        verdict: None,
    };
    match &entry.transport {
        Transport::Local(local) => {
            view.transport = Some("stdio".to_owned());
            view.command = Some(local.command.clone());
            view.args = gatehouse_clients::secrets::redact_args(&local.args);
            match launcher.check(local) {
                Ok(id) => {
                    view.server_id = id.map(str::to_owned);
                    view.routed = view.server_id.is_some();
                    view.status = if view.routed {
                        "routed through gatehouse".to_owned()
                    } else if let Some(why) = wire::values::blocker(local, project, home) {
                        format!("not routed: {why}, so Gatehouse cannot route it yet")
                    } else {
                        "not routed".to_owned()
                    };
                }
                Err(why) => {
                    view.status = format!("not routed: {}", why.words());
                    view.violations.push(EntryViolation {
                        code: EntryProblem::Disguised,
                        message: format!(
                            "`{}` looks as if it runs through Gatehouse, but {}",
                            entry.name,
                            why.words()
                        ),
                    });
                }
            }
        }
        Transport::Remote { kind, url } => {
            view.kind = EntryKind::Remote;
            view.transport = Some(kind.clone());
            view.url = url.as_deref().map(gatehouse_clients::secrets::redact);
            view.host = url
                .as_deref()
                .and_then(|url| url::Url::parse(url).ok())
                .and_then(|url| url.host_str().map(str::to_owned));
            view.status = match &view.host {
                Some(host) => format!("remote, on {host}; not checked at launch"),
                None => "remote, not checked".to_owned(),
            };
        }
        Transport::Extension { source } => {
            view.kind = EntryKind::Extension;
            view.transport = Some(source.clone());
            view.status = format!(
                "started by an extension of {}; Gatehouse cannot route it, only judge it by its name",
                app.label()
            );
        }
        Transport::Unknown { kind } => {
            view.kind = EntryKind::Unknown;
            view.transport = Some(kind.clone());
            view.status = format!("unknown type `{kind}`, left alone");
        }
    }
    view
}
