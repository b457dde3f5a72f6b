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

/// Why a request to the hub failed. No variant ever holds the token: messages are built
/// from the URL, the status and the hub's own error body only.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The configured hub URL cannot be used.
    #[error("`{url}` cannot be used as the hub url: {reason}")]
    InvalidUrl { url: String, reason: &'static str },
    /// 401: the token is missing, expired or revoked.
    #[error("the hub refused the sign-in (401): run `gatehouse login` with a valid token")]
    Unauthorized,
    /// Any other non-success status, with the hub's `{error, message}` when it sent one.
    #[error("the hub answered {status}{}: {message}", .code.as_ref().map(|c| format!(" `{c}`")).unwrap_or_default())]
    Http {
        status: u16,
        code: Option<String>,
        message: String,
    },
    /// The hub could not be reached, or the connection broke.
    #[error("cannot reach the hub: {0}")]
    Network(String),
    /// No complete answer within the time limit.
    #[error("the hub did not answer within {0} ms")]
    Timeout(u128),
    /// An answer that is not what HUB_API.md says.
    #[error("the hub's answer is malformed: {0}")]
    Malformed(String),
    /// A downloaded artifact whose SHA-256 is not the one the registry published for it.
    #[error(
        "the downloaded {what} does not match its published digest `{expected}` (it is `{actual}`)"
    )]
    DigestMismatch {
        what: &'static str,
        expected: String,
        actual: String,
    },
}
