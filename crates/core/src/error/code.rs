//! The stable codes of [`super::Error`]: what the UI, the audit log and scripts branch on.

use serde::Serialize;

/// What a failure was, as the UI, the audit log and scripts branch on. The wire names
/// (`snake_case`) are stable: renaming one is a breaking change of the app's IPC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum ErrorCode {
    /// Gatehouse cannot find or use its data directory.
    DataDir,
    /// The person's own `~/.mcp/config.yaml` policy cannot be used.
    LocalPolicy,
    /// The managed settings file IT put on the machine cannot be used.
    ManagedSettings,
    /// A hub is configured but no valid policy from it is stored.
    NoPolicy,
    /// No hub signing key is pinned, so no bundle can be trusted.
    NoKeyPinned,
    /// A bundle whose signature does not verify: altered, or signed by someone else.
    BundleForged,
    /// A bundle signed with a key this device has not pinned.
    BundleUnknownKey,
    /// A bundle older than the one in force, or reusing its serial with other content.
    BundleRollback,
    /// A bundle for another organization than the one this device follows.
    BundleOtherOrg,
    /// A bundle that is not a valid policy (malformed, or a rule fails validation).
    BundleInvalid,
    /// A setting fixed by the organization's managed settings.
    Locked,
    /// The request itself was wrong (a bad id, contradictory options, a bad value).
    InvalidInput,
    /// The server asked for is not registered.
    NotFound,
    /// The thing to create exists already, or is still in use.
    Conflict,
    /// The database or a file of Gatehouse's own could not be read or written.
    Storage,
    /// The OS keyring cannot be used.
    Keyring,
    /// A server could not be started, or its launcher cannot be found.
    Launch,
    /// "Check now" could not talk to the server.
    Check,
    /// A hub setting needed for this is not set.
    HubNotConfigured,
    /// The hub could not be reached, or did not answer in time (the cached policy stays).
    HubUnreachable,
    /// A public package registry (npm, PyPI) could not be reached or did not have the file.
    RegistryUnreachable,
    /// The hub answered with an error or with something malformed.
    HubRefused,
    /// The hub needs a (new) sign-in.
    SignIn,
    /// A download did not match the digest its registry published: nothing was installed.
    Tampered,
    /// A package that cannot be installed as published (its manifest, its files, its name).
    BadPackage,
    /// The package has nothing to run on this kind of computer.
    UnsupportedPlatform,
    /// A client app's settings file cannot be read or changed safely; it was left as it was.
    ClientApps,
    /// The hub's signing key is not the one the enrollment link vouches for.
    EnrollKey,
    /// The person chose "Don't run": not a failure, their answer.
    Declined,
}

impl ErrorCode {
    /// The wire name, as serialised.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::DataDir => "data_dir",
            ErrorCode::LocalPolicy => "local_policy",
            ErrorCode::ManagedSettings => "managed_settings",
            ErrorCode::NoPolicy => "no_policy",
            ErrorCode::NoKeyPinned => "no_key_pinned",
            ErrorCode::BundleForged => "bundle_forged",
            ErrorCode::BundleUnknownKey => "bundle_unknown_key",
            ErrorCode::BundleRollback => "bundle_rollback",
            ErrorCode::BundleOtherOrg => "bundle_other_org",
            ErrorCode::BundleInvalid => "bundle_invalid",
            ErrorCode::Locked => "locked",
            ErrorCode::InvalidInput => "invalid_input",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Conflict => "conflict",
            ErrorCode::Storage => "storage",
            ErrorCode::Keyring => "keyring",
            ErrorCode::Launch => "launch",
            ErrorCode::Check => "check",
            ErrorCode::HubNotConfigured => "hub_not_configured",
            ErrorCode::HubUnreachable => "hub_unreachable",
            ErrorCode::RegistryUnreachable => "registry_unreachable",
            ErrorCode::HubRefused => "hub_refused",
            ErrorCode::SignIn => "sign_in",
            ErrorCode::Tampered => "tampered",
            ErrorCode::BadPackage => "bad_package",
            ErrorCode::UnsupportedPlatform => "unsupported_platform",
            ErrorCode::ClientApps => "client_apps",
            ErrorCode::EnrollKey => "enroll_key",
            ErrorCode::Declined => "declined",
        }
    }
}
