//! What each setting of `gatehouse config` is called and may hold: the keys, and the checks
//! a value passes before it is stored (or accepted from managed settings).

use std::str::FromStr;

use crate::error::{Error, Result};

/// The keys of `gatehouse config`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigKey {
    HubUrl,
    RegistryUrl,
    Organization,
    Area,
    HubKey,
}

impl FromStr for ConfigKey {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        Ok(match text {
            "hub-url" => ConfigKey::HubUrl,
            "registry-url" => ConfigKey::RegistryUrl,
            "organization" => ConfigKey::Organization,
            "area" => ConfigKey::Area,
            "hub-key" => ConfigKey::HubKey,
            _ => {
                return Err(Error::Usage(format!(
                    "`{text}` is not a setting: use hub-url, registry-url, organization, area or hub-key"
                )));
            }
        })
    }
}

/// Plain `http://` is refused except for loopback hosts: a token and the policy travel on it.
pub fn validate_url(text: &str) -> Result<()> {
    let bad = |why: &str| {
        Err(Error::Usage(format!(
            "`{text}` cannot be a hub address: {why}"
        )))
    };
    let (scheme, rest) = match text.split_once("://") {
        Some(parts) => parts,
        None => return bad("it must start with https://"),
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return bad(
            "it holds a user name or password, which would be stored and logged in plain text; \
             sign in with `gatehouse login` instead",
        );
    }
    if text.chars().any(char::is_control) {
        return bad("it holds a control character");
    }
    let host_port = authority;
    let host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host_port
            .rsplit_once(':')
            .map_or(host_port, |(host, _)| host),
    };
    if host.is_empty() || text.chars().any(char::is_whitespace) {
        return bad("it has no host");
    }
    let loopback = host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    match scheme {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        "http" => bad("plain http is allowed only for this computer (localhost)"),
        _ => bad("it must start with https://"),
    }
}

pub(crate) fn validate_name(what: &str, text: &str) -> Result<()> {
    let valid = !text.is_empty()
        && text.len() <= 200
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if valid {
        Ok(())
    } else {
        Err(Error::Usage(format!("`{text}` is not a valid {what} name")))
    }
}

pub(crate) fn key_name(key: ConfigKey) -> &'static str {
    match key {
        ConfigKey::HubUrl => "hub-url",
        ConfigKey::RegistryUrl => "registry-url",
        ConfigKey::Organization => "organization",
        ConfigKey::Area => "area",
        ConfigKey::HubKey => "hub-key",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_anywhere_http_only_on_loopback() {
        assert!(validate_url("https://hub.example.com").is_ok());
        assert!(validate_url("http://127.0.0.1:8080").is_ok());
        assert!(validate_url("http://localhost:3000/base").is_ok());
        assert!(validate_url("http://[::1]:80").is_ok());
        assert!(validate_url("http://hub.example.com").is_err());
        assert!(
            validate_url("http://127.0.0.1.evil.example").is_err(),
            "a name that starts like an address is not one"
        );
        assert!(validate_url("ftp://x").is_err());
        assert!(validate_url("hub.example.com").is_err());
        assert!(validate_url("https://").is_err());
        assert!(
            validate_url("https://user:pass@hub.example.com").is_err(),
            "credentials never go into a stored URL"
        );
        assert!(validate_url("https://hub.example.com/\u{7}").is_err());
    }
}
