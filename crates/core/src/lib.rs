//! Gatehouse's use cases, written against ports (clock, notifier, prompter, secret store,
//! hub) so that the command line and the tray app share one behaviour and tests can pass
//! fakes. This crate must not depend on tauri, and it decides nothing about policy itself:
//! that is `gatehouse-policy`'s job; it stores nothing itself: that is `gatehouse-store`'s.

pub mod activity;
pub mod autostart;
pub mod catalog;
pub mod clients;
pub mod clients_watch;
pub mod config;
pub mod confirm;
pub mod connect;
pub mod context;
pub mod decide;
pub mod desktop_notifier;
pub mod drops;
pub mod error;
pub mod evaluation;
pub mod first_key;
pub mod hub_settings;
pub mod install;
pub mod keyring;
pub mod launch;
pub mod managed;
pub mod naming;
pub mod paths;
pub mod policy_preview;
pub mod policy_view;
pub mod ports;
pub mod probe;
pub mod servers;
mod session;
pub mod snapshot;
pub mod status;
pub mod sync;
#[cfg(test)]
mod test_support;
pub mod token;

pub use context::Context;
pub use error::{Error, Result};
pub use gatehouse_clients::ClientApp;
pub use gatehouse_hub::{ClientError, HubClient, Sensitive};
pub use gatehouse_policy::Verdict;
