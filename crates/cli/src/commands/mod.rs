//! One module per command group; each turns parsed arguments into an [`Exit`].

pub mod policy;

use crate::cli::{Cli, Command};
use crate::exit::Exit;

pub fn dispatch(cli: Cli) -> Exit {
    match cli.command {
        Command::Policy(command) => policy::run(command),
    }
}
