//! Which hub token a request carries: `GATEHOUSE_HUB_TOKEN` for headless use (read once
//! into the context's environment), and when it is set the keyring is not consulted at all
//! (a CI box may have no keyring); otherwise the one `gatehouse login` stored in the
//! keyring under `<hub host>/<org>`.

use gatehouse_hub::Sensitive;

use super::hub::HubSettings;
use crate::error::{Error, Result};
use crate::ports::SecretStore;

/// The keyring account for the configured hub and organization: `<host[:port]>/<org>`.
pub fn account(settings: &HubSettings) -> Result<String> {
    let hub_url = settings
        .hub_url
        .as_deref()
        .ok_or(Error::HubNotConfigured("hub-url"))?;
    let org = settings
        .organization
        .as_deref()
        .ok_or(Error::HubNotConfigured("organization"))?;
    let host = host_of(hub_url).ok_or_else(|| Error::BadSetting {
        key: super::hub::key::HUB_URL,
        source: format!("`{hub_url}` has no host").into(),
    })?;
    Ok(format!("{host}/{org}"))
}

/// The token to send: `env_token` (the variable's, see
/// [`crate::context::Environment::hub_token`]) when there is one, else the keyring's, else
/// none.
pub fn resolve(
    env_token: Option<Sensitive<String>>,
    settings: &HubSettings,
    secrets: &impl SecretStore,
) -> Result<Option<Sensitive<String>>> {
    if let Some(token) = env_token {
        return Ok(Some(token));
    }
    secrets.get(&account(settings)?)
}

/// [`resolve`], where a keyring that cannot be read means no token rather than an error:
/// the hub then answers 401 if it needs one, which asks the person to sign in. The
/// keyring's problem is returned beside it, for the caller to mention.
pub fn resolve_or_none(
    env_token: Option<Sensitive<String>>,
    settings: &HubSettings,
    secrets: &impl SecretStore,
) -> Result<(Option<Sensitive<String>>, Option<Error>)> {
    match resolve(env_token, settings, secrets) {
        Ok(token) => Ok((token, None)),
        Err(problem @ Error::Keyring(_)) => Ok((None, Some(problem))),
        Err(error) => Err(error),
    }
}

/// `host` or `host:port` of a URL, without parsing more than needed for that.
fn host_of(url: &str) -> Option<String> {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::testing::MemorySecrets as Memory;

    /// A keyring that must not be asked.
    struct Unreachable;

    impl SecretStore for Unreachable {
        fn get(&self, _: &str) -> Result<Option<Sensitive<String>>> {
            panic!("the keyring was consulted although the variable was set")
        }
        fn set(&self, _: &str, _: &Sensitive<String>) -> Result<()> {
            panic!("not used")
        }
        fn delete(&self, _: &str) -> Result<bool> {
            panic!("not used")
        }
    }

    fn settings() -> HubSettings {
        HubSettings {
            hub_url: Some("https://Hub.Example:8443/base".to_owned()),
            organization: Some("acme".to_owned()),
            ..HubSettings::default()
        }
    }

    #[test]
    fn the_account_is_host_and_org() {
        assert_eq!(account(&settings()).unwrap(), "hub.example:8443/acme");
        assert!(matches!(
            account(&HubSettings::default()),
            Err(Error::HubNotConfigured("hub-url"))
        ));
    }

    #[test]
    fn the_variable_wins_and_the_keyring_is_not_consulted() {
        let token = resolve(
            Some(Sensitive::new("from-env".to_owned())),
            &settings(),
            &Unreachable,
        )
        .unwrap();
        assert_eq!(token.unwrap().expose(), "from-env");
    }

    #[test]
    fn without_the_variable_the_keyring_answers() {
        let memory = Memory::default();
        assert!(resolve(None, &settings(), &memory).unwrap().is_none());
        memory
            .set("hub.example:8443/acme", &Sensitive::new("kept".to_owned()))
            .unwrap();
        let token = resolve(None, &settings(), &memory).unwrap();
        assert_eq!(token.unwrap().expose(), "kept");
    }
}
