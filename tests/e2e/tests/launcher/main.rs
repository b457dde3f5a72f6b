//! `gatehouse run` end to end: the real binary, real MCP servers from npm and PyPI, a real
//! MCP client (rmcp), real SQLite files. Each test works in its own [`Sandbox`].
//!
//! [`Sandbox`]: gatehouse_e2e::Sandbox

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

mod bad_input;
mod check_now;
mod concurrency;
mod eras;
mod identity;
mod pins_and_warnings;
mod real_servers;
mod refusal;
mod snapshot;
mod tamper;
mod wire;
