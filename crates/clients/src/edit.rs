//! The edits Gatehouse makes to a client app's file: route an entry through `gatehouse run`
//! ([`wire`]), put it back ([`unwire`]), and delete a remote entry ([`remove_entry`]).
//!
//! Each edit is a few splices at the byte ranges of the nodes it changes (the command, the
//! args, secret env values): nothing else in the file moves. [`wire`] returns the original
//! text of every node it replaced, so [`unwire`] puts back the very same bytes and a
//! wire + unwire round trip gives the original file, while edits the user made elsewhere in
//! the file (or to other keys of the entry) meanwhile are kept.

use std::collections::BTreeMap;
use std::path::Path;

use jsonc_parser::ast::{Object, Value};
use serde::{Deserialize, Serialize};

use crate::apps::ClientApp;
use crate::error::{Error, Result};
use crate::read::{Local, launch_holder, routed_id};
use crate::syntax::{Splice, apply, object_at, parse, prop, property_removal, quote, span};

/// How to route one entry.
#[derive(Debug, Clone)]
pub struct WirePlan<'p> {
    /// The absolute path of the `gatehouse` binary the entry will call.
    pub gatehouse: &'p str,
    /// The server id it runs.
    pub id: &'p str,
    /// Env names whose values leave the file, each with the reference written instead.
    pub secrets: &'p [(String, String)],
    /// Values the app fills in at launch: each `GATEHOUSE_VALUE_<n>` name with the text of
    /// position `n` of the launch (placeholders and all), added to the entry's env so the
    /// app expands it (DESIGN.md "Every path onto the machine").
    pub values: &'p [(String, String)],
}

/// What [`unwire`] needs to put an entry back, without any secret: those are returned apart
/// in [`Wired::secret_literals`] for the keyring.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Restore {
    /// The keys from the top of the file to the object holding the launch (the entry, or
    /// Zed's nested `command` object).
    pub holder: Vec<String>,
    /// `command`, or `path` in Zed's nested form.
    pub command_key: String,
    /// The original text of the command's value.
    pub command: String,
    /// The original text of the `args` value; `None` when the entry had none.
    pub args: Option<String>,
    /// The text inserted after the command when the entry had no `args`.
    pub inserted_args: Option<String>,
    /// Env names whose original value texts are kept in the keyring.
    pub secret_env: Vec<String>,
    /// The `GATEHOUSE_VALUE_<n>` names wiring added to the entry's env.
    #[serde(default)]
    pub values: Vec<String>,
    /// The text inserted for them: at the start of the entry's existing env object, or
    /// (when wiring created the env) right after the args.
    #[serde(default)]
    pub inserted_env: Option<String>,
    /// Whether wiring created the `env` object (the entry had none).
    #[serde(default)]
    pub env_created: bool,
}

/// A wired file.
#[derive(Debug, Clone)]
pub struct Wired {
    pub text: String,
    pub restore: Restore,
    /// Each secret env name with the exact text of its original value (a JSON string
    /// literal, quotes and escapes included), for the keyring. Never stored elsewhere.
    pub secret_literals: Vec<(String, String)>,
}

/// Routes the local entry at `entry_path` of `text` through `gatehouse run <id>`.
pub fn wire(
    app: ClientApp,
    path: &Path,
    text: &str,
    entry_path: &[String],
    plan: &WirePlan<'_>,
) -> Result<Wired> {
    let moved = |reason: &str| moved(path, entry_path, reason);
    let root = parse_root(app, path, text)?;
    let entry = object_at(&root, entry_path).ok_or_else(|| moved("is no longer there"))?;
    let (holder, command_key) = launch_holder(entry);
    let mut holder_path = entry_path.to_vec();
    if command_key == "path" {
        holder_path.push("command".to_owned());
    }
    let command = prop(holder, command_key)
        .filter(|p| matches!(p.value, Value::StringLit(_)))
        .ok_or_else(|| moved("has no command"))?;
    let command_span = span(&command.value);
    // The app is named so that a refusal can tell the person which app tried to start it.
    let run_args = format!(
        "[\"run\", {}, \"--client\", {}]",
        quote(plan.id),
        quote(app.name())
    );
    let mut splices = vec![Splice {
        range: command_span.clone(),
        text: quote(plan.gatehouse),
    }];
    let members: Vec<String> = plan
        .values
        .iter()
        .map(|(name, value)| format!("{}: {}", quote(name), quote(value)))
        .collect();
    let env = prop(holder, "env").map(|p| &p.value);
    if env.is_some_and(|env| !matches!(env, Value::Object(_))) && !members.is_empty() {
        return Err(moved("has an env that is not an object"));
    }
    let env_created = !members.is_empty() && env.is_none();
    let created_env = if env_created {
        format!(", \"env\": {{{}}}", members.join(", "))
    } else {
        String::new()
    };
    let mut inserted_env = None;
    if let Some(Value::Object(env)) = env
        && !members.is_empty()
    {
        let open = span(env).start + 1;
        let separator = if env.properties.is_empty() { "" } else { ", " };
        let inserted = format!("{}{separator}", members.join(", "));
        splices.push(Splice {
            range: open..open,
            text: inserted.clone(),
        });
        inserted_env = Some(inserted);
    }
    let (args, inserted_args) = match prop(holder, "args") {
        Some(args) => {
            let range = span(&args.value);
            splices.push(Splice {
                range: range.clone(),
                text: run_args,
            });
            if env_created {
                // Right after the args: a different place from every other splice.
                splices.push(Splice {
                    range: range.end..range.end,
                    text: created_env.clone(),
                });
                inserted_env = Some(created_env.clone());
            }
            (Some(text[range].to_owned()), None)
        }
        None => {
            // One insertion for both, so that they cannot land in either order.
            let inserted = format!(", \"args\": {run_args}{created_env}");
            splices.push(Splice {
                range: command_span.end..command_span.end,
                text: inserted.clone(),
            });
            (None, Some(inserted))
        }
    };
    let mut secret_literals = Vec::new();
    let mut secret_env = Vec::new();
    for (name, reference) in plan.secrets {
        let value = env_value(holder, name).ok_or_else(|| moved("lost an env value"))?;
        let range = span(value);
        secret_literals.push((name.clone(), text[range.clone()].to_owned()));
        secret_env.push(name.clone());
        splices.push(Splice {
            range,
            text: quote(reference),
        });
    }
    let restore = Restore {
        holder: holder_path,
        command_key: command_key.to_owned(),
        command: text[command_span].to_owned(),
        args,
        inserted_args,
        secret_env,
        values: plan.values.iter().map(|(name, _)| name.clone()).collect(),
        inserted_env,
        env_created,
    };
    Ok(Wired {
        text: apply(text, splices),
        restore,
        secret_literals,
    })
}

