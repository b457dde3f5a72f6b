//! The commands the web UI calls. Each one is a thin adapter: convert, call core, convert.
//! Adding a command means: the handler list in `lib.rs`, `COMMANDS` in `build.rs`, the
//! capability of each window that needs it, and the typed wrapper in `ui/src/lib/ipc/`.

pub mod activity;
pub mod app;
pub mod clients;
pub mod confirm;
pub mod enroll;
pub mod hub;
pub mod install;
pub mod policy;
pub mod servers;
pub mod settings;

use crate::ipc::IpcError;

/// The `gatehouse` launcher that client app entries call, as text for their files: the
/// installed one, or this data folder's copy of a checkout's build (refreshed now).
pub(crate) fn launcher(state: &crate::state::AppState) -> Result<String, IpcError> {
    Ok(gatehouse_core::clients::stable_launcher(&state.ctx)?
        .display()
        .to_string())
}
