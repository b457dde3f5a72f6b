//! Gatehouse's use cases, written against ports (clock, notifier, prompter, secret store,
//! hub) so that the command line and the tray app share one behaviour and tests can pass
//! fakes. This crate must not depend on tauri, and it decides nothing about policy itself:
//! that is `gatehouse-policy`'s job.

pub mod error;
pub mod naming;
pub mod paths;

pub use error::{Error, Result};
