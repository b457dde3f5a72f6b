//! `gatehouse policy …`: run conformance corpus files and explain one decision from files.
//! Both are thin: they read files, call `gatehouse_policy`, and print.

pub(crate) mod explain;
mod test;

use clap::Subcommand;

use crate::exit::Exit;

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Run corpus files (POLICY.md section 7): one line per case, then `N passed, M failed`.
    Test(test::TestArgs),
    /// Evaluate one server against layers read from files, as `check` would.
    Explain(explain::ExplainArgs),
}

pub fn run(cmd: PolicyCommand) -> Exit {
    match cmd {
        PolicyCommand::Test(args) => test::run(&args),
        PolicyCommand::Explain(args) => explain::run(&args),
    }
}
