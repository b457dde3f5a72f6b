//! Joining an organization from the admin's enrollment link or file (DESIGN.md "Install,
//! update, enroll"): `gatehouse://enroll?hub=…&org=…&area=…&key_id=…&fingerprint=…`, or a
//! file holding such a link or the same fields as YAML.
//!
//! The link carries the signing key's fingerprint, not the key: the key is read from the
//! hub (HUB_API.md B0) and pinned only when its SHA-256 is the one the admin sent, so a link
//! cannot be turned into trust in a hub someone else runs, and a hub cannot substitute its
//! key. The person sees the organization and the fingerprint before anything changes; the
//! settings then change together, under the rule of DESIGN.md "Tamper evidence" (while a
//! hub policy is in force, its hub must acknowledge the change first).

use std::collections::BTreeMap;

use gatehouse_hub::{HubClient, Sensitive, fingerprint_hex};
use serde::{Deserialize, Serialize};

use super::hub::HubSettings;
use super::values::{ConfigKey, validate_name, validate_url};
use crate::context::Context;
use crate::error::{EnrollProblem, Error, Result};
use crate::ports::{Clock, SecretStore};

/// The URL scheme the app registers for enrollment links.
pub const LINK_SCHEME: &str = "gatehouse";

/// What an admin's enrollment link or file says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Enrollment {
    pub hub_url: String,
    #[serde(default)]
    pub registry_url: Option<String>,
    pub organization: String,
    #[serde(default)]
    pub area: Option<String>,
    pub key_id: String,
    /// SHA-256 of the signing key: 64 hex digits (spaces and colons between them allowed).
    pub fingerprint: String,
}

fn bad(why: impl std::fmt::Display) -> Error {
    Error::Usage(format!("this is not a usable enrollment link: {why}"))
}

impl Enrollment {
    /// Reads a link (`gatehouse://enroll?…`) or an enrollment file's text (the link, or the
    /// fields as YAML), and checks every field.
    pub fn parse(text: &str) -> Result<Enrollment> {
        let text = text.trim();
        let enrollment = if text.starts_with(&format!("{LINK_SCHEME}:")) {
            Enrollment::from_link(text)?
        } else {
            let neither = "it is neither a gatehouse://enroll link nor an enrollment file";
            let document = gatehouse_policy::parse_document(text)
                .map_err(|e| bad(format!("{neither} ({e})")))?;
            if !document.is_object() {
                return Err(bad(neither));
            }
            serde_json::from_value(document).map_err(bad)?
        };
        enrollment.checked()
    }

    fn from_link(text: &str) -> Result<Enrollment> {
        let url = url::Url::parse(text).map_err(bad)?;
        // `gatehouse://enroll?…` puts `enroll` in the host, `gatehouse:enroll?…` in the path.
        let (what, rest) = match url.host_str() {
            Some(host) => (host, url.path()),
            None => (url.path(), ""),
        };
        if what != "enroll" || !matches!(rest, "" | "/") {
            return Err(bad("it does not start with gatehouse://enroll?"));
        }
        let mut fields = BTreeMap::new();
        for (name, value) in url.query_pairs() {
            if fields.insert(name.to_string(), value.to_string()).is_some() {
                return Err(bad(format!("`{name}` is given twice")));
            }
        }
        let mut take = |name: &str| fields.remove(name).filter(|v| !v.is_empty());
        let need = |value: Option<String>, name: &str| {
            value.ok_or_else(|| bad(format!("it has no `{name}`")))
        };
        let enrollment = Enrollment {
            hub_url: need(take("hub"), "hub")?,
            registry_url: take("registry"),
            organization: need(take("org"), "org")?,
            area: take("area"),
            key_id: need(take("key_id"), "key_id")?,
            fingerprint: need(take("fingerprint"), "fingerprint")?,
        };
        if let Some(unknown) = fields.keys().next() {
            return Err(bad(format!(
                "`{unknown}` is not a field of an enrollment link"
            )));
        }
        Ok(enrollment)
    }

