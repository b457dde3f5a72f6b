//! `gatehouse install <name>[@ref] [--client C]...`: install from the organization's
//! registry and register. Exit 0 installed; 1 failed (nothing left behind); 4 refused by
//! policy or by the version's status, before anything was downloaded.

use gatehouse_core::install::{self, InstallFrom, InstallOutcome, InstallRequest};
use gatehouse_core::settings;
use gatehouse_core::{ClientApp, Context, Error};
use gatehouse_desktop::keyring::OsKeyring;
use gatehouse_policy::{Verdict, level_name};

use super::policy::explain::print;
use super::{fail, runtime};
use crate::cli::InstallArgs;
use crate::exit::Exit;

pub fn run(args: InstallArgs) -> Exit {
    // Checked before anything is fetched: a typo must not cost a download.
    let mut apps = Vec::new();
    for name in &args.clients {
        match ClientApp::from_name(name) {
            Some(app) => apps.push(app),
            None => {
                eprintln!(
                    "gatehouse: `{name}` is not a client app; use claude-desktop, claude-code, \
                     cursor, vscode, windsurf, zed or cline"
                );
                return Exit::Usage;
            }
        }
    }
    runtime::with_context(|ctx| async move {
        let registry = match (&args.bundle, &args.manifest) {
            (Some(_), Some(_)) => None,
            _ => match registry(&ctx).await {
                Ok(registry) => Some(registry),
                Err(error) => return fail(&error),
            },
        };
        let packages = match settings::packages_client() {
            Ok(packages) => packages,
            Err(error) => return fail(&error),
        };
        let from = match (&registry, &args.bundle, &args.manifest) {
            (Some(registry), _, _) => InstallFrom::Registry {
                registry,
                packages: &packages,
            },
            (None, Some(bundle), Some(manifest)) => InstallFrom::Files { bundle, manifest },
            (None, _, _) => return Exit::Usage,
        };
        let request = InstallRequest {
            package: args.package.clone(),
        };
        let gatehouse = if apps.is_empty() {
            String::new()
        } else {
            match gatehouse_core::clients::stable_launcher(&ctx) {
                Ok(path) => path.display().to_string(),
                Err(error) => {
                    eprintln!("gatehouse: cannot tell where this program is installed: {error}");
                    return Exit::Failure;
                }
            }
        };
        let outcome = install::install_into_apps(
            &ctx,
            from,
            &OsKeyring,
            &request,
            &gatehouse,
            &apps,
            &install::silent,
        )
        .await;
        match outcome {
            Ok(InstallOutcome::Installed(installed)) => {
                let facts = &installed.facts;
                let level = facts.cert_level.map_or_else(
                    || "certification unknown".to_owned(),
                    |level| format!("level {level} {}", level_name(level)),
                );
                let score = facts
                    .score
                    .map_or_else(|| "score unknown".to_owned(), |s| format!("score {s}"));
                let server = &installed.server;
                let what = if installed.verified_copy {
                    " as a verified copy"
                } else {
                    ""
                };
                print(&format!(
                    "Installed `{}` {}{what} ({}, {level}, {score}).",
                    server.id,
                    server.version.as_deref().unwrap_or("?"),
                    facts.origin.name(),
                ));
                print(&format!("Files: {}", installed.bundle_dir.display()));
                print(&format!(
                    "Client apps start it with: gatehouse run {}",
                    server.id
                ));
                for (app, path) in &installed.added_to {
                    print(&format!("Added to {}: {}", app.label(), path.display()));
                }
                if installed.verdict == Verdict::Warn {
                    eprintln!(
                        "gatehouse: policy asks for confirmation before its first run because:"
                    );
                    for warning in &installed.warnings {
                        eprintln!("  - {warning}");
                    }
                }
                Exit::Ok
            }
            Ok(InstallOutcome::Blocked { message }) => {
                eprintln!("{message}");
                Exit::Blocked
            }
            Err(error) => {
                eprintln!(
                    "gatehouse: install of `{}` failed, nothing was installed: {error}",
                    args.package
                );
                match error.exit_code() {
                    // Usage and policy problems keep their own codes; anything else failed.
                    code @ (2 | 3 | 5) => Exit::Code(code),
                    _ => Exit::Failure,
                }
            }
        }
    })
}

/// The client for the configured registry with the hub token in force.
async fn registry(ctx: &Context) -> Result<gatehouse_core::HubClient, Error> {
    let (registry, keyring_problem) = settings::configured_registry_client(ctx, &OsKeyring).await?;
    if let Some(problem) = keyring_problem {
        eprintln!("gatehouse: {problem}; asking the registry without a token");
    }
    Ok(registry)
}
