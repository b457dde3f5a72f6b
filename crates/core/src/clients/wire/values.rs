//! What wiring an entry with values the app fills in at launch needs (DESIGN.md "Every path
//! onto the machine"): a `GATEHOUSE_VALUE_<n>` in the entry's env for each position of the
//! launch that holds a placeholder, and the names of the variables of a VS Code `envFile`,
//! so that `gatehouse run` passes on what the app loads from it. The launch side is
//! `crate::launch::values`.

use std::path::Path;

use gatehouse_clients::read::Local;

use crate::launch::values::{placeholder_positions, value_name};

/// The values an entry needs and the env names its `envFile` gives.
#[derive(Debug, Default)]
pub(super) struct AppValues {
    /// Each `GATEHOUSE_VALUE_<n>` with the text of position `n`.
    pub values: Vec<(String, String)>,
    /// The variables the app loads from the entry's `envFile`.
    pub env_file_names: Vec<String>,
}

/// What wiring `local` needs, or why it would break the server (then it is left as it is):
/// an `envFile` Gatehouse cannot read now, since only the app knows what it names.
/// `project` is the folder of a project's config (what `${workspaceFolder}` is there).
pub(super) fn app_values(
    local: &Local,
    project: Option<&Path>,
    home: Option<&Path>,
) -> Result<AppValues, String> {
    let mut parts = vec![local.command.clone()];
    parts.extend(local.args.iter().cloned());
    let values = placeholder_positions(&local.command, &local.args)
        .into_iter()
        .map(|n| (value_name(n), parts[n].clone()))
        .collect();
    let env_file_names = match &local.env_file {
        None => Vec::new(),
        Some(file) => env_file_names(file, project, home)?,
    };
    Ok(AppValues {
        values,
        env_file_names,
    })
}

/// Why an entry cannot be wired now, for `clients list`; `None` when it can.
pub(crate) fn blocker(
    local: &Local,
    project: Option<&Path>,
    home: Option<&Path>,
) -> Option<String> {
    app_values(local, project, home).err()
}

/// The variable names of the env file `file` names, its placeholders resolved as VS Code
/// does (`${workspaceFolder}` is the project's folder, `${userHome}` the home).
fn env_file_names(
    file: &str,
    project: Option<&Path>,
    home: Option<&Path>,
) -> Result<Vec<String>, String> {
    let unreadable = || {
        format!(
            "it loads variables from the `envFile` `{file}`, which Gatehouse cannot read from here"
        )
    };
    let mut resolved = file.to_owned();
    for (placeholder, value) in [("${workspaceFolder}", project), ("${userHome}", home)] {
        if resolved.contains(placeholder) {
            let value = value.ok_or_else(unreadable)?;
            resolved = resolved.replace(placeholder, &value.to_string_lossy());
        }
    }
    if crate::launch::values::has_placeholder(&resolved) || !Path::new(&resolved).is_absolute() {
        return Err(unreadable());
    }
    let text = std::fs::read_to_string(&resolved).map_err(|_| unreadable())?;
    Ok(dotenv_names(&text))
}

/// The names a dotenv file sets (`NAME=value`, `export NAME=value`; comments and blank
/// lines skipped). Values are never read into Gatehouse: the app passes them at launch.
fn dotenv_names(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        let line = line.strip_prefix("export ").unwrap_or(line);
        if line.starts_with('#') {
            continue;
        }
        let Some((name, _)) = line.split_once('=') else {
            continue;
        };
        let name = name.trim();
        let valid = !name.is_empty()
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            && !name.as_bytes()[0].is_ascii_digit();
        if valid && !names.iter().any(|known| known == name) {
            names.push(name.to_owned());
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(command: &str, args: &[&str], env_file: Option<&str>) -> Local {
        Local {
            command: command.to_owned(),
            args: args.iter().map(|a| (*a).to_owned()).collect(),
            env: Vec::new(),
            nested: false,
            env_file: env_file.map(str::to_owned),
        }
    }

    #[test]
    fn each_placeholder_position_gets_its_value_name() {
        let entry = local(
            "${workspaceFolder}/bin/rpg",
            &["--vault", "${input:vault}", "fixed"],
            None,
        );
        let values = app_values(&entry, None, None).unwrap().values;
        assert_eq!(
            values,
            vec![
                (
                    "GATEHOUSE_VALUE_0".to_owned(),
                    "${workspaceFolder}/bin/rpg".to_owned()
                ),
                ("GATEHOUSE_VALUE_2".to_owned(), "${input:vault}".to_owned()),
            ]
        );
    }

    #[test]
    fn an_env_file_is_read_for_its_names_when_it_can_be_found() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(".env"),
            "# keys\nAPI_KEY=abc\nexport REGION = eu\n\n1BAD=x\nnot a line\nAPI_KEY=again\n",
        )
        .unwrap();
        let entry = local("node", &["server.js"], Some("${workspaceFolder}/.env"));
        let found = app_values(&entry, Some(dir.path()), None).unwrap();
        assert_eq!(found.env_file_names, vec!["API_KEY", "REGION"]);
        // A user-level file has no workspace folder to read it from.
        assert!(blocker(&entry, None, None).unwrap().contains("envFile"));
        let missing = local("node", &[], Some("${workspaceFolder}/missing.env"));
        assert!(blocker(&missing, Some(dir.path()), None).is_some());
    }
}
