//! The launcher: everything between `gatehouse run` deciding that a server may run and that
//! server's process being gone again. It filters the environment the server gets, spawns it
//! in its own process group, proxies MCP's newline-delimited JSON-RPC over stdio (injecting
//! policy warnings for `--trust` runs and pinning tool definitions), and ends it: SIGTERM to
//! the group, SIGKILL after a grace period, always reaped.
//!
//! It makes no policy decisions (the verdict and its warnings come in), does no network
//! I/O, and reaches persistence only through the [`PinStore`] and [`SessionEvents`] ports
//! the caller implements. It must not depend on the policy crate, SQL, HTTP or tauri.
//!
//! How `gatehouse run` uses it once the verdict allows the run:
//!
//! ```no_run
//! use std::collections::BTreeMap;
//! use gatehouse_launch::{
//!     LaunchSpec, MemoryPins, PinMode, ProxyOptions, StopReason, filtered_env, launch_key,
//!     run_session,
//! };
//!
//! # async fn run() -> gatehouse_launch::Result<()> {
//! let args = vec!["-y".into(), "@modelcontextprotocol/server-everything@2026.8.31".into()];
//! let mut spec = LaunchSpec::new("npx", args);
//! let secrets = BTreeMap::new(); // values resolved from the keyring, by name
//! spec.env = filtered_env(&["GITHUB_TOKEN".to_owned()], &secrets, |name| std::env::var_os(name));
//! let key = launch_key("@modelcontextprotocol/server-everything", Some("2026.8.31"), &spec);
//! let mut options = ProxyOptions::new(key);
//! options.pin_mode = PinMode::Strict;
//! options.warnings = vec![]; // the decision's warnings, for a `warn` verdict run with --trust
//! let pins = MemoryPins::default(); // the store's `PinStore` in the real launcher
//! // Resolves when a newly stored snapshot blocks this server.
//! let stop = std::future::pending::<StopReason>();
//! let end = run_session(spec, options, &pins, &(), stop).await?;
//! // Exit at once: the runtime's stdin thread cannot be cancelled.
//! std::process::exit(end.exit_code);
//! # }
//! ```

mod canonical;
mod client_side;
mod env;
mod era;
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
mod stderr_log;
mod stdio;

pub use env::{OsFamily, base_names, filtered_env, filtered_env_for, is_gatehouse_own};
pub use error::{Error, Result};
pub use events::{SessionEvents, SessionWarning};
pub use key::{launch_key, legacy_launch_key};
pub use pins::{MemoryPins, PinMode, PinStore};
pub use proxy::{
    EndReason, Endpoint, POLICY_REFUSED_CODE, ProxyOptions, ProxyOutcome, SESSION_ENDED_CODE,
    StopReason, TOOLS_CHANGED_CODE, proxy,
};
pub use session::{SessionEnd, run_session, run_session_with};
pub use shutdown::Termination;
pub use spawn::LaunchSpec;
