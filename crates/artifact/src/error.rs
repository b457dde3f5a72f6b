//! Why a bundle was refused. Any of these means the whole bundle is refused.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An entry that could write outside the folder, or is not a plain file or directory.
    #[error("the bundle holds `{path}`, which is refused: {reason}")]
    Unsafe { path: String, reason: &'static str },
    /// The entries' declared sizes add up to more than the cap.
    #[error("the bundle unpacks to more than {limit} bytes, which is refused")]
    TooLarge { limit: u64 },
    /// More entries than the cap.
    #[error("the bundle holds more than {limit} entries, which is refused")]
    TooManyEntries { limit: u64 },
    /// The bytes are not a readable `tar.gz`.
    #[error("the bundle is not a readable archive: {0}")]
    Corrupt(String),
    /// Writing the unpacked files failed.
    #[error("cannot write `{}` while unpacking the bundle: {source}", .path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

pub type Result<T> = std::result::Result<T, Error>;
