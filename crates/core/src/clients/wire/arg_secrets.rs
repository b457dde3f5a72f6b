//! Secrets in a client entry's arguments (`--token ghp_…`, `postgres://app:pw@db/app`):
//! handled like secret env values. Wiring moves each such argument into the keyring and
//! keeps a reference in its place, in the stored server and in what unwiring will put back;
//! the launcher puts the value back just before it starts the server, and unwiring puts it
//! back into the file. No argument that looks like a secret is stored in `gatehouse.db`,
//! kept in a backup or printed.

use gatehouse_clients::secrets::redact_args;
use gatehouse_hub::Sensitive;

use crate::error::{Error, KeyringProblem, Result};
use crate::ports::SecretStore;

const REFERENCE_PREFIX: &str = "gatehouse:keyring:";

/// The keyring account of argument `index` of server `id`.
pub fn arg_account(id: &str, index: usize) -> String {
    format!("client-arg/{id}/{index}")
}

fn arg_reference(id: &str, index: usize) -> String {
    format!("{REFERENCE_PREFIX}{}", arg_account(id, index))
}

/// What wiring keeps instead of the secret arguments.
#[derive(Debug, Default)]
pub(super) struct Hidden {
    /// The arguments to store, each secret one a reference.
    pub args: Vec<String>,
    /// The text of the original `args` for unwiring, with the same references.
    pub restore_args: Option<String>,
    /// Each keyring account with the JSON literal of its argument.
    pub keyring: Vec<(String, String)>,
    /// Each literal with the quoted reference that replaces it (for the backup).
    pub replacements: Vec<(String, String)>,
}

/// Hides the secret arguments of `args` for server `id`. An argument whose literal cannot be
/// found in `restore_args` (written with unusual escapes) stays as it is rather than be
/// half-moved.
pub(super) fn hide(id: &str, args: &[String], restore_args: Option<&str>) -> Hidden {
    let redacted = redact_args(args);
    let mut hidden = Hidden {
        args: args.to_vec(),
        restore_args: restore_args.map(str::to_owned),
        ..Hidden::default()
    };
    for (index, arg) in args.iter().enumerate() {
        // A placeholder's text is no secret (the app keeps the value) and must stay where
        // the app can expand it.
        if redacted.get(index) == Some(arg) || crate::launch::values::has_placeholder(arg) {
            continue;
        }
        let literal = serde_json::Value::String(arg.clone()).to_string();
        let Some(text) = hidden
            .restore_args
            .as_mut()
            .filter(|text| text.contains(&literal))
        else {
            continue;
        };
        let quoted = serde_json::Value::String(arg_reference(id, index)).to_string();
        *text = text.replacen(&literal, &quoted, 1);
        hidden.args[index] = arg_reference(id, index);
        hidden
            .keyring
            .push((arg_account(id, index), literal.clone()));
        hidden.replacements.push((literal, quoted));
    }
    hidden
}

/// `text` (a restore's `args`) with the references of server `id` replaced by the literals
/// from `secrets`, and the accounts it named.
pub(super) fn reveal(
    id: &str,
    text: &str,
    secrets: &impl SecretStore,
) -> Result<(String, Vec<String>)> {
    let mut out = text.to_owned();
    let mut accounts = Vec::new();
    for index in references_in(id, text) {
        let account = arg_account(id, index);
        let quoted = serde_json::Value::String(arg_reference(id, index)).to_string();
        let literal = secrets.get(&account)?.ok_or_else(|| missing(id, index))?;
        out = out.replacen(&quoted, literal.expose(), 1);
        accounts.push(account);
    }
    Ok((out, accounts))
}

/// The keyring accounts the references of server `id` in `text` name (for an entry the
/// user deleted, whose values nobody will put back).
pub(super) fn accounts_in(id: &str, text: &str) -> Vec<String> {
    references_in(id, text)
        .into_iter()
        .map(|index| arg_account(id, index))
        .collect()
}

/// `args` of server `id` with each reference replaced by its value from `secrets`, for the
/// launch.
pub fn expand_args(id: &str, args: &[String], secrets: &impl SecretStore) -> Result<Vec<String>> {
    args.iter()
        .enumerate()
        .map(|(index, arg)| {
            if *arg != arg_reference(id, index) {
                return Ok(arg.clone());
            }
            let literal = secrets
                .get(&arg_account(id, index))?
                .ok_or_else(|| missing(id, index))?;
            serde_json::from_str(literal.expose())
                .map_err(|_| Error::Keyring(KeyringProblem::NotAStoredValue))
        })
        .collect()
}

/// Stores each hidden literal in `secrets`.
pub(super) fn store(secrets: &impl SecretStore, keyring: &[(String, String)]) -> Result<()> {
    for (account, literal) in keyring {
        secrets.set(account, &Sensitive::new(literal.clone()))?;
    }
    Ok(())
}

fn references_in(id: &str, text: &str) -> Vec<usize> {
    let prefix = format!("\"{REFERENCE_PREFIX}client-arg/{id}/");
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(&prefix) {
        rest = &rest[at + prefix.len()..];
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        if let Ok(index) = digits.parse()
            && rest[digits.len()..].starts_with('"')
        {
            found.push(index);
        }
    }
    found
}

fn missing(id: &str, index: usize) -> Error {
    Error::Keyring(KeyringProblem::MissingValue {
        id: id.to_owned(),
        name: format!("argument {index}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::testing::MemorySecrets;

    #[test]
    fn a_secret_argument_goes_to_the_keyring_and_comes_back() {
        let args: Vec<String> = [
            "-y",
            "mcp-db",
            "postgres://app:hunter2@db/app",
            "--token",
            "abc123",
        ]
        .map(str::to_owned)
        .to_vec();
        let original = serde_json::to_string(&args).unwrap();
        let hidden = hide("db", &args, Some(&original));
        assert_eq!(hidden.args[0..2], args[0..2]);
        assert_eq!(hidden.args[2], "gatehouse:keyring:client-arg/db/2");
        assert_eq!(hidden.args[4], "gatehouse:keyring:client-arg/db/4");
        let kept = hidden.restore_args.clone().unwrap();
        assert!(
            !kept.contains("hunter2") && !kept.contains("abc123"),
            "{kept}"
        );

        let secrets = MemorySecrets::default();
        store(&secrets, &hidden.keyring).unwrap();
        let (back, accounts) = reveal("db", &kept, &secrets).unwrap();
        assert_eq!(back, original);
        assert_eq!(accounts.len(), 2);
        assert_eq!(expand_args("db", &hidden.args, &secrets).unwrap(), args);
    }

    #[test]
    fn a_missing_value_is_an_error_not_an_empty_argument() {
        let secrets = MemorySecrets::default();
        let args = vec!["gatehouse:keyring:client-arg/db/0".to_owned()];
        assert!(expand_args("db", &args, &secrets).is_err());
        let other = vec!["gatehouse:keyring:client-arg/other/0".to_owned()];
        assert_eq!(
            expand_args("db", &other, &secrets).unwrap(),
            other,
            "only this server's own references are expanded"
        );
    }
}
