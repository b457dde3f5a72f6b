//! The reference hub over real HTTP on ephemeral ports: the contract of HUB_API.md section
//! B as the app's own client code checks it (`gatehouse_hub`), serials across edits and
//! restarts, tokens, audit intake, every fault mode, the example scenarios, and the binary.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

mod audit;
mod auth;
mod binary;
mod bundle;
mod common;
mod dir;
mod examples;
mod faults;
mod servers;
mod updates;
