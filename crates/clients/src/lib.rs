//! The MCP configuration files of client apps (Claude Desktop, Claude Code, Cursor, VS Code,
//! Windsurf, Zed, Cline): where each app keeps them on each OS ([`paths`]), what entries
//! they hold ([`read`]), and the edits that route an entry through `gatehouse run` and back
//! ([`edit`]), written safely ([`write`]).
//!
//! These files belong to other apps, so this crate never re-serialises one: every edit
//! splices new text into the byte ranges of the nodes it changes, and everything else
//! (comments, trailing commas, key order, indentation, unknown keys and types) stays as it
//! was. A file that does not parse is never edited. The crate decides nothing about policy,
//! stores nothing and touches no keyring: `gatehouse-core` does that with what it returns.

pub mod add;
pub mod apps;
pub mod edit;
mod error;
pub mod extensions;
pub mod paths;
pub mod projects;
pub mod read;
pub mod secrets;
mod syntax;
pub mod write;

pub use apps::ClientApp;
pub use error::{Error, Result};
pub use paths::{ConfigEnv, Os};
pub use read::{ConfigFile, Entry, Transport};
