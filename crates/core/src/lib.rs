//! Gatehouse's use cases, written against ports (clock, notifier, prompter, secret store,
//! hub) so that the command line and the tray app share one behaviour and tests can pass
//! fakes. This crate must not depend on tauri, holds no OS adapter (keyring, notifications,
//! file watching, sockets and processes are `gatehouse-desktop`'s) and reads no process
//! environment: the shells read it once into a [`context::Environment`]. It decides nothing
//! about policy itself (that is `gatehouse-policy`'s job) and stores nothing itself (that
//! is `gatehouse-store`'s).
//!
//! One folder per concept: [`settings`] (what the device follows), [`identity`] (what runs,
//! and the names and badges it may carry), [`policy`] (the layers in
//! force and their verdicts), [`sync`] (fetching and accepting the hub's policy), [`launch`]
//! (deciding and running one server), [`install`] (from the registry and the catalog),
//! [`servers`], [`clients`] (other apps' config files) and [`activity`] (the audit log).

/// This Gatehouse's version, as events and the device inventory name it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

pub mod activity;
pub mod clients;
pub mod context;
pub mod error;
pub mod identity;
pub mod install;
pub mod launch;
pub mod policy;
pub mod ports;
pub mod servers;
pub mod settings;
pub mod sync;
#[cfg(test)]
mod test_support;

pub use context::Context;
pub use error::{Error, Result};
pub use gatehouse_clients::ClientApp;
pub use gatehouse_hub::{ClientError, HubClient, Sensitive, install_crypto_provider};
pub use gatehouse_policy::Verdict;
