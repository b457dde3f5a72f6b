//! The OS adapters behind core's ports, wired up by the command line and the tray app: the
//! keyring ([`keyring::OsKeyring`], a [`gatehouse_core::ports::SecretStore`]), desktop
//! notifications ([`notifier::DesktopNotifier`]), watching client apps' files ([`watch`]),
//! the confirmation socket between the launcher and the tray app ([`confirm`]), "start at
//! login" ([`autostart`]), the launcher process of "Check now" ([`probe`]) and the bounded
//! log file every Gatehouse program writes ([`logs`]), with the launch's phase marks for
//! benchmarks ([`phases`]).
//!
//! Each adapter does I/O and nothing else: what the I/O means (which entry is new, what a
//! check found, whether a launch may run) is decided in `gatehouse-core`. No tauri here.

pub mod autostart;
pub mod confirm;
pub mod host;
pub mod keyring;
pub mod logs;
pub mod notifier;
pub mod phases;
pub mod probe;
pub mod watch;
