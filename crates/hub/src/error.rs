//! Why a bundle or a key is refused. Every variant means "reject it whole": the previous
//! policy stays in force.

use gatehouse_policy::ValidationError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The envelope is not the JSON object of HUB_API.md B1.
    #[error("the policy bundle envelope is malformed: {0}")]
    Envelope(String),
    /// No pinned key has the bundle's key id.
    #[error("the policy bundle is signed with key `{0}`, which is not pinned on this device")]
    UnknownKey(String),
    /// The signature does not verify: the bundle was altered or signed by someone else.
    #[error("the policy bundle's signature does not verify with key `{0}`")]
    BadSignature(String),
    /// A public key that is not a base64 Ed25519 key.
    #[error("`{0}` is not a base64 Ed25519 public key")]
    BadKey(String),
    /// The payload is not the bundle of HUB_API.md B1.
    #[error("the policy bundle is malformed: {0}")]
    Payload(String),
    /// A policy object in the bundle fails validation.
    #[error("the policy bundle holds an invalid policy at `{place}`: {error}")]
    Policy {
        place: String,
        error: ValidationError,
    },
}

pub type Result<T> = std::result::Result<T, Error>;
