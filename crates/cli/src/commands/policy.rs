//! `gatehouse policy …`: show the policy in force, preview the hub's, run conformance corpus
//! files, explain one decision from files, import a signed bundle. Each is thin: read, call,
//! print.

pub(crate) mod explain;
mod preview;
mod show;
mod test;

use clap::Subcommand;
use gatehouse_desktop::notifier::DesktopNotifier;

use crate::exit::Exit;

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Run corpus files (POLICY.md section 7): one line per case, then `N passed, M failed`.
    Test(test::TestArgs),
    /// The policy in force on this device: each rule with the layer that set it, clamp
    /// diagnostics, and the signed snapshot it came from.
    Show(crate::cli::JsonArgs),
    /// What the hub's current policy would change if it were applied: the servers whose
    /// verdict would differ. Stores nothing; `gatehouse sync` applies it.
    Preview(crate::cli::JsonArgs),
    /// Evaluate one server against layers read from files, as `check` would.
    Explain(explain::ExplainArgs),
    /// Verify a signed policy bundle from a file (the hub's envelope JSON) and store it, as
    /// `sync` would: for devices that get their policy by hand rather than over the network.
    Import {
        /// The envelope file (`{key_id, payload, signature}`).
        file: std::path::PathBuf,
    },
}

pub fn run(cmd: PolicyCommand) -> Exit {
    match cmd {
        PolicyCommand::Test(args) => test::run(&args),
        PolicyCommand::Show(args) => show::run(args.json),
        PolicyCommand::Preview(args) => preview::run(args.json),
        PolicyCommand::Explain(args) => explain::run(&args),
        PolicyCommand::Import { file } => import(&file),
    }
}

fn import(file: &std::path::Path) -> Exit {
    let body = match std::fs::read(file) {
        Ok(body) => body,
        Err(error) => {
            eprintln!("gatehouse: cannot read `{}`: {error}", file.display());
            return Exit::Usage;
        }
    };
    super::runtime::with_context(|ctx| async move {
        match gatehouse_core::sync::accept(&ctx, &body, None, &DesktopNotifier::default()).await {
            Ok(gatehouse_core::sync::Accepted::Stored { org, serial }) => {
                explain::print(&format!("Stored the policy of `{org}`, serial {serial}."));
                Exit::Ok
            }
            Ok(gatehouse_core::sync::Accepted::Unchanged { org, serial }) => {
                explain::print(&format!(
                    "The policy of `{org}`, serial {serial}, is already in force."
                ));
                Exit::Ok
            }
            Err(error) => super::fail(&error),
        }
    })
}
