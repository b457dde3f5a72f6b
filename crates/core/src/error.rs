//! Errors of the core use cases.

use std::path::PathBuf;

/// What can go wrong in a core use case. Messages are one lower-case sentence.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No directory could be derived for Gatehouse's data.
    #[error("cannot find a data directory: set `GATEHOUSE_DATA_DIR` or `HOME`")]
    NoDataDir,
    /// A path from the environment is not absolute, so its meaning would depend on the
    /// working directory of whichever process reads it.
    #[error("`{variable}` must be an absolute path, not `{}`", .path.display())]
    RelativePath {
        variable: &'static str,
        path: PathBuf,
    },
}

pub type Result<T> = std::result::Result<T, Error>;
