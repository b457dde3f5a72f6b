//! The hub side of Gatehouse: the signed policy bundle of `HUB_API.md` B1 (its envelope,
//! signature check against pinned keys, and the layers and facts it gives each server).
//!
//! Verification and parsing are pure and fast enough for the launch path, which re-checks
//! the stored bundle's signature on every launch and never touches the network. Only this
//! crate speaks HTTP to the hub (the client comes with the sync work).

mod bundle;
mod envelope;
mod error;
mod keys;
mod view;

pub use bundle::{Area, Bundle};
pub use envelope::{Envelope, verify_signature};
pub use error::{Error, Result};
pub use keys::{PinnedKey, TrustedKeys, fingerprint};
pub use view::{ServerView, server_view};
