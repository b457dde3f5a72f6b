//! `gatehouse clients list|wire|unwire|remove-remote`.

use gatehouse_core::ClientApp;
use gatehouse_core::clients::{self, ClientFileView, FileOutcome};
use gatehouse_desktop::keyring::OsKeyring;

use super::policy::explain::{print, print_json};
use super::{fail, fail_json, runtime};
use crate::cli::ClientsCommand;
use crate::exit::Exit;

pub fn run(command: ClientsCommand) -> Exit {
    runtime::with_context(|ctx| async move {
        match command {
            ClientsCommand::List { json, projects } => {
                match clients::list_and_report(&ctx, &absolute(&projects)).await {
                    Ok(list) if json => print_json(&list, "client apps"),
                    Ok(list) => {
                        print(&table(&list));
                        Exit::Ok
                    }
                    Err(error) => fail_json(&error, json),
                }
            }
            ClientsCommand::Wire(args) => {
                let apps = match apps(&args.clients) {
                    Ok(apps) => apps,
                    Err(exit) => return exit,
                };
                let gatehouse = match clients::stable_launcher(&ctx) {
                    Ok(path) => path.display().to_string(),
                    Err(error) => return fail(&error),
                };
                match clients::wire_clients(
                    &ctx,
                    &OsKeyring,
                    &gatehouse,
                    &apps,
                    &absolute(&args.projects),
                )
                .await
                {
                    Ok(outcomes) => report(&outcomes, "Routed"),
                    Err(error) => fail(&error),
                }
            }
            ClientsCommand::Unwire(args) => {
                let apps = match apps(&args.clients) {
                    Ok(apps) => apps,
                    Err(exit) => return exit,
                };
                match clients::unwire_clients(
                    &ctx,
                    &OsKeyring,
                    &apps,
                    &absolute(&args.projects),
                    None,
                )
                .await
                {
                    Ok(outcomes) => report(&outcomes, "Restored"),
                    Err(error) => fail(&error),
                }
            }
            ClientsCommand::RemoveRemote { client, name } => {
                let app = match apps(std::slice::from_ref(&client)) {
                    Ok(apps) => apps.into_iter().next(),
                    Err(exit) => return exit,
                };
                let Some(app) = app else {
                    return Exit::Usage;
                };
                match clients::remove_remote(&ctx, app, &name).await {
                    Ok(paths) if paths.is_empty() => {
                        eprintln!("gatehouse: {} has no remote entry `{name}`", app.label());
                        Exit::Failure
                    }
                    Ok(paths) => {
                        for path in paths {
                            print(&format!("Removed `{name}` from {}.", path.display()));
                        }
                        Exit::Ok
                    }
                    Err(error) => fail(&error),
                }
            }
        }
    })
}

/// Project folders as full paths (relative ones are taken from the current folder), so
/// they match what the apps remember.
fn absolute(projects: &[std::path::PathBuf]) -> Vec<std::path::PathBuf> {
    let here = std::env::current_dir().unwrap_or_default();
    projects
        .iter()
        .map(|path| {
            let full = here.join(path);
            std::fs::canonicalize(&full).unwrap_or(full)
        })
        .collect()
}

/// The client apps named on the command line; all when none is.
fn apps(names: &[String]) -> Result<Vec<ClientApp>, Exit> {
    names
        .iter()
        .map(|name| {
            ClientApp::from_name(name).ok_or_else(|| {
                let known: Vec<&str> = ClientApp::ALL.iter().map(|a| a.name()).collect();
                eprintln!(
                    "gatehouse: unknown client app `{name}`; one of: {}",
                    known.join(", ")
                );
                Exit::Usage
            })
        })
        .collect()
}

/// One line per changed entry and per problem; exit 1 when a file was left untouched.
fn report(outcomes: &[FileOutcome], verb: &str) -> Exit {
    let mut failed = false;
    let mut text = String::new();
    for outcome in outcomes {
        for (entry, id) in &outcome.changed {
            text.push_str(&format!(
                "{verb} {} `{entry}` (server `{id}`) in {}\n",
                outcome.client.label(),
                outcome.path.display()
            ));
        }
        for (entry, why) in &outcome.skipped {
            text.push_str(&format!(
                "Left {} `{entry}` as it is: {why}; Gatehouse does not check it\n",
                outcome.client.label()
            ));
        }
        for error in &outcome.errors {
            failed = true;
            eprintln!("gatehouse: {error}");
        }
    }
    if text.is_empty() {
        text.push_str("Nothing to change.\n");
    }
    print(text.trim_end());
    if failed { Exit::Failure } else { Exit::Ok }
}

fn table(list: &[ClientFileView]) -> String {
    if list.is_empty() {
        return "No MCP client app configuration was found.".to_owned();
    }
    let mut text = String::new();
    for file in list {
        match &file.project {
            Some(project) => text.push_str(&format!(
                "{}, project {} ({})\n",
                file.label,
                project.display(),
                file.path.display()
            )),
            None => text.push_str(&format!("{} ({})\n", file.label, file.path.display())),
        }
        if let Some(error) = &file.error {
            text.push_str(&format!("    cannot be read: {error}\n"));
        }
        for extension in &file.extensions {
            let verdict = extension
                .verdict
                .as_ref()
                .map_or("unknown", |v| v.verdict.name());
            let state = match (extension.enabled, extension.disabled_by_gatehouse) {
                (true, _) => "on",
                (false, true) => "switched off by Gatehouse",
                (false, false) => "off",
            };
            text.push_str(&format!(
                "  {} {}  extension  {verdict}, {state}\n",
                extension.display_name,
                extension.version.as_deref().unwrap_or("")
            ));
            if let Some(error) = &extension.error {
                text.push_str(&format!("    cannot be read: {error}\n"));
            }
        }
        for entry in &file.entries {
            let place = entry
                .project
                .as_ref()
                .map(|p| format!(" [project {p}]"))
                .unwrap_or_default();
            text.push_str(&format!(
                "  {}{place}  {}  {}\n",
                entry.name,
                entry.kind.as_str(),
                entry.status
            ));
            for violation in &entry.violations {
                text.push_str(&format!(
                    "    - {}: {}\n",
                    violation.code.as_str(),
                    violation.message
                ));
            }
        }
    }
    text
}
