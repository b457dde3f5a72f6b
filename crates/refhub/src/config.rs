//! What the hub is started with; the binary's flags map onto it one to one.

use std::path::PathBuf;

use crate::org_dir::STATE_DIR;

/// The key id bundles carry when `--key-id` is not given.
pub const DEFAULT_KEY_ID: &str = "refhub-1";

/// How to start a hub.
#[derive(Debug, Clone)]
pub struct Config {
    /// The org directory (see the crate docs for its layout).
    pub dir: PathBuf,
    /// The signing key file; made on first start when missing.
    pub key_file: PathBuf,
    pub key_id: String,
    /// The hub's SQLite file: published serial and received audit events.
    pub state_file: PathBuf,
    /// Tokens accepted besides those in `org.yaml`.
    pub tokens: Vec<String>,
    /// Whether the test-control endpoints (`/__faults`, `/__audit`) are served.
    pub faults: bool,
}

impl Config {
    /// Defaults for `dir`: key and state in `<dir>/.refhub/`, key id `refhub-1`, no extra
    /// tokens, no fault endpoints.
    pub fn new(dir: impl Into<PathBuf>) -> Config {
        let dir = dir.into();
        let own = dir.join(STATE_DIR);
        Config {
            key_file: own.join("signing-key"),
            state_file: own.join("state.db"),
            key_id: DEFAULT_KEY_ID.to_owned(),
            tokens: Vec::new(),
            faults: false,
            dir,
        }
    }
}
