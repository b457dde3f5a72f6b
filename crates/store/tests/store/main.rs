//! Integration tests of the store against real SQLite files in temporary directories.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

mod audit;
mod chain;
mod concurrency;
mod confirmations;
mod fixtures;
mod open;
mod pins;
mod servers;
mod settings;
mod snapshots;
mod wirings;