/// Puts back the entry `restore` describes, with the original value texts of its secret env
/// values from `secret_literals`. The entry must still run `gatehouse run <id>`; anything
/// else means the user (or another tool) rewired it, and it is left alone.
pub fn unwire(
    app: ClientApp,
    path: &Path,
    text: &str,
    id: &str,
    restore: &Restore,
    secret_literals: &BTreeMap<String, String>,
) -> Result<String> {
    let entry_name = restore.holder.join(".");
    let moved = |reason: &str| Error::EntryMoved {
        path: path.to_owned(),
        entry: entry_name.clone(),
        reason: reason.to_owned(),
    };
    let root = parse_root(app, path, text)?;
    let holder = object_at(&root, &restore.holder).ok_or_else(|| moved("is no longer there"))?;
    let command = prop(holder, &restore.command_key).ok_or_else(|| moved("has no command"))?;
    let args = prop(holder, "args").ok_or_else(|| moved("has no args"))?;
    let launch = launch_of(holder, &restore.command_key);
    if launch.as_ref().and_then(routed_id) != Some(id) {
        return Err(moved(&format!(
            "no longer runs `gatehouse run {id}` (it was changed after wiring)"
        )));
    }
    let command_span = span(&command.value);
    let mut splices = vec![Splice {
        range: command_span.clone(),
        text: restore.command.clone(),
    }];
    match (&restore.args, &restore.inserted_args) {
        (Some(original), _) => splices.push(Splice {
            range: span(&args.value),
            text: original.clone(),
        }),
        (None, inserted) => {
            let after = command_span.end;
            let exact = inserted
                .as_deref()
                .filter(|inserted| text[after..].starts_with(inserted));
            let range = match exact {
                Some(inserted) => after..after + inserted.len(),
                // Reformatted by someone else: remove the property however it looks now.
                None => {
                    let index = holder
                        .properties
                        .iter()
                        .rposition(|p| p.name.as_str() == "args")
                        .ok_or_else(|| moved("has no args"))?;
                    property_removal(holder, index)
                }
            };
            splices.push(Splice {
                range,
                text: String::new(),
            });
        }
    }
    for name in &restore.secret_env {
        // A secret the user deleted from the entry meanwhile stays deleted.
        let Some(value) = env_value(holder, name) else {
            continue;
        };
        let literal = secret_literals
            .get(name)
            .ok_or_else(|| moved(&format!("needs the value of `{name}`, which is missing")))?;
        splices.push(Splice {
            range: span(value),
            text: literal.clone(),
        });
    }
    let mut unwired = apply(text, splices);
    if !restore.values.is_empty() {
        unwired = remove_values(app, path, &unwired, restore).map_err(|_| {
            moved("holds Gatehouse's placeholder values in a shape that cannot be undone")
        })?;
    }
    Ok(unwired)
}

