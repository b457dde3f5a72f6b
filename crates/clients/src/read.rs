//! What a client app's config file holds: one [`Entry`] per configured server, in every
//! place the app looks (Claude Code also keeps servers per project, under
//! `projects.<path>.mcpServers`). Entries keep their shape as the app wrote it; an unknown
//! `type` is listed as such, never rejected.

use std::path::{Path, PathBuf};

use jsonc_parser::ast::{Object, Value};
use serde::Serialize;

use crate::apps::ClientApp;
use crate::error::{Error, Result};
use crate::syntax::{object_at, parse, prop};

/// A config file as read: its bytes (the base of any edit) and its entries.
#[derive(Debug, Clone)]
pub struct ConfigFile {
    pub app: ClientApp,
    pub path: PathBuf,
    pub text: String,
    pub entries: Vec<Entry>,
}

/// One configured server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// The keys leading to the object that holds the entry, e.g. `["mcpServers"]` or
    /// `["projects", "/home/ana/app", "mcpServers"]`.
    pub scope: Vec<String>,
    /// The entry's key: the server's name in the app.
    pub name: String,
    pub transport: Transport,
}

/// How the app reaches the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "transport", rename_all = "snake_case")]
pub enum Transport {
    /// A local program on stdio.
    Local(Local),
    /// A server over the network (`http`, `sse`, `streamableHttp`, a `url` or `serverUrl`).
    Remote { kind: String, url: Option<String> },
    /// A server an extension of the app provides and the app starts itself (Zed's
    /// `"source": "extension"`, configured only by `settings`): it cannot be routed.
    Extension { source: String },
    /// A shape Gatehouse does not know (an unknown `type`, no command and no URL); kept as is.
    Unknown { kind: String },
}

/// A local stdio server's launch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Local {
    pub command: String,
    pub args: Vec<String>,
    /// The `env` object in file order; values that are not strings as their JSON text.
    pub env: Vec<(String, String)>,
    /// Zed's older form nests the launch in `command: {path, args, env}`.
    pub nested: bool,
    /// VS Code's `envFile` (its text, placeholders and all): variables the app loads from a
    /// file at launch, whose names the config does not show.
    pub env_file: Option<String>,
}

impl Entry {
    /// The keys from the top of the file to the entry.
    pub fn path(&self) -> Vec<String> {
        let mut path = self.scope.clone();
        path.push(self.name.clone());
        path
    }

    /// For a Claude Code per-project entry, the project's path.
    pub fn project(&self) -> Option<&str> {
        match self.scope.as_slice() {
            [projects, project, _] if projects == "projects" => Some(project),
            _ => None,
        }
    }

    /// The server id `gatehouse run` is given, when the entry is routed through Gatehouse.
    pub fn routed_id(&self) -> Option<&str> {
        match &self.transport {
            Transport::Local(local) => routed_id(local),
            _ => None,
        }
    }
}

/// The id of a launch that runs `gatehouse run <id>` (optionally `--client <app>`), by its
/// shape alone: whether the command is really this Gatehouse is the caller's to check
/// (`gatehouse-core`'s `clients::routed`), since any program can be named `gatehouse`.
pub fn routed_id(local: &Local) -> Option<&str> {
    let stem = Path::new(&local.command.replace('\\', "/"))
        .file_stem()
        .and_then(|s| s.to_str())
        .map(str::to_owned)?;
    match local.args.as_slice() {
        [run, id] if stem == "gatehouse" && run == "run" => Some(id),
        // Wired entries name their app (DESIGN.md, the launch path).
        [run, id, flag, _app] if stem == "gatehouse" && run == "run" && flag == "--client" => {
            Some(id)
        }
        _ => None,
    }
}

/// Reads `app`'s file at `path`; `None` when it does not exist.
pub fn read_config(app: ClientApp, path: &Path) -> Result<Option<ConfigFile>> {
    let text = match std::fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes).map_err(|_| Error::Unparsable {
            path: path.to_owned(),
            reason: "it is not UTF-8 text".to_owned(),
        })?,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(Error::Io {
                path: path.to_owned(),
                source,
            });
        }
    };
    let entries = parse_entries(app, &text).map_err(|reason| Error::Unparsable {
        path: path.to_owned(),
        reason,
    })?;
    Ok(Some(ConfigFile {
        app,
        path: path.to_owned(),
        text,
        entries,
    }))
}

