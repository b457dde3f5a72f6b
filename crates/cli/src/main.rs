//! The `gatehouse` binary. It parses the command line of `shared/CLI.md`, calls into the
//! library crates and turns their results into output and exit codes.
//!
//! It must never link the webview: client apps start it for every managed server launch,
//! and the launch path has to stay small and fast. Only `src-tauri` depends on tauri.

mod cli;
mod commands;
mod exit;

use clap::Parser;

fn main() -> std::process::ExitCode {
    gatehouse_desktop::phases::mark_start();
    if let Some(args) = cli::run_args(std::env::args_os()) {
        return commands::dispatch(cli::Cli {
            command: cli::Command::Run(args),
        })
        .into();
    }
    let cli = cli::Cli::parse();
    commands::dispatch(cli).into()
}
