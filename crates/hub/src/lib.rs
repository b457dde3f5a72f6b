//! The hub side of Gatehouse: the signed policy bundle of `HUB_API.md` B1 (its envelope,
//! signature check against pinned keys, and the layers and facts it gives each server), and
//! the registry of section A (resolve, manifest, streamed bundle, each digest checked).
//!
//! Verification and parsing are pure and fast enough for the launch path, which re-checks
//! the stored bundle's signature on every launch and never touches the network. Only this
//! crate speaks HTTP to the hub ([`HubClient`]).

mod bundle;
mod catalog;
mod client;
mod envelope;
mod error;
mod freshness;
mod keys;
mod login;
mod public;
mod registry;
mod sensitive;
mod slice;

pub use bundle::{Area, Bundle};
pub use catalog::{Binding, CatalogEntry, PackageArtifact, RegistryType, Subject, resolve};
pub use client::{
    AuditAck, CONNECT_TIMEOUT, Fetch, HubClient, MAX_BODY, PublishedKey, TOTAL_TIMEOUT,
    install_crypto_provider, user_agent,
};
pub use envelope::{Envelope, verify_signature};
pub use error::{ClientError, Error, Result};
pub use freshness::{
    FRESHNESS_HEADER, Statement, StatementError, statement_header, verify_statement,
};
pub use keys::{PinnedKey, TrustedKeys, fingerprint, fingerprint_hex, grouped};
pub use login::AccessToken;
pub use public::{DownloadedArtifact, MAX_ARTIFACT, PublicClient, PublicError, pep503};
pub use registry::{ArtifactDigest, Downloaded, MAX_BUNDLE, MAX_MANIFEST, Resolved};
pub use sensitive::Sensitive;
pub use slice::{ServerSlice, server_slice};
