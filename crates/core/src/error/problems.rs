//! The typed problems inside [`super::Error`], one enum per concept that can fail in more
//! than one way. Each keeps the failure's kind whole (never a flattened string of another
//! error) so the code, the audit event and the message can all be derived from it.

use super::{Error, ErrorCode};

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

/// Why the person's own policy file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum LocalPolicyProblem {
    /// It exists but cannot be read.
    #[error("{0}")]
    Unreadable(std::io::Error),
    /// Its `policy:` block is not valid (or the file is not YAML).
    #[error("{0}")]
    Invalid(Box<gatehouse_policy::Error>),
}

/// Why no policy from the hub can be enforced (the device then runs nothing: exit 3).
#[derive(Debug, thiserror::Error)]
pub enum NoPolicy {
    /// No signing key is pinned, so no stored bundle can be verified.
    #[error("no hub signing key is pinned on this device")]
    NoKeyPinned,
    /// Nothing was stored yet.
    #[error("no policy has been synced from the hub yet")]
    NeverSynced,
    /// What is stored belongs to another organization.
    #[error("the stored policy is for organization `{org}`")]
    OtherOrganization { org: String },
    /// What is stored fails its signature check (an edited row).
    #[error("the stored policy failed its check ({0})")]
    FailedCheck(Box<gatehouse_hub::Error>),
    /// What is stored says another organization or serial than its row.
    #[error("the stored policy does not match its own record")]
    NotItsRecord,
    /// What is stored is not JSON.
    #[error("the stored policy cannot be read ({0})")]
    Unreadable(serde_json::Error),
    /// What is stored verifies but is not a valid bundle.
    #[error("{0}")]
    Invalid(Box<gatehouse_hub::Error>),
}

/// Why the managed settings file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ManagedProblem {
    /// It exists but cannot be read.
    #[error("{0}")]
    Unreadable(std::io::Error),
    /// It is not YAML.
    #[error("{0}")]
    NotYaml(Box<gatehouse_policy::Error>),
    /// An unknown key, or a value of the wrong type.
    #[error("{0}")]
    Shape(serde_json::Error),
    /// A `hub_keys` entry that is not a key.
    #[error("{0}")]
    Key(Box<gatehouse_hub::Error>),
    /// A `mandatory` block that fails validation.
    #[error("{0}")]
    Mandatory(Box<gatehouse_policy::ValidationError>),
    /// A hub or registry URL that cannot be used.
    #[error("{0}")]
    Url(Box<Error>),
}

/// Why the keyring could not be used. Never holds a secret: a badly encoded entry is
/// reported without its bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyringProblem {
    /// No keyring answers, it is locked, or it refused; the platform's words.
    #[error("{0}")]
    Unavailable(String),
    /// A stored entry is not text.
    #[error("the stored token is not text")]
    NotText,
    /// More than one entry matches.
    #[error("more than one token is stored for this hub")]
    Ambiguous,
    /// The value a wired server's entry moved into the keyring is gone.
    #[error(
        "the value of `{name}` for `{id}` is missing from the keyring; run `gatehouse clients unwire` and wire again"
    )]
    MissingValue { id: String, name: String },
    /// A value kept for a wired server is not the JSON string it was stored as.
    #[error("a stored env value is not a JSON string")]
    NotAStoredValue,
}

/// Why "Check now" found nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProbeProblem {
    /// The launcher could not be started at all.
    #[error("the launcher `{launcher}` could not be started: {reason}")]
    NotStarted { launcher: String, reason: String },
    /// No answer within the time a check may take.
    #[error("the server did not answer the MCP handshake in time")]
    TimedOut,
    /// The launcher closed its pipes before the exchange finished.
    #[error("the launcher ended before the server answered")]
    Ended,
    /// The launcher refused or failed and said why on stderr (the policy's words, usually).
    #[error("{0}")]
    LauncherSaid(String),
    /// The server answered a request with a JSON-RPC error.
    #[error("the server answered with {0}")]
    ServerError(String),
}

/// Why joining an organization from an enrollment link stopped. Nothing changed.
#[derive(Debug, thiserror::Error)]
pub enum EnrollProblem {
    /// The hub does not publish the key the link names.
    #[error(
        "the hub does not publish the signing key `{key_id}` your enrollment link names: do not join, and tell your admin"
    )]
    KeyNotPublished { key_id: String },
    /// The hub publishes a key under that id, but not the one the link vouches for.
    #[error(
        "the hub's signing key `{key_id}` is not the one your enrollment link vouches for (the fingerprints differ): do not join, and tell your admin, as someone may be posing as your hub"
    )]
    KeyMismatch { key_id: String },
    /// The registry refused the user name and password.
    #[error("the user name or password is not right")]
    WrongPassword,
}

impl EnrollProblem {
    pub(crate) fn code(&self) -> ErrorCode {
        match self {
            EnrollProblem::KeyNotPublished { .. } | EnrollProblem::KeyMismatch { .. } => {
                ErrorCode::EnrollKey
            }
            EnrollProblem::WrongPassword => ErrorCode::SignIn,
        }
    }
}

impl From<EnrollProblem> for Error {
    fn from(problem: EnrollProblem) -> Self {
        Error::Enroll(problem)
    }
}
