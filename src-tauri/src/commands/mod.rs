//! The commands the web UI calls. Each one is a thin adapter: convert, call core, convert.
//! Adding a command means: the handler list in `lib.rs`, `COMMANDS` in `build.rs`, the
//! capability of each window that needs it, and the typed wrapper in `ui/src/lib/ipc/`.

pub mod activity;
pub mod app;
pub mod confirm;
pub mod hub;
pub mod policy;
pub mod servers;
pub mod settings;