/// The entries of `app`'s config `text`. An empty file has none (apps create it lazily).
pub fn parse_entries(app: ClientApp, text: &str) -> std::result::Result<Vec<Entry>, String> {
    let Some(root) = parse(text, app.allows_jsonc())? else {
        return Ok(Vec::new());
    };
    let Value::Object(top) = &root else {
        return Err("its top level is not an object".to_owned());
    };
    let key = app.servers_key().to_owned();
    let mut scopes = vec![vec![key.clone()]];
    if app == ClientApp::ClaudeCode
        && let Some(Value::Object(projects)) = prop(top, "projects").map(|p| &p.value)
    {
        for project in &projects.properties {
            scopes.push(vec![
                "projects".to_owned(),
                project.name.as_str().to_owned(),
                key.clone(),
            ]);
        }
    }
    let mut entries = Vec::new();
    for scope in scopes {
        let Some(servers) = object_at(&root, &scope) else {
            continue;
        };
        for server in &servers.properties {
            let transport = match &server.value {
                Value::Object(object) => transport(object),
                _ => Transport::Unknown {
                    kind: "not an object".to_owned(),
                },
            };
            entries.push(Entry {
                scope: scope.clone(),
                name: server.name.as_str().to_owned(),
                transport,
            });
        }
    }
    Ok(entries)
}

/// Where the launch of an entry object lives: the entry itself, or Zed's nested `command`
/// object; and the key of the program in it.
pub(crate) fn launch_holder<'o, 'a>(entry: &'o Object<'a>) -> (&'o Object<'a>, &'static str) {
    match prop(entry, "command").map(|p| &p.value) {
        Some(Value::Object(nested)) => (nested, "path"),
        _ => (entry, "command"),
    }
}

fn transport(entry: &Object<'_>) -> Transport {
    let text = |name: &str| match prop(entry, name).map(|p| &p.value) {
        Some(Value::StringLit(s)) => Some(s.value.to_string()),
        _ => None,
    };
    let kind = text("type");
    let url = text("url").or_else(|| text("serverUrl"));
    let remote_kinds = ["http", "sse", "streamableHttp", "streamable-http"];
    match kind.as_deref() {
        Some(k) if remote_kinds.contains(&k) => {
            return Transport::Remote {
                kind: k.to_owned(),
                url,
            };
        }
        Some("stdio") | None => {}
        Some(other) => {
            return Transport::Unknown {
                kind: other.to_owned(),
            };
        }
    }
    let (holder, command_key) = launch_holder(entry);
    match local(holder, command_key, command_key == "path") {
        Some(launch) => Transport::Local(launch),
        None if url.is_some() => Transport::Remote {
            kind: if prop(entry, "serverUrl").is_some() {
                "serverUrl".to_owned()
            } else {
                "url".to_owned()
            },
            url,
        },
        None if text("source").as_deref() == Some("extension")
            || (kind.is_none() && prop(entry, "settings").is_some()) =>
        {
            Transport::Extension {
                source: text("source").unwrap_or_else(|| "extension".to_owned()),
            }
        }
        None => Transport::Unknown {
            kind: kind.unwrap_or_else(|| "no command".to_owned()),
        },
    }
}

fn local(holder: &Object<'_>, command_key: &str, nested: bool) -> Option<Local> {
    let Some(Value::StringLit(command)) = prop(holder, command_key).map(|p| &p.value) else {
        return None;
    };
    let args = match prop(holder, "args").map(|p| &p.value) {
        None => Vec::new(),
        Some(Value::Array(array)) => array
            .elements
            .iter()
            .map(|element| match element {
                Value::StringLit(s) => Some(s.value.to_string()),
                _ => None,
            })
            .collect::<Option<Vec<_>>>()?,
        Some(_) => return None,
    };
    let env = match prop(holder, "env").map(|p| &p.value) {
        Some(Value::Object(env)) => env
            .properties
            .iter()
            .map(|p| {
                let value = match &p.value {
                    Value::StringLit(s) => s.value.to_string(),
                    Value::NumberLit(n) => n.value.to_owned(),
                    Value::BooleanLit(b) => b.value.to_string(),
                    _ => String::new(),
                };
                (p.name.as_str().to_owned(), value)
            })
            .collect(),
        _ => Vec::new(),
    };
    Some(Local {
        command: command.value.to_string(),
        args,
        env,
        nested,
        env_file: match prop(holder, "envFile").map(|p| &p.value) {
            Some(Value::StringLit(s)) => Some(s.value.to_string()),
            Some(_) => Some(String::new()),
            None => None,
        },
    })
}
