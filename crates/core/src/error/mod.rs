//! Errors of the core use cases. Each maps to one exit code of the command line contract
//! ([`Error::exit_code`]) and to one stable [`ErrorCode`] that the app's IPC boundary, the
//! UI and the audit log branch on ([`Error::code`]); nobody matches message text.
//!
//! The module is a leaf: the typed problems of each concept are defined here ([`problems`],
//! [`install`]) and re-exported where they belong, so every concept may depend on `error`
//! and `error` on none of them.

use std::path::PathBuf;

mod code;
mod install;
mod problems;

pub use code::ErrorCode;
pub use install::InstallError;
pub use problems::{
    EnrollProblem, KeyringProblem, LocalPolicyProblem, ManagedProblem, NoPolicy, ProbeProblem,
    Refusal,
};

/// What can go wrong in a core use case. Messages are one lower-case sentence.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No directory could be derived for Gatehouse's data.
    #[error("cannot find a data directory: set `GATEHOUSE_DATA_DIR` or `HOME`")]
    NoDataDir,
    /// No home directory, so `~/.mcp/config.yaml` has no place.
    #[error("cannot find your home directory: set `HOME` or `GATEHOUSE_MCP_CONFIG`")]
    NoHome,
    /// A path from the environment is not absolute, so its meaning would depend on the
    /// working directory of whichever process reads it.
    #[error("`{variable}` must be an absolute path, not `{}`", .path.display())]
    RelativePath {
        variable: &'static str,
        path: PathBuf,
    },
    /// The user's own policy file cannot be used. Enforcing without it would silently drop
    /// rules the user set, so nothing runs until it is fixed.
    #[error("your policy file `{}` cannot be used: {problem}", .path.display())]
    LocalPolicy {
        path: PathBuf,
        problem: LocalPolicyProblem,
    },
    /// A hub is configured but no stored snapshot is valid (none yet, or none passes its
    /// signature check): nothing runs until a sync succeeds (POLICY.md section 5, exit 3).
    #[error("no usable policy from your organization's hub: {0}; run `gatehouse sync` when online")]
    NoSnapshot(NoPolicy),
    /// The managed settings file exists but cannot be used.
    #[error("the managed settings file `{}` cannot be used: {problem}", .path.display())]
    Managed {
        path: PathBuf,
        problem: ManagedProblem,
    },
    /// A setting fixed by managed settings (exit 5).
    #[error("`{0}` is set by your organization's managed settings and cannot be changed here")]
    Locked(&'static str),
    /// An offered policy bundle was refused; the previous one stays in force.
    #[error("the policy bundle was refused: {0}")]
    Rejected(Refusal),
    /// A stored setting that cannot be used (edited by hand, or left by another build).
    #[error("the stored setting `{key}` cannot be used: {source}")]
    BadSetting {
        key: &'static str,
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A value of Gatehouse's own could not be written out as JSON or text.
    #[error("{what} cannot be written out: {source}")]
    Encode {
        what: &'static str,
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The command line asked for something contradictory (POLICY.md: exit code 2).
    #[error("{0}")]
    Usage(String),
    /// No server is registered under this id.
    #[error("no server `{0}` is registered: see `gatehouse servers list`")]
    UnknownServer(String),
    /// A server id that cannot be used.
    #[error("`{id}` cannot be a server id: {reason}")]
    InvalidId { id: String, reason: &'static str },
    /// A server id that is already registered.
    #[error("a server `{0}` is already registered")]
    DuplicateServer(String),
    /// The database failed.
    #[error(transparent)]
    Store(gatehouse_store::Error),
    /// The server could not be started or its session failed.
    #[error(transparent)]
    Launch(#[from] gatehouse_launch::Error),
    /// The hub could not be asked, or refused the request; the cached policy stays in force.
    #[error(transparent)]
    Hub(#[from] gatehouse_hub::ClientError),
    /// A hub setting change the current hub did not acknowledge: while a hub policy is in
    /// force a change takes effect only once the hub has recorded it, so nothing changed.
    #[error(
        "`{key}` was not changed: while your organization's policy is in force, a change takes effect only once its hub has recorded it, and the hub could not be told ({reason})"
    )]
    NotAcknowledged { key: &'static str, reason: String },
    /// Syncing needs a hub setting that is not set.
    #[error("no {0} is configured: set it with `gatehouse config set {0} <value>`")]
    HubNotConfigured(&'static str),
    /// The OS keyring cannot be used (none running, locked, or it refused).
    #[error("the OS keyring is unavailable: {0}")]
    Keyring(KeyringProblem),
    /// "Check now" could not complete the MCP handshake through the launcher.
    #[error("{0}")]
    Probe(ProbeProblem),
    /// A client app's config file could not be read or changed safely; it was left untouched.
    #[error(transparent)]
    ClientConfig(#[from] gatehouse_clients::Error),
    /// A server's client app entries could not all be restored, so it stays registered.
    #[error("`{id}` is still used by a client app and was not removed: {reason}")]
    StillWired { id: String, reason: String },
    /// An install from the registry was refused or failed; nothing was left behind.
    #[error(transparent)]
    Install(#[from] InstallError),
    /// The `gatehouse` launcher that client app entries call cannot be found.
    #[error("the Gatehouse launcher is missing from `{}`; reinstall Gatehouse", .path.display())]
    LauncherMissing { path: PathBuf },
    /// A wired entry's placeholder values (`GATEHOUSE_VALUE_<n>`) do not fit its launch.
    #[error("`{id}` cannot start: {problem}")]
    AppValue { id: String, problem: String },
    /// Joining an organization from an enrollment link stopped; nothing changed.
    #[error("{0}")]
    Enroll(EnrollProblem),
    /// A file of Gatehouse's own could not be written.
    #[error("cannot write `{}`: {source}", .path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl From<gatehouse_store::Error> for Error {
    fn from(error: gatehouse_store::Error) -> Self {
        match error {
            gatehouse_store::Error::DuplicateServer(id) => Error::DuplicateServer(id),
            other => Error::Store(other),
        }
    }
}

impl Error {
    /// The exit code of the command line contract (`shared/CLI.md`) for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Usage(_)
            | Error::UnknownServer(_)
            | Error::InvalidId { .. }
            | Error::DuplicateServer(_) => 2,
            Error::LocalPolicy { .. } | Error::NoSnapshot(_) | Error::Managed { .. } => 3,
            Error::Locked(_) => 5,
            Error::NoDataDir
            | Error::NoHome
            | Error::RelativePath { .. }
            | Error::BadSetting { .. }
            | Error::Encode { .. }
            | Error::Rejected(_)
            | Error::Store(_)
            | Error::Launch(_)
            | Error::Hub(_)
            | Error::HubNotConfigured(_)
            | Error::NotAcknowledged { .. }
            | Error::Keyring(_)
            | Error::Probe(_)
            | Error::ClientConfig(_)
            | Error::StillWired { .. }
            | Error::Install(_)
            | Error::LauncherMissing { .. }
            | Error::AppValue { .. }
            | Error::Enroll(_)
            | Error::Io { .. } => 1,
        }
    }

    /// The stable code of this error. Every variant is named: a new one must say its code.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::NoDataDir | Error::NoHome | Error::RelativePath { .. } => ErrorCode::DataDir,
            Error::LocalPolicy { .. } => ErrorCode::LocalPolicy,
            Error::Managed { .. } => ErrorCode::ManagedSettings,
            Error::NoSnapshot(NoPolicy::NoKeyPinned) => ErrorCode::NoKeyPinned,
            Error::NoSnapshot(_) => ErrorCode::NoPolicy,
            Error::Rejected(refusal) => refusal.code(),
            Error::Locked(_) => ErrorCode::Locked,
            Error::Usage(_) | Error::InvalidId { .. } => ErrorCode::InvalidInput,
            Error::UnknownServer(_) => ErrorCode::NotFound,
            Error::DuplicateServer(_) | Error::StillWired { .. } => ErrorCode::Conflict,
            Error::Store(_)
            | Error::Io { .. }
            | Error::BadSetting { .. }
            | Error::Encode { .. } => ErrorCode::Storage,
            Error::Launch(_) | Error::LauncherMissing { .. } | Error::AppValue { .. } => {
                ErrorCode::Launch
            }
            Error::Probe(_) => ErrorCode::Check,
            Error::Keyring(_) => ErrorCode::Keyring,
            Error::HubNotConfigured(_) => ErrorCode::HubNotConfigured,
            Error::NotAcknowledged { .. } => ErrorCode::HubUnreachable,
            Error::Hub(error) => hub_code(error),
            Error::ClientConfig(_) => ErrorCode::ClientApps,
            Error::Install(error) => error.code(),
            Error::Enroll(problem) => problem.code(),
        }
    }
}

/// The code of a failed hub or registry request.
pub(crate) fn hub_code(error: &gatehouse_hub::ClientError) -> ErrorCode {
    use gatehouse_hub::ClientError as E;
    match error {
        E::Unauthorized => ErrorCode::SignIn,
        E::Network(_) | E::Timeout(_) => ErrorCode::HubUnreachable,
        E::InvalidUrl { .. } => ErrorCode::InvalidInput,
        E::Http { .. } | E::Malformed(_) => ErrorCode::HubRefused,
        E::DigestMismatch { .. } => ErrorCode::Tampered,
    }
}

pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tampered_download_is_not_a_hub_hiccup() {
        let error = Error::Hub(gatehouse_hub::ClientError::DigestMismatch {
            what: "bundle",
            expected: "sha256:aa".to_owned(),
            actual: "sha256:bb".to_owned(),
        });
        assert_eq!(
            error.code(),
            ErrorCode::Tampered,
            "a forged download must not read as 'it will try again'"
        );
        let offline = Error::Hub(gatehouse_hub::ClientError::Timeout(10));
        assert_eq!(offline.code(), ErrorCode::HubUnreachable);
    }

    #[test]
    fn codes_serialise_as_their_wire_names() {
        for code in [
            ErrorCode::DataDir,
            ErrorCode::BundleRollback,
            ErrorCode::Tampered,
            ErrorCode::ClientApps,
            ErrorCode::EnrollKey,
        ] {
            assert_eq!(
                serde_json::to_value(code).unwrap(),
                serde_json::json!(code.as_str()),
                "as_str and serde must agree: the audit log uses one, the UI the other"
            );
        }
    }
}
