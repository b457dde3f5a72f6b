//! The shapes that cross the IPC boundary. Their TypeScript twins are generated into
//! `ui/src/lib/ipc/bindings/` (see the `bindings` test) and committed; CI fails on drift.

use gatehouse_core::ClientApp;
use gatehouse_store::AuditKind;
use serde::Serialize;
use ts_rs::TS;

/// What the UI branches on when a command fails: core's stable codes, so the UI, the audit
/// log and the command line's JSON agree. The UI never matches message text.
pub use gatehouse_core::error::ErrorCode;

/// A failed command, as the UI receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct IpcError {
    pub code: ErrorCode,
    /// One sentence a person can read.
    pub message: String,
}

impl From<gatehouse_core::Error> for IpcError {
    fn from(error: gatehouse_core::Error) -> Self {
        IpcError {
            code: error.code(),
            message: in_the_window(&error).unwrap_or_else(|| error.to_string()),
        }
    }
}

/// The window's own words for the errors whose message sends a person to a terminal
/// ("see `gatehouse servers list`", "remove it first with `gatehouse servers remove`"):
/// in the window, what the command does is a button next to the message.
fn in_the_window(error: &gatehouse_core::Error) -> Option<String> {
    use gatehouse_core::Error;
    use gatehouse_core::error::InstallError;
    match error {
        Error::UnknownServer(id) => Some(format!(
            "Gatehouse no longer has a server called {id}: it may have been removed meanwhile."
        )),
        Error::DuplicateServer(id) => {
            Some(format!("A server called {id} is on this computer already."))
        }
        Error::Install(InstallError::AlreadyInstalled(id)) => Some(format!(
            "{id} is installed already. To install it again, remove it in the Servers view first."
        )),
        _ => None,
    }
}

/// Facts about this installation, shown in the About panel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AppInfo {
    /// The app's version, as built.
    pub version: String,
    /// Where the database, backups and logs live.
    pub data_dir: String,
}

/// Which activity to show or export. Empty fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, TS)]
pub struct ActivityQuery {
    /// A server id or name.
    pub server: Option<String>,
    /// Only events of this kind.
    pub kind: Option<AuditKind>,
    /// Only the last this many hours.
    pub since_hours: Option<u32>,
}

/// Where an export was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ExportDone {
    pub path: String,
    pub count: u32,
}

/// What Sync now did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SyncDone {
    /// One sentence for the person.
    pub message: String,
    /// The serial in force afterwards.
    #[ts(type = "number | null")]
    pub serial: Option<u64>,
    /// Whether a new policy was stored.
    pub stored: bool,
}

/// What joining with an enrollment link would do, for the window to ask "Join <org>?".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct EnrollOfferView {
    pub organization: String,
    pub hub_url: String,
    pub area: Option<String>,
    pub key_id: String,
    /// The signing key's SHA-256 in groups of four, to compare with what the admin sent.
    pub fingerprint: String,
    /// The organization this computer follows now, when joining replaces it.
    pub leaving: Option<String>,
}

impl EnrollOfferView {
    pub fn of(offer: &gatehouse_core::settings::EnrollOffer) -> EnrollOfferView {
        let wanted = &offer.enrollment;
        EnrollOfferView {
            organization: wanted.organization.clone(),
            hub_url: wanted.hub_url.clone(),
            area: wanted.area.clone(),
            key_id: wanted.key_id.clone(),
            fingerprint: wanted.fingerprint_groups(),
            leaving: offer.leaving.clone(),
        }
    }
}

/// How the person signs in while joining.
#[derive(Clone, PartialEq, Eq, serde::Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EnrollSignIn {
    /// A token the organization gave them.
    Token { token: String },
    /// The registry's user name and password.
    Password { username: String, password: String },
}

impl std::fmt::Debug for EnrollSignIn {
    // Never the token or password, whatever logs the command's arguments.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EnrollSignIn::Token { .. } => f.write_str("Token(<redacted>)"),
            EnrollSignIn::Password { username, .. } => {
                write!(f, "Password({username}, <redacted>)")
            }
        }
    }
}

