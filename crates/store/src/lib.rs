//! The Gatehouse store: the one crate that touches SQL. It owns the local SQLite database
//! (`gatehouse.db`) and its schema: signed policy snapshots, installed servers, client app
//! entries routed through Gatehouse, remembered confirmations, tool pins, the audit log with
//! its outbox to the hub, and settings.
//!
//! It stores; it never decides. Whether a snapshot is valid, a server may run or a tool
//! change matters is for `policy`, `hub` and `core`; this crate only keeps what they give it,
//! atomically and safely under many concurrent processes (every `gatehouse run` opens the
//! database). It never stores environment values, tool arguments or secrets.
//!
//! Every method is async and needs a Tokio runtime. Writes that touch more than one row run
//! in one `BEGIN IMMEDIATE` transaction, so a writer waits for the write lock (up to the
//! busy timeout) instead of failing when another process writes.

mod audit;
mod audit_log;
mod chain;
mod confirmations;
mod direct;
mod error;
mod foreign;
mod open;
mod outbox;
mod pins;
mod servers;
mod settings;
mod snapshots;
mod time_text;
mod trees;
mod wirings;

pub use audit::{AuditEvent, AuditKind};
pub use chain::{AuditHead, canonical};
pub use confirmations::ConfirmationKey;
pub use error::{Error, Result};
pub use foreign::{ForeignRead, read_foreign};
pub use open::{Connections, Store};
pub use servers::{Install, Server, ServerSource};
pub use snapshots::{NewSnapshot, Snapshot};
pub use trees::{TreeFile, TreeKind, VerifiedTree};
pub use wirings::Wiring;
