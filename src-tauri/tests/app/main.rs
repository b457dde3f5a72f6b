//! The app crate's integration tests: commands through tauri's mock runtime (no display
//! needed) and the drift check of the generated TypeScript bindings.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

mod bindings;
mod commands;
