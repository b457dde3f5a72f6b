//! `gatehouse servers list|add|remove`.

use gatehouse_core::identity::Standing;
use gatehouse_core::servers::{self, AddServer, ServerView};
use gatehouse_desktop::keyring::OsKeyring;

use super::policy::explain::{print, print_json};
use super::{fail, fail_json, runtime};
use crate::cli::ServersCommand;
use crate::exit::Exit;

pub fn run(command: ServersCommand) -> Exit {
    runtime::with_context(|ctx| async move {
        match command {
            ServersCommand::List { json } => match servers::list_servers(&ctx).await {
                Ok(list) if json => print_json(&list, "servers"),
                Ok(list) => {
                    print(&table(&list));
                    Exit::Ok
                }
                Err(error) => fail_json(&error, json),
            },
            ServersCommand::Add(args) => {
                let mut command = args.command.into_iter();
                let Some(program) = command.next() else {
                    eprintln!("gatehouse: the server's command is missing after `--`");
                    return Exit::Usage;
                };
                let add = AddServer {
                    id: args.id,
                    name: args.name,
                    env_names: args.env,
                    command: program,
                    args: command.collect(),
                };
                match servers::add_server(&ctx, add).await {
                    Ok(added) => {
                        let id = &added.server.id;
                        let who = match &added.bound {
                            Some((name, version)) => format!("as {name}@{version} (named)"),
                            None => "(unbound: its command names no pinned package)".to_owned(),
                        };
                        print(&format!(
                            "Registered `{id}` {who}. Client apps start it with: gatehouse run {id}"
                        ));
                        Exit::Ok
                    }
                    Err(error) => fail(&error),
                }
            }
            ServersCommand::Remove { id } => {
                match servers::remove_server(&ctx, &OsKeyring, &id).await {
                    Ok(true) => {
                        print(&format!("Removed `{id}`."));
                        Exit::Ok
                    }
                    Ok(false) => {
                        eprintln!("gatehouse: no server `{id}` is registered");
                        Exit::Failure
                    }
                    Err(error) => fail(&error),
                }
            }
            ServersCommand::UseCopy { id } => {
                let packages = match gatehouse_core::settings::packages_client() {
                    Ok(packages) => packages,
                    Err(error) => return fail(&error),
                };
                match servers::use_verified_copy(&ctx, &packages, &id).await {
                    Ok(switched) => {
                        print(&format!(
                            "`{id}` now runs the verified copy of {} (its apps need no change).",
                            switched.package
                        ));
                        Exit::Ok
                    }
                    Err(error) => fail(&error),
                }
            }
        }
    })
}

/// A verdict as the app's badges say it.
pub(crate) fn verdict_words(verdict: gatehouse_policy::Verdict) -> &'static str {
    match verdict {
        gatehouse_policy::Verdict::Allow => "Allowed",
        gatehouse_policy::Verdict::Warn => "Asks first",
        gatehouse_policy::Verdict::Block => "Blocked",
    }
}

/// A standing as `servers list` says it.
pub(crate) fn standing_words(standing: Standing) -> &'static str {
    match standing {
        Standing::Verified => "verified",
        Standing::Named => "named (what its runner downloads is not checked)",
        Standing::Unbound => "unbound (what it runs cannot be checked)",
    }
}

/// One line per server: id, name and version, verdict, then the reasons indented.
fn table(list: &[ServerView]) -> String {
    if list.is_empty() {
        return "No servers are registered yet. Add one with `gatehouse servers add ID -- COMMAND`.".to_owned();
    }
    let mut text = String::new();
    for server in list {
        let version = server.version.as_deref().unwrap_or("?");
        let verdict = verdict_words(server.verdict);
        let level = server.cert_level.map_or_else(
            || "unknown".to_owned(),
            |l| format!("{l} ({})", gatehouse_policy::level_name(l)),
        );
        let score = server
            .score
            .map_or_else(|| "unknown".to_owned(), |s| format!("{s}/100"));
        let standing = if server.verified_copy {
            "verified copy"
        } else {
            standing_words(server.standing)
        };
        let name = server.name.as_deref().unwrap_or("unbound");
        text.push_str(&format!(
            "{}  {name}@{version}  {verdict}  {standing}; level {level}, score {score}, {}\n",
            server.id, server.origin
        ));
        for reason in &server.reasons {
            text.push_str(&format!("    - {reason}\n"));
        }
        if server.copy_offered {
            text.push_str(&format!(
                "    Your organization certifies a copy of its package: `gatehouse servers use-copy {}` switches to it.\n",
                server.id
            ));
        }
    }
    text
}