/// `text` without the `GATEHOUSE_VALUE_<n>` members wiring added to the entry's env (and
/// without the env object, when wiring created it and nothing else is in it now): the
/// inserted text itself when it is still there as written, else member by member.
fn remove_values(app: ClientApp, path: &Path, text: &str, restore: &Restore) -> Result<String> {
    let mut text = text.to_owned();
    let env_of = |root: &Value<'_>| -> Option<(std::ops::Range<usize>, Vec<String>)> {
        let holder = object_at(root, &restore.holder)?;
        let Value::Object(env) = &prop(holder, "env")?.value else {
            return None;
        };
        Some((
            span(env),
            env.properties
                .iter()
                .map(|p| p.name.as_str().to_owned())
                .collect(),
        ))
    };
    if let Some(inserted) = &restore.inserted_env {
        let root = parse_root(app, path, &text)?;
        let at = if restore.env_created {
            object_at(&root, &restore.holder)
                .and_then(|holder| prop(holder, "args"))
                .map(|args| span(&args.value).end)
        } else {
            env_of(&root).map(|(range, _)| range.start + 1)
        };
        if let Some(at) = at
            && text[at..].starts_with(inserted.as_str())
        {
            text.replace_range(at..at + inserted.len(), "");
            return Ok(text);
        }
    }
    // Someone reformatted the env meanwhile: take the members out one at a time.
    for name in &restore.values {
        let root = parse_root(app, path, &text)?;
        let Some(holder) = object_at(&root, &restore.holder) else {
            break;
        };
        let Some(Value::Object(env)) = prop(holder, "env").map(|p| &p.value) else {
            break;
        };
        if let Some(index) = env.properties.iter().position(|p| p.name.as_str() == name) {
            let range = property_removal(env, index);
            text = apply(
                &text,
                vec![Splice {
                    range,
                    text: String::new(),
                }],
            );
        }
    }
    if restore.env_created {
        let root = parse_root(app, path, &text)?;
        if let Some(holder) = object_at(&root, &restore.holder)
            && let Some(index) = holder
                .properties
                .iter()
                .rposition(|p| p.name.as_str() == "env")
            && env_of(&root).is_some_and(|(_, names)| names.is_empty())
        {
            let range = property_removal(holder, index);
            text = apply(
                &text,
                vec![Splice {
                    range,
                    text: String::new(),
                }],
            );
        }
    }
    Ok(text)
}

/// `text` without the entry at `entry_path` (a remote entry the user asked to remove).
pub fn remove_entry(
    app: ClientApp,
    path: &Path,
    text: &str,
    entry_path: &[String],
) -> Result<String> {
    let Some((name, scope)) = entry_path.split_last() else {
        return Err(moved(path, entry_path, "is no longer there"));
    };
    let root = parse_root(app, path, text)?;
    let servers = object_at(&root, scope).ok_or_else(|| moved(path, entry_path, "is gone"))?;
    let index = servers
        .properties
        .iter()
        .rposition(|p| p.name.as_str() == name)
        .ok_or_else(|| moved(path, entry_path, "is no longer there"))?;
    Ok(apply(
        text,
        vec![Splice {
            range: removal_range(text, servers, index),
            text: String::new(),
        }],
    ))
}

/// [`property_removal`], except that removing the only property of an object holding
/// nothing else (no comment) empties it whole: `{}` again, as it was before an add
/// expanded it.
fn removal_range(text: &str, object: &Object<'_>, index: usize) -> std::ops::Range<usize> {
    let cut = property_removal(object, index);
    let whole = span(object);
    if object.properties.len() == 1 && whole.len() >= 2 {
        let inner = whole.start + 1..whole.end - 1;
        let rest = format!(
            "{}{}",
            &text[inner.start..cut.start],
            &text[cut.end..inner.end]
        );
        if rest.trim().trim_matches(',').trim().is_empty() {
            return inner;
        }
    }
    cut
}

/// Whether `text` still parses for `app` (checked on every edit before it is written).
pub fn parses(app: ClientApp, text: &str) -> bool {
    parse(text, app.allows_jsonc()).is_ok()
}

fn parse_root<'t>(app: ClientApp, path: &Path, text: &'t str) -> Result<Value<'t>> {
    match parse(text, app.allows_jsonc()) {
        Ok(Some(root)) => Ok(root),
        Ok(None) => Err(Error::Unparsable {
            path: path.to_owned(),
            reason: "it is empty".to_owned(),
        }),
        Err(reason) => Err(Error::Unparsable {
            path: path.to_owned(),
            reason,
        }),
    }
}

fn launch_of(holder: &Object<'_>, command_key: &str) -> Option<Local> {
    let string = |value: &Value<'_>| match value {
        Value::StringLit(s) => Some(s.value.to_string()),
        _ => None,
    };
    let command = string(&prop(holder, command_key)?.value)?;
    let Value::Array(args) = &prop(holder, "args")?.value else {
        return None;
    };
    let args = args.elements.iter().map(string).collect::<Option<_>>()?;
    Some(Local {
        command,
        args,
        env: Vec::new(),
        nested: command_key == "path",
        env_file: None,
    })
}

fn env_value<'o, 'a>(holder: &'o Object<'a>, name: &str) -> Option<&'o Value<'a>> {
    let Value::Object(env) = &prop(holder, "env")?.value else {
        return None;
    };
    prop(env, name)
        .map(|p| &p.value)
        .filter(|v| matches!(v, Value::StringLit(_)))
}

fn moved(path: &Path, entry_path: &[String], reason: &str) -> Error {
    Error::EntryMoved {
        path: path.to_owned(),
        entry: entry_path.join("."),
        reason: reason.to_owned(),
    }
}
