//! `gatehouse config set|get`.

use gatehouse_core::settings::{self, ConfigKey};
use gatehouse_desktop::keyring::OsKeyring;

use super::policy::explain::print;
use super::{fail, runtime};
use crate::cli::ConfigCommand;
use crate::exit::Exit;

pub fn run(command: ConfigCommand) -> Exit {
    let name = match &command {
        ConfigCommand::Set { key, .. } | ConfigCommand::Get { key } => key.clone(),
    };
    let key: ConfigKey = match name.parse() {
        Ok(key) => key,
        Err(error) => return fail(&error),
    };
    runtime::with_context(|ctx| async move {
        match command {
            ConfigCommand::Set { value, .. } => {
                match settings::change(&ctx, &OsKeyring, key, &value).await {
                    Ok(()) => Exit::Ok,
                    Err(error) => fail(&error),
                }
            }
            ConfigCommand::Get { .. } => match settings::get(&ctx, key).await {
                Ok(Some(value)) => {
                    print(&value);
                    Exit::Ok
                }
                Ok(None) => Exit::Ok,
                Err(error) => fail(&error),
            },
        }
    })
}
