//! The command line grammar. Names, flags and exit codes are a contract (`shared/CLI.md`):
//! change them only together with that document.

use clap::{Parser, Subcommand};

/// Gatehouse decides which MCP servers may run on this computer.
#[derive(Debug, Parser)]
#[command(name = "gatehouse", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Work with policy files: run conformance cases, explain one decision.
    #[command(subcommand)]
    Policy(crate::commands::policy::PolicyCommand),
}