    fn checked(mut self) -> Result<Enrollment> {
        validate_url(&self.hub_url)?;
        self.hub_url = self.hub_url.trim_end_matches('/').to_owned();
        if let Some(registry) = &self.registry_url {
            validate_url(registry)?;
            self.registry_url = Some(registry.trim_end_matches('/').to_owned());
        }
        validate_name("organization", &self.organization)?;
        if let Some(area) = &self.area {
            validate_name("area", area)?;
        }
        validate_name("signing key", &self.key_id)?;
        let hex: String = self
            .fingerprint
            .chars()
            .filter(|c| !c.is_whitespace() && *c != ':')
            .collect::<String>()
            .to_ascii_lowercase();
        if hex.len() != 64 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(bad("its fingerprint is not 64 hexadecimal digits"));
        }
        self.fingerprint = hex;
        Ok(self)
    }

    /// The link for these fields, as an admin hands it out.
    pub fn link(&self) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.append_pair("hub", &self.hub_url);
        if let Some(registry) = &self.registry_url {
            query.append_pair("registry", registry);
        }
        query.append_pair("org", &self.organization);
        if let Some(area) = &self.area {
            query.append_pair("area", area);
        }
        query.append_pair("key_id", &self.key_id);
        query.append_pair("fingerprint", &self.fingerprint);
        format!("{LINK_SCHEME}://enroll?{}", query.finish())
    }

    /// The fingerprint in groups of four, as `gatehouse config get hub-key` and the hub's
    /// admin show it, for a person to compare.
    pub fn fingerprint_groups(&self) -> String {
        gatehouse_hub::grouped(&self.fingerprint)
    }
}

/// An enrollment whose key the hub publishes with the fingerprint the link vouches for:
/// what the person is asked to accept.
#[derive(Debug, Clone)]
pub struct EnrollOffer {
    pub enrollment: Enrollment,
    /// The key to pin, `key_id:base64`.
    pin: String,
    /// The organization this device follows now, when joining would replace it.
    pub leaving: Option<String>,
}

/// How the person signs in while joining.
#[derive(Debug)]
pub enum Credentials {
    /// A token the organization gave them.
    Token(Sensitive<String>),
    /// The registry's login (HUB_API.md section A).
    Password {
        username: String,
        password: Sensitive<String>,
    },
}

/// Reads the hub's keys and matches the link's against them. Nothing changes here.
pub async fn offer<C: Clock>(ctx: &Context<C>, enrollment: Enrollment) -> Result<EnrollOffer> {
    locked_differently(ctx, &enrollment)?;
    let hub = HubClient::with_timeout(&enrollment.hub_url, None, ctx.env.hub_timeout()?)?;
    let keys = hub.keys(&enrollment.organization).await?;
    let published = keys
        .into_iter()
        .find(|key| key.key_id == enrollment.key_id)
        .ok_or_else(|| EnrollProblem::KeyNotPublished {
            key_id: enrollment.key_id.clone(),
        })?;
    let pin = format!("{}:{}", published.key_id, published.public_key);
    let parsed = gatehouse_hub::PinnedKey::parse(&pin)
        .map_err(|e| Error::Hub(gatehouse_hub::ClientError::Malformed(e.to_string())))?;
    if fingerprint_hex(&parsed.key) != enrollment.fingerprint {
        return Err(EnrollProblem::KeyMismatch {
            key_id: enrollment.key_id.clone(),
        }
        .into());
    }
    let current = ctx.hub_settings().await?;
    let leaving = current.organization.filter(|org| {
        *org != enrollment.organization || current.hub_url.as_deref() != Some(&enrollment.hub_url)
    });
    Ok(EnrollOffer {
        enrollment,
        pin,
        leaving,
    })
}

/// Signs in, then makes the device follow the offer's hub, organization, area and key, all
/// at once; returns the keyring account the token is kept under. The caller syncs next.
pub async fn join<C: Clock>(
    ctx: &Context<C>,
    secrets: &impl SecretStore,
    offer: &EnrollOffer,
    credentials: Credentials,
) -> Result<String> {
    let enrollment = &offer.enrollment;
    let token = match credentials {
        Credentials::Token(token) => {
            let token = token.expose().trim().to_owned();
            if token.is_empty() {
                return Err(Error::Usage(
                    "the token is empty: paste the token your organization gave you".to_owned(),
                ));
            }
            Sensitive::new(token)
        }
        Credentials::Password { username, password } => {
            let registry = enrollment
                .registry_url
                .as_deref()
                .unwrap_or(&enrollment.hub_url);
            let client = HubClient::with_timeout(registry, None, ctx.env.hub_timeout()?)?;
            match client.login(username.trim(), &password).await {
                Ok(issued) => issued.token,
                Err(gatehouse_hub::ClientError::Unauthorized) => {
                    return Err(EnrollProblem::WrongPassword.into());
                }
                Err(error) => return Err(error.into()),
            }
        }
    };
    // The hub followed now, which must acknowledge the change while its policy is in force.
    let current = super::connect::configured_client(ctx, secrets)
        .await
        .ok()
        .map(|(client, _)| client);
    let wanted = [
        (ConfigKey::HubUrl, enrollment.hub_url.as_str()),
        (
            ConfigKey::RegistryUrl,
            enrollment.registry_url.as_deref().unwrap_or_default(),
        ),
        (ConfigKey::Organization, enrollment.organization.as_str()),
        (
            ConfigKey::Area,
            enrollment.area.as_deref().unwrap_or_default(),
        ),
        (ConfigKey::HubKey, offer.pin.as_str()),
    ];
    // What managed settings fix already holds the link's value ([`offer`] checked).
    let changes: Vec<(ConfigKey, &str)> = wanted
        .into_iter()
        .filter(|(key, _)| !ctx.managed.fixes(*key))
        .collect();
    super::config::set_all(ctx, current.as_ref(), &changes).await?;
    let account = super::token::account(&HubSettings {
        hub_url: Some(enrollment.hub_url.clone()),
        organization: Some(enrollment.organization.clone()),
        ..HubSettings::default()
    })?;
    secrets.set(&account, &token)?;
    Ok(account)
}

