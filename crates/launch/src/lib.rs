//! The launcher: everything between `gatehouse run` deciding that a server may run and that
//! server's process being gone again. It filters the environment the server gets, spawns it
//! in its own process group, proxies MCP's newline-delimited JSON-RPC over stdio (injecting
//! policy warnings for `--trust` runs and pinning tool definitions), and ends it: SIGTERM to
//! the group, SIGKILL after a grace period, always reaped.
//!
//! It makes no policy decisions (the verdict and its warnings come in), does no network
//! I/O, and reaches persistence only through the [`PinStore`] and [`SessionEvents`] ports
//! the caller implements. It must not depend on the policy crate, SQL, HTTP or tauri.

mod client_side;
mod env;
mod error;
mod events;
mod framing;
mod inject;
mod key;
mod message;
mod pending;
mod pins;
mod proxy;
#[cfg(test)]
mod proxy_tests;
mod server_side;
mod session;
mod shutdown;
mod sink;
mod spawn;

pub use env::{OsFamily, base_names, filtered_env, filtered_env_for};
pub use error::{Error, Result};
pub use events::{SessionEvents, SessionWarning};
pub use key::launch_key;
pub use pins::{MemoryPins, PinMode, PinStore};
pub use proxy::{
    EndReason, Endpoint, ProxyOptions, ProxyOutcome, SESSION_ENDED_CODE, StopReason,
    TOOLS_CHANGED_CODE, proxy,
};
pub use session::{SessionEnd, run_session, run_session_with};
pub use shutdown::Termination;
pub use spawn::LaunchSpec;
