//! One module per command group; each turns parsed arguments into an [`Exit`].

mod approve;
mod audit;
mod check;
mod clients;
mod config;
mod enroll;
mod flags;
mod hub;
mod install;
pub mod policy;
mod prompt;
mod run;
mod runtime;
mod servers;

use crate::cli::{Cli, Command};
use crate::exit::Exit;

pub fn dispatch(cli: Cli) -> Exit {
    match cli.command {
        Command::Run(args) => run::run(args),
        Command::Check(args) => check::run(args),
        Command::Approve(args) => approve::run(args),
        Command::Config(command) => config::run(command),
        Command::Servers(command) => servers::run(command),
        Command::Clients(command) => clients::run(command),
        Command::Audit(command) => audit::run(command),
        Command::Policy(command) => policy::run(command),
        Command::Sync(args) => hub::sync(args.json),
        Command::Status(args) => hub::status(args.json),
        Command::Install(args) => install::run(args),
        Command::Enroll(args) => enroll::run(args),
        Command::Login(args) => hub::login(args.token),
        Command::Logout => hub::logout(),
    }
}

/// Reports a core error on stderr and maps it to its contract exit code.
fn fail(error: &gatehouse_core::Error) -> Exit {
    eprintln!("gatehouse: {error}");
    Exit::Code(error.exit_code())
}

/// [`fail`] for a command asked for `--json`: the `{"error": …}` object goes to stdout too
/// (CLI.md), with the layer and key at fault for a policy that fails validation.
fn fail_json(error: &gatehouse_core::Error, json: bool) -> Exit {
    if json {
        use gatehouse_core::error::LocalPolicyProblem;
        let validation = match error {
            gatehouse_core::Error::LocalPolicy {
                problem: LocalPolicyProblem::Invalid(inner),
                ..
            } => match inner.as_ref() {
                gatehouse_policy::Error::Validation(validation) => Some(validation),
                _ => None,
            },
            _ => None,
        };
        let body = match validation {
            Some(validation) => serde_json::json!({
                "code": "invalid_policy",
                "layer": validation.layer.map(|layer| layer.to_string()),
                "key": validation.key,
                "message": error.to_string(),
            }),
            None => serde_json::json!({
                "code": error.code().as_str(),
                "message": error.to_string(),
            }),
        };
        println!("{}", serde_json::json!({ "error": body }));
    }
    fail(error)
}