/// Refuses an enrollment that managed settings contradict: IT's values win, and a link
/// that asks for others is a mistake to report rather than half-apply.
fn locked_differently<C: Clock>(ctx: &Context<C>, enrollment: &Enrollment) -> Result<()> {
    let managed = &ctx.managed;
    let differs = |fixed: &Option<String>, wanted: Option<&str>| {
        fixed
            .as_deref()
            .is_some_and(|fixed| Some(fixed.trim_end_matches('/')) != wanted)
    };
    if differs(&managed.hub_url, Some(&enrollment.hub_url)) {
        return Err(Error::Locked("hub-url"));
    }
    if differs(&managed.organization, Some(&enrollment.organization)) {
        return Err(Error::Locked("organization"));
    }
    if differs(&managed.area, enrollment.area.as_deref()) {
        return Err(Error::Locked("area"));
    }
    if differs(&managed.registry_url, enrollment.registry_url.as_deref()) {
        return Err(Error::Locked("registry-url"));
    }
    let vouched = managed
        .hub_keys
        .iter()
        .any(|key| fingerprint_hex(&key.key) == enrollment.fingerprint);
    if !managed.hub_keys.is_empty() && !vouched {
        return Err(Error::Locked("hub-key"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PRINT: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

    fn sample() -> Enrollment {
        Enrollment {
            hub_url: "https://hub.example.com".to_owned(),
            registry_url: None,
            organization: "acme".to_owned(),
            area: Some("data".to_owned()),
            key_id: "hub-2026-01".to_owned(),
            fingerprint: PRINT.to_owned(),
        }
    }

    #[test]
    fn a_link_says_what_its_fields_say_and_is_made_back_the_same() {
        let link = sample().link();
        assert!(
            link.starts_with("gatehouse://enroll?hub=https%3A%2F%2Fhub.example.com"),
            "{link}"
        );
        assert_eq!(Enrollment::parse(&link).unwrap(), sample());
        let grouped = format!(
            "gatehouse://enroll?hub=https://hub.example.com/&org=acme&area=data&key_id=hub-2026-01&fingerprint={}",
            sample()
                .fingerprint_groups()
                .replace(' ', "%20")
                .to_uppercase()
        );
        assert_eq!(
            Enrollment::parse(&grouped).unwrap(),
            sample(),
            "grouped, upper case and a trailing slash are the same link"
        );
    }

    #[test]
    fn a_file_holds_the_link_or_the_fields_as_yaml() {
        assert_eq!(
            Enrollment::parse(&format!("\n{}\n", sample().link())).unwrap(),
            sample()
        );
        let yaml = format!(
            "hub_url: https://hub.example.com\norganization: acme\narea: data\nkey_id: hub-2026-01\nfingerprint: \"{}\"\n",
            sample().fingerprint_groups()
        );
        assert_eq!(Enrollment::parse(&yaml).unwrap(), sample());
    }

    #[test]
    fn bad_links_say_what_is_wrong() {
        let cases = [
            (
                "https://hub.example.com",
                "neither a gatehouse://enroll link",
            ),
            (
                "gatehouse://join?hub=https://h.example&org=a&key_id=k&fingerprint=00",
                "gatehouse://enroll",
            ),
            (
                "gatehouse://enroll?org=acme&key_id=k&fingerprint=00",
                "no `hub`",
            ),
            (
                &sample().link().replace("hub-2026-01", "hub 2026"),
                "signing key",
            ),
            (&format!("{}&extra=1", sample().link()), "`extra`"),
            (&format!("{}&org=other", sample().link()), "twice"),
            (&sample().link().replace("https", "http"), "plain http"),
            (
                &sample().link().replace("00112233", "0011"),
                "64 hexadecimal",
            ),
            (
                &sample().link().replace("00112233", "zz112233"),
                "64 hexadecimal",
            ),
        ];
        for (text, expected) in cases {
            let error = Enrollment::parse(text).unwrap_err();
            assert!(matches!(error, Error::Usage(_)), "{text}: {error:?}");
            assert!(error.to_string().contains(expected), "{text}: {error}");
        }
    }
}
