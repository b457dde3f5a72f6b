//! Errors of reading and editing client config files.

use std::path::PathBuf;

/// What can go wrong with a client app's config file. Messages are one lower-case sentence.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file is not valid JSON/JSONC for its app; it is left untouched.
    #[error("`{}` does not parse ({reason}); it was left untouched", .path.display())]
    Unparsable { path: PathBuf, reason: String },
    /// The file changed on disk after it was read; the new content is left untouched.
    #[error("`{}` changed while gatehouse was editing it; it was left untouched", .path.display())]
    Changed { path: PathBuf },
    /// The entry to edit is not where it was, or no longer has the shape the edit expects.
    #[error("the entry `{entry}` in `{}` {reason}; it was left untouched", .path.display())]
    EntryMoved {
        path: PathBuf,
        entry: String,
        reason: String,
    },
    /// The file is not writable by this user (read-only, or owned by someone else): it is
    /// reported and left alone, never replaced by a file Gatehouse could write.
    #[error("`{}` is read-only for you, so gatehouse left it untouched; make it writable to route its servers", .path.display())]
    ReadOnly { path: PathBuf },
    /// Reading or writing the file failed.
    #[error("cannot access `{}`: {source}", .path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

pub type Result<T> = std::result::Result<T, Error>;
