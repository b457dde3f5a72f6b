//! Whether a client app entry really runs through this Gatehouse. A command named
//! `gatehouse` with `run <id>` is not enough: any program can be called that. An entry is
//! routed only when its command is this Gatehouse's launcher (the same file, or a copy with
//! the same content) and its environment sets none of Gatehouse's own variables, which
//! could move the launcher to other data or another managed file (DESIGN.md "Tamper
//! evidence"); the only ones allowed are the `GATEHOUSE_VALUE_<n>` placeholders wiring
//! writes.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use gatehouse_clients::read::Local;
use gatehouse_clients::{Entry, Transport};

use crate::context::Environment;
use crate::identity::tree::hash_file;

/// Why an entry that names `gatehouse run <id>` is not routed after all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotRouted {
    /// Its command is not this Gatehouse's launcher.
    OtherProgram,
    /// Its environment sets one of Gatehouse's own variables.
    GatehouseVariable,
}

impl NotRouted {
    /// In plain words, for `clients list` and the Client apps view.
    pub fn words(self) -> &'static str {
        match self {
            NotRouted::OtherProgram => {
                "its command is called gatehouse but is not the Gatehouse installed on this computer"
            }
            NotRouted::GatehouseVariable => {
                "it sets one of Gatehouse's own variables, which could move Gatehouse away from your organization's policy"
            }
        }
    }
}

/// This Gatehouse's launcher, compared with entries' commands (its hash made once).
#[derive(Debug)]
pub struct Launcher<'a> {
    env: &'a Environment,
    path: Option<PathBuf>,
    fingerprint: OnceLock<Option<(u64, String)>>,
    /// The copies' fingerprints, made once each: many entries call the same copy.
    copies: Mutex<HashMap<PathBuf, Option<(u64, String)>>>,
}

impl<'a> Launcher<'a> {
    /// The launcher `env`'s program calls ([`Environment::launcher`]). When it is not known
    /// (a test's confined environment), commands are judged by name alone.
    pub fn of(env: &'a Environment) -> Launcher<'a> {
        Launcher {
            env,
            path: env.launcher().ok(),
            fingerprint: OnceLock::new(),
            copies: Mutex::new(HashMap::new()),
        }
    }

    /// The server id `entry` runs through this Gatehouse, if it does.
    pub fn routed_id<'e>(&self, entry: &'e Entry) -> Option<&'e str> {
        match &entry.transport {
            Transport::Local(local) => self.check(local).ok().flatten(),
            _ => None,
        }
    }

    /// `Ok(Some(id))` routed, `Ok(None)` not meant to be (an ordinary command), `Err` when
    /// it names `gatehouse run <id>` but is not routed, and why.
    pub fn check<'e>(&self, local: &'e Local) -> Result<Option<&'e str>, NotRouted> {
        let Some(id) = gatehouse_clients::read::routed_id(local) else {
            return Ok(None);
        };
        if local
            .env
            .iter()
            .any(|(name, _)| gatehouse_launch::is_gatehouse_own(name) && !is_placeholder(name))
        {
            return Err(NotRouted::GatehouseVariable);
        }
        match &self.path {
            Some(launcher) if !self.is_launcher(&local.command, launcher) => {
                Err(NotRouted::OtherProgram)
            }
            _ => Ok(Some(id)),
        }
    }

    fn is_launcher(&self, command: &str, launcher: &Path) -> bool {
        let given = Path::new(command);
        let found = if given.is_absolute() {
            Some(given.to_owned())
        } else if given.components().count() == 1 {
            self.env.find_program(given)
        } else {
            // A relative path depends on the folder the app starts it in.
            None
        };
        let Some(found) = found else {
            return false;
        };
        if let (Ok(a), Ok(b)) = (found.canonicalize(), launcher.canonicalize())
            && a == b
        {
            return true;
        }
        // A copy (the app keeps one in its data folder): the same bytes. Sizes first, so
        // an unrelated program is never hashed, nor the launcher for it.
        let (Ok(found_meta), Ok(launcher_meta)) =
            (std::fs::metadata(&found), std::fs::metadata(launcher))
        else {
            return false;
        };
        if found_meta.len() != launcher_meta.len() {
            return false;
        }
        let Some((size, hash)) = self
            .fingerprint
            .get_or_init(|| fingerprint(launcher))
            .as_ref()
        else {
            return false;
        };
        if found_meta.len() != *size {
            return false;
        }
        let mut copies = self
            .copies
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        copies
            .entry(found.clone())
            .or_insert_with(|| fingerprint(&found))
            .as_ref()
            .is_some_and(|(_, other)| other == hash)
    }
}

/// `GATEHOUSE_VALUE_<n>`: a placeholder of the app's own, kept by wiring.
fn is_placeholder(name: &str) -> bool {
    name.strip_prefix("GATEHOUSE_VALUE_")
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

fn fingerprint(path: &Path) -> Option<(u64, String)> {
    let size = std::fs::metadata(path).ok()?.len();
    Some((size, hash_file(path).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::{Platform, Program};

    fn local(command: &str, env: &[(&str, &str)]) -> Local {
        Local {
            command: command.to_owned(),
            args: vec!["run".to_owned(), "db".to_owned()],
            env: env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            nested: false,
            env_file: None,
        }
    }

    #[cfg(unix)]
    #[test]
    fn only_the_real_launcher_or_its_copy_without_gatehouse_variables_is_routed() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("gatehouse");
        std::fs::write(&real, b"the real launcher").unwrap();
        let copy = dir.path().join("bin/gatehouse");
        std::fs::create_dir_all(copy.parent().unwrap()).unwrap();
        std::fs::write(&copy, b"the real launcher").unwrap();
        let fake = dir.path().join("fake/gatehouse");
        std::fs::create_dir_all(fake.parent().unwrap()).unwrap();
        std::fs::write(&fake, b"#!/bin/sh\nexec evil\n").unwrap();
        let env = Environment::confined_to(Platform::Linux, dir.path())
            .running(Program::Cli, real.clone());
        let launcher = Launcher::of(&env);

        let text = |path: &Path| path.to_str().unwrap().to_owned();
        assert_eq!(launcher.check(&local(&text(&real), &[])), Ok(Some("db")));
        assert_eq!(launcher.check(&local(&text(&copy), &[])), Ok(Some("db")));
        assert_eq!(
            launcher.check(&local(&text(&fake), &[])),
            Err(NotRouted::OtherProgram)
        );
        assert_eq!(
            launcher.check(&local(
                &text(&real),
                &[("GATEHOUSE_MANAGED_SETTINGS", "/tmp/e")]
            )),
            Err(NotRouted::GatehouseVariable)
        );
        assert_eq!(
            launcher.check(&local(
                &text(&real),
                &[("GATEHOUSE_VALUE_1", "${input:key}")]
            )),
            Ok(Some("db")),
            "the app's own placeholders are kept by wiring"
        );
        let mut other = local("npx", &[]);
        other.args = vec!["-y".to_owned(), "x".to_owned()];
        assert_eq!(launcher.check(&other), Ok(None), "not meant to be routed");
    }
}
