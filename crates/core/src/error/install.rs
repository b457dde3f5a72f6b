//! Why an install was refused or failed.

/// Why an install was refused or failed (each leaves nothing behind).
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    /// A server with this id is registered already.
    #[error("`{0}` is already installed: remove it first with `gatehouse servers remove {0}`")]
    AlreadyInstalled(String),
    /// The registry resolved another package than the one asked for.
    #[error("the registry answered for package `{found}` when `{asked}` was asked for")]
    WrongPackage { asked: String, found: String },
    /// The registry offers other bytes than the ones the signed catalog certified.
    #[error(
        "the registry offers `{package}` as `{offered}`, but your organization certified `{signed}`; nothing was downloaded"
    )]
    NotTheCertifiedBundle {
        package: String,
        signed: String,
        offered: String,
    },
    /// The manifest cannot be read.
    #[error("the manifest of `{package}` cannot be used: {reason}")]
    Manifest { package: String, reason: String },
    /// The manifest is for another package.
    #[error("the manifest is for package `{found}`, not `{asked}`")]
    ManifestPackage { asked: String, found: String },
    /// No entrypoint fits this machine.
    #[error("`{package}` has no entrypoint for {os}/{arch}")]
    NoEntrypoint {
        package: String,
        os: &'static str,
        arch: &'static str,
    },
    /// The entrypoint names a program that is not in the bundle or leaves it.
    #[error("the entrypoint `{0}` is not a file in the bundle")]
    MissingProgram(String),
    /// A client app's file could not be given the new server; the install was undone.
    #[error("`{id}` could not be added to the client apps, so the install was undone: {reason}")]
    ClientApps { id: String, reason: String },
    /// The bundle was refused while unpacking.
    #[error(transparent)]
    Unpack(#[from] gatehouse_artifact::Error),
    /// The certified public package could not be downloaded, or was not the certified one.
    #[error(transparent)]
    Public(gatehouse_hub::PublicError),
    /// A public package that cannot be installed as a verified copy.
    #[error("{}cannot be installed as a verified copy: {reason}", if .package.is_empty() { "the package ".to_owned() } else { format!("`{}` ", .package) })]
    NotACopy { package: String, reason: String },
    /// The program that installs packages of this kind is not on this computer.
    #[error(
        "installing this package needs {tool} (`{program}`), which is not installed on this computer"
    )]
    MissingTool { tool: &'static str, program: String },
    /// The package's installer failed; nothing was installed.
    #[error("{tool} could not install the package:\n{reason}")]
    ToolFailed { tool: &'static str, reason: String },
    /// The signed catalog lists no verified copy for what was asked.
    #[error("your organization's catalog lists no verified copy of `{0}`")]
    NoCopy(String),
}

impl InstallError {
    /// The stable code of this failure: a tampered or broken package is never reported as
    /// a hub that is merely unreachable.
    pub fn code(&self) -> crate::error::ErrorCode {
        use crate::error::ErrorCode;
        match self {
            InstallError::AlreadyInstalled(_) => ErrorCode::Conflict,
            InstallError::NotTheCertifiedBundle { .. } => ErrorCode::Tampered,
            InstallError::WrongPackage { .. }
            | InstallError::ManifestPackage { .. }
            | InstallError::Manifest { .. }
            | InstallError::MissingProgram(_)
            | InstallError::Unpack(_) => ErrorCode::BadPackage,
            InstallError::NoEntrypoint { .. } | InstallError::MissingTool { .. } => {
                ErrorCode::UnsupportedPlatform
            }
            InstallError::NotACopy { .. } | InstallError::ToolFailed { .. } => {
                ErrorCode::BadPackage
            }
            InstallError::NoCopy(_) => ErrorCode::NotFound,
            InstallError::Public(error) => match error {
                gatehouse_hub::PublicError::Mismatch { .. } => ErrorCode::Tampered,
                gatehouse_hub::PublicError::Network { .. }
                | gatehouse_hub::PublicError::Status { .. } => ErrorCode::RegistryUnreachable,
                gatehouse_hub::PublicError::Write(_) => ErrorCode::Storage,
                _ => ErrorCode::BadPackage,
            },
            InstallError::ClientApps { .. } => ErrorCode::ClientApps,
        }
    }
}