/// The settings a person can see and change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SettingKey {
    HubUrl,
    RegistryUrl,
    Organization,
    Area,
    HubKey,
}

impl SettingKey {
    pub const ALL: [SettingKey; 5] = [
        SettingKey::HubUrl,
        SettingKey::RegistryUrl,
        SettingKey::Organization,
        SettingKey::Area,
        SettingKey::HubKey,
    ];

    pub fn config_key(self) -> gatehouse_core::settings::ConfigKey {
        use gatehouse_core::settings::ConfigKey;
        match self {
            SettingKey::HubUrl => ConfigKey::HubUrl,
            SettingKey::RegistryUrl => ConfigKey::RegistryUrl,
            SettingKey::Organization => ConfigKey::Organization,
            SettingKey::Area => ConfigKey::Area,
            SettingKey::HubKey => ConfigKey::HubKey,
        }
    }
}

/// The settings view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SettingsView {
    pub hub_url: Option<String>,
    pub registry_url: Option<String>,
    pub organization: Option<String>,
    pub area: Option<String>,
    /// Pinned signing keys, as `key_id: fingerprint` lines.
    pub hub_keys: Vec<String>,
    /// Settings fixed by the organization's managed settings file.
    pub locked: Vec<SettingKey>,
    /// Whether a hub token is stored; `null` when unknown (no hub, or no keyring).
    pub signed_in: Option<bool>,
    /// `GATEHOUSE_HUB_TOKEN` is set, so the keyring is not used.
    pub token_from_environment: bool,
    pub start_at_login: bool,
}

/// A confirmation request, as its window shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ConfirmView {
    #[ts(type = "number")]
    pub number: u64,
    pub server_id: String,
    pub name: String,
    pub version: Option<String>,
    /// What is wrong, one sentence each.
    pub reasons: Vec<String>,
    /// Seconds until the question counts as "Don't run".
    pub seconds_left: u32,
    /// Who wants to start it ("Claude Desktop"), when the launcher could tell.
    pub requested_by: Option<String>,
    /// What the server's package says it may do, one sentence each; `None` when it was not
    /// installed from the catalog, so nothing is declared.
    pub may_do: Option<Vec<String>>,
}

/// The person's answer in a confirmation window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ConfirmAnswer {
    RunOnce,
    Always,
    DontRun,
}

/// A client app the install view offers to add a server to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ClientAppChoice {
    /// The app, by the name `install` takes (`cursor`, `vscode`, …).
    pub name: ClientApp,
    pub label: String,
    /// Its settings file exists on this computer.
    pub found: bool,
}

/// One step of an install, sent as it starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct InstallProgress {
    /// The package as it was asked for.
    pub package: String,
    pub step: gatehouse_core::install::InstallStep,
}

/// How an install from the install view ended (a failure is an error instead).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct InstallDone {
    /// `false`: the policy or the version's status refused it; nothing was downloaded.
    pub installed: bool,
    pub id: Option<String>,
    pub version: Option<String>,
    /// What happened, in plain words.
    pub message: String,
    /// Why it will ask before its first run (a `warn` verdict), in plain words.
    pub warnings: Vec<String>,
    /// The client apps it was added to.
    pub added_to: Vec<ClientApp>,
}

#[cfg(test)]
mod tests {
    use gatehouse_core::Error;
    use gatehouse_core::error::InstallError;

    use super::IpcError;

    #[test]
    fn errors_that_point_at_a_terminal_are_plain_words_in_the_window() {
        for error in [
            Error::UnknownServer("notes".into()),
            Error::DuplicateServer("notes".into()),
            Error::Install(InstallError::AlreadyInstalled("notes".into())),
        ] {
            let on_the_command_line = error.to_string();
            let code = error.code();
            let sent = IpcError::from(error);
            assert_eq!(sent.code, code, "the code the UI branches on stays");
            assert!(sent.message.contains("notes"), "{}", sent.message);
            assert!(
                !sent.message.contains('`') && !sent.message.contains("gatehouse "),
                "no command in the window: {} (the CLI says: {on_the_command_line})",
                sent.message
            );
        }
    }
}
