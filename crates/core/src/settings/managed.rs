//! Managed settings: a file IT puts on the machine and the user cannot write
//! (`/etc/gatehouse/managed.yaml` on Linux; see DESIGN.md). What it sets wins over the
//! user's own settings and is shown locked; its `mandatory` block joins the hub's
//! mandatory layer. Unknown keys are an error: a typo must not silently drop a control.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use gatehouse_hub::PinnedKey;
use gatehouse_policy::{Layer, Rules};
use serde::Deserialize;

use crate::error::{Error, ManagedProblem, Result};

/// The parsed managed settings; every key optional.
#[derive(Debug, Clone, Default)]
pub struct ManagedSettings {
    pub path: Option<PathBuf>,
    pub hub_url: Option<String>,
    pub registry_url: Option<String>,
    pub organization: Option<String>,
    pub area: Option<String>,
    pub hub_keys: Vec<PinnedKey>,
    pub mandatory: Option<Rules>,
    pub forbid_unmanaged: bool,
    /// What the app does about a new version from the update feed.
    pub updates: UpdateMode,
    /// Where the update feed (HUB_API.md B5) is; the hub's URL when not set.
    pub update_url: Option<String>,
}

/// What the app does when the update feed offers a newer version (managed `updates:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UpdateMode {
    /// Download, verify and install it (the system asks for the administrator's password).
    Auto,
    /// Tell the person, who installs it from the window. Unmanaged machines do this.
    #[default]
    Notify,
    /// Never look: IT delivers new versions some other way.
    Off,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    hub_url: Option<String>,
    registry_url: Option<String>,
    organization: Option<String>,
    area: Option<String>,
    #[serde(default)]
    hub_keys: BTreeMap<String, String>,
    mandatory: Option<serde_json::Value>,
    #[serde(default)]
    forbid_unmanaged: bool,
    #[serde(default)]
    updates: UpdateMode,
    update_url: Option<String>,
}

impl ManagedSettings {
    /// Whether `key` is fixed here, so the user may not change it.
    pub fn fixes(&self, key: crate::settings::values::ConfigKey) -> bool {
        use crate::settings::values::ConfigKey;
        match key {
            ConfigKey::HubUrl => self.hub_url.is_some(),
            ConfigKey::RegistryUrl => self.registry_url.is_some(),
            ConfigKey::Organization => self.organization.is_some(),
            ConfigKey::Area => self.area.is_some(),
            ConfigKey::HubKey => !self.hub_keys.is_empty(),
        }
    }

    /// Reads the file at `path`. No file means nothing is managed; a file that exists but
    /// cannot be read or is invalid is an error, never ignored.
    pub fn load(path: &Path) -> Result<ManagedSettings> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Ok(ManagedSettings::default());
            }
            Err(error) => return Err(invalid(path, ManagedProblem::Unreadable(error))),
        };
        Self::parse(path, &text)
    }

    fn parse(path: &Path, text: &str) -> Result<ManagedSettings> {
        let document = gatehouse_policy::parse_document(text)
            .map_err(|e| invalid(path, ManagedProblem::NotYaml(Box::new(e))))?;
        if document.is_null() {
            return Ok(ManagedSettings {
                path: Some(path.to_owned()),
                ..ManagedSettings::default()
            });
        }
        let wire: Wire = serde_json::from_value(document)
            .map_err(|e| invalid(path, ManagedProblem::Shape(e)))?;
        let mut hub_keys = Vec::new();
        for (key_id, key) in &wire.hub_keys {
            let mut pinned = PinnedKey::parse(key)
                .map_err(|e| invalid(path, ManagedProblem::Key(Box::new(e))))?;
            pinned.key_id = Some(key_id.clone());
            hub_keys.push(pinned);
        }
        let mandatory = match &wire.mandatory {
            None => None,
            Some(value) => Some(
                Rules::from_value(Layer::Mandatory, value)
                    .map_err(|e| invalid(path, ManagedProblem::Mandatory(Box::new(e))))?,
            ),
        };
        for url in [&wire.hub_url, &wire.registry_url, &wire.update_url]
            .into_iter()
            .flatten()
        {
            crate::settings::values::validate_url(url)
                .map_err(|e| invalid(path, ManagedProblem::Url(Box::new(e))))?;
        }
        Ok(ManagedSettings {
            path: Some(path.to_owned()),
            hub_url: wire.hub_url,
            registry_url: wire.registry_url,
            organization: wire.organization,
            area: wire.area,
            hub_keys,
            mandatory,
            forbid_unmanaged: wire.forbid_unmanaged,
            updates: wire.updates,
            update_url: wire.update_url,
        })
    }
}

fn invalid(path: &Path, problem: ManagedProblem) -> Error {
    Error::Managed {
        path: path.to_owned(),
        problem,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ManagedSettings> {
        ManagedSettings::parse(Path::new("/etc/gatehouse/managed.yaml"), text)
    }

    #[test]
    fn every_key_parses() {
        let settings = parse(
            "hub_url: https://hub.example\norganization: acme\narea: prod\n\
             hub_keys: {hub-1: AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=}\n\
             mandatory: {min_cert_level: 1}\nforbid_unmanaged: true\n\
             updates: auto\nupdate_url: https://updates.example\n",
        )
        .unwrap();
        assert_eq!(settings.updates, UpdateMode::Auto);
        assert_eq!(
            settings.update_url.as_deref(),
            Some("https://updates.example")
        );
        assert_eq!(settings.organization.as_deref(), Some("acme"));
        assert_eq!(settings.hub_keys[0].key_id.as_deref(), Some("hub-1"));
        assert_eq!(
            settings.mandatory.and_then(|rules| rules.min_cert_level()),
            Some(1)
        );
        assert!(settings.forbid_unmanaged);
    }

    #[test]
    fn typos_and_bad_values_are_errors_not_ignored() {
        assert!(
            parse("hub-url: https://x\n").is_err(),
            "an unknown key would drop a control silently"
        );
        assert!(parse("mandatory: {min_cert_level: 9}\n").is_err());
        assert!(
            parse("hub_url: http://hub.example\n").is_err(),
            "plain http only on loopback"
        );
        assert!(parse("hub_keys: {a: nope}\n").is_err());
        assert!(parse("updates: sometimes\n").is_err());
        assert!(parse("update_url: http://updates.example\n").is_err());
        assert_eq!(
            parse("organization: acme\n").unwrap().updates,
            UpdateMode::Notify,
            "unmanaged, a new version is offered, not installed"
        );
    }
}
