//! The OS keyring as the [`SecretStore`]: the Secret Service on Linux (gnome-keyring,
//! KWallet), the Keychain on macOS, the Credential Manager on Windows, under service
//! `gatehouse` (DESIGN.md). Its errors never carry the secret: a keyring error that holds
//! bytes (a badly encoded entry) is reported without them.

use gatehouse_core::Sensitive;

use gatehouse_core::ports::{KeyringProblem, SecretStore};
use gatehouse_core::{Error, Result};

/// The keyring service name every Gatehouse secret is filed under.
pub const SERVICE: &str = "gatehouse";

/// The platform's keyring.
#[derive(Debug, Clone, Copy, Default)]
pub struct OsKeyring;

impl OsKeyring {
    fn entry(account: &str) -> Result<keyring::Entry> {
        keyring::Entry::new(SERVICE, account).map_err(|e| describe(&e))
    }
}

impl SecretStore for OsKeyring {
    fn get(&self, account: &str) -> Result<Option<Sensitive<String>>> {
        match OsKeyring::entry(account)?.get_password() {
            Ok(secret) => Ok(Some(Sensitive::new(secret))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(error) => Err(describe(&error)),
        }
    }

    fn set(&self, account: &str, secret: &Sensitive<String>) -> Result<()> {
        OsKeyring::entry(account)?
            .set_password(secret.expose())
            .map_err(|e| describe(&e))
    }

    fn delete(&self, account: &str) -> Result<bool> {
        match OsKeyring::entry(account)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(error) => Err(describe(&error)),
        }
    }
}

/// A keyring error as one sentence without any stored bytes.
fn describe(error: &keyring::Error) -> Error {
    Error::Keyring(match error {
        keyring::Error::BadEncoding(_) => KeyringProblem::NotText,
        keyring::Error::Ambiguous(_) => KeyringProblem::Ambiguous,
        other => KeyringProblem::Unavailable(other.to_string().to_lowercase()),
    })
}
