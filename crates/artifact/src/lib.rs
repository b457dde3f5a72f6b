//! Unpacking an installed MCP server's bundle (a `tar.gz` from the registry, HUB_API.md
//! section A; a zip for a wheel or an `.mcpb`) into a folder, safely: only regular files and directories, no absolute
//! paths, no `..`, no links or device entries, a cap on the total size checked against
//! each entry's declared size before anything of it is written, and the executable bit
//! kept (as `0755`; other files get `0644`).
//!
//! It only unpacks into the empty folder it is given. Where that folder lives, how it is
//! renamed into place and removed on failure, and whether the bytes were the published ones
//! (the digest) are the caller's concern (`gatehouse-core`); this crate does no networking.

mod error;
mod extract;

pub use error::{Error, Result};
pub use extract::{Extracted, MAX_ENTRIES, MAX_EXTRACTED_BYTES, extract_tar_gz, extract_zip};
