//! Why an offered policy bundle was refused. The kind is kept whole from the check that
//! failed to the audit event (`policy_rejected`'s `code`) and the UI, so a forged bundle is
//! never mistaken for a rollback or a hub that is merely down.

use crate::error::ErrorCode;

/// Why a bundle was refused; the policy in force stays.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// No hub signing key is pinned, so nothing can be verified.
    #[error(
        "no hub signing key is pinned on this device: pin one with `gatehouse config set hub-key`"
    )]
    NoKeyPinned,
    /// Signed with a key id no pinned key has.
    #[error("{0}")]
    UnknownKey(Box<gatehouse_hub::Error>),
    /// The signature does not verify: altered, or signed by someone else.
    #[error("{0}")]
    Forged(Box<gatehouse_hub::Error>),
    /// Not a valid bundle: a malformed envelope or payload, or a policy that fails validation.
    #[error("{0}")]
    Invalid(Box<gatehouse_hub::Error>),
    /// For another organization than the one this device follows.
    #[error("the bundle is for organization `{bundle}`, this device follows `{device}`")]
    OtherOrganization { bundle: String, device: String },
    /// Older than the newest one stored.
    #[error("the bundle's serial {offered} is older than the stored {stored} (a rollback)")]
    Rollback { offered: u64, stored: u64 },
    /// The serial of the newest one stored, with other content.
    #[error("the bundle reuses serial {serial} with different content")]
    SerialReused { serial: u64 },
}

impl Refusal {
    /// A failed check of the envelope or payload, by what failed.
    pub fn of(error: gatehouse_hub::Error) -> Refusal {
        match error {
            gatehouse_hub::Error::UnknownKey(_) => Refusal::UnknownKey(Box::new(error)),
            gatehouse_hub::Error::BadSignature(_) => Refusal::Forged(Box::new(error)),
            gatehouse_hub::Error::Envelope(_)
            | gatehouse_hub::Error::BadKey(_)
            | gatehouse_hub::Error::Payload(_)
            | gatehouse_hub::Error::Policy { .. } => Refusal::Invalid(Box::new(error)),
        }
    }

    /// The stable code: what the audit event's `code` and the UI say.
    pub fn code(&self) -> ErrorCode {
        match self {
            Refusal::NoKeyPinned => ErrorCode::NoKeyPinned,
            Refusal::UnknownKey(_) => ErrorCode::BundleUnknownKey,
            Refusal::Forged(_) => ErrorCode::BundleForged,
            Refusal::Invalid(_) => ErrorCode::BundleInvalid,
            Refusal::OtherOrganization { .. } => ErrorCode::BundleOtherOrg,
            // Reusing a serial with other content replays history as surely as going back.
            Refusal::Rollback { .. } | Refusal::SerialReused { .. } => ErrorCode::BundleRollback,
        }
    }
}
