//! The extractor. Every entry is checked before anything of it is written: its type, its
//! path, and whether its declared size still fits under the cap. Since no link is ever
//! created and no path may hold `..` or start at the root, every write lands inside the
//! destination folder.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use flate2::read::GzDecoder;
use tar::EntryType;

use crate::error::{Error, Result};

/// The most an installed bundle may unpack to (HUB_API.md section A: 1 GiB).
pub const MAX_EXTRACTED_BYTES: u64 = 1 << 30;
/// The most entries a bundle may hold: a bundle of millions of empty files would exhaust
/// inodes long before the size cap is reached.
pub const MAX_ENTRIES: u64 = 100_000;

/// What was unpacked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extracted {
    pub files: u64,
    pub directories: u64,
    /// The bytes of all files together.
    pub bytes: u64,
}

/// Unpacks the `tar.gz` read from `reader` into `dest`, an existing empty folder, refusing
/// the whole archive at the first entry that breaks a rule; the total of the declared file
/// sizes may not exceed `limit`. On error, `dest` may hold part of the archive: the caller
/// removes it.
pub fn extract_tar_gz(reader: impl Read, dest: &Path, limit: u64) -> Result<Extracted> {
    let mut archive = tar::Archive::new(GzDecoder::new(reader));
    let corrupt = |e: io::Error| Error::Corrupt(e.to_string());
    let mut done = Extracted {
        files: 0,
        directories: 0,
        bytes: 0,
    };
    for entry in archive.entries().map_err(corrupt)? {
        let mut entry = entry.map_err(corrupt)?;
        let raw = entry.path_bytes().into_owned();
        let shown = String::from_utf8_lossy(&raw).into_owned();
        let kind = entry.header().entry_type();
        let is_dir = match kind {
            EntryType::Regular | EntryType::Continuous => false,
            EntryType::Directory => true,
            // A pax global header describes the archive, not a file.
            EntryType::XGlobalHeader => continue,
            other => return Err(unsafe_entry(&shown, refused_kind(other))),
        };
        if done.files + done.directories >= MAX_ENTRIES {
            return Err(Error::TooManyEntries { limit: MAX_ENTRIES });
        }
        let relative = safe_relative(&raw).map_err(|reason| unsafe_entry(&shown, reason))?;
        let target = dest.join(&relative);
        if is_dir {
            if relative.as_os_str().is_empty() {
                continue; // `./` itself
            }
            create_dirs(&target)?;
            done.directories += 1;
            continue;
        }
        if relative.as_os_str().is_empty() {
            return Err(unsafe_entry(&shown, "a file needs a name"));
        }
        // The declared size is checked before a byte is written, so a header that claims
        // more than the cap is refused without filling the disk first.
        let size = entry.size();
        done.bytes = done
            .bytes
            .checked_add(size)
            .filter(|total| *total <= limit)
            .ok_or(Error::TooLarge { limit })?;
        let executable = entry.header().mode().map_err(corrupt)? & 0o111 != 0;
        if let Some(parent) = target.parent() {
            create_dirs(parent)?;
        }
        let write_error = |source| Error::Write {
            path: target.clone(),
            source,
        };
        let mut file = match OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&target)
        {
            Ok(file) => file,
            Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {
                return Err(unsafe_entry(&shown, "the same path appears twice"));
            }
            Err(error) => return Err(write_error(error)),
        };
        // Reads exactly the declared size; a shorter body is a truncated archive.
        let copied = io::copy(&mut (&mut entry).take(size), &mut file).map_err(corrupt)?;
        if copied != size {
            return Err(Error::Corrupt(format!(
                "`{shown}` declares {size} bytes but holds {copied}"
            )));
        }
        file.sync_all().map_err(write_error)?;
        set_mode(&file, if executable { 0o755 } else { 0o644 }).map_err(write_error)?;
        done.files += 1;
    }
    Ok(done)
}

/// Unpacks the zip archive read from `reader` (a wheel or an `.mcpb` bundle) into `dest`,
/// an existing empty folder, under the same rules as [`extract_tar_gz`]: regular files and
/// directories only, plain relative paths, the declared sizes capped at `limit` before
/// anything is written, and the executable bit kept.
pub fn extract_zip(reader: impl Read + io::Seek, dest: &Path, limit: u64) -> Result<Extracted> {
    let corrupt = |e: zip::result::ZipError| Error::Corrupt(e.to_string());
    let mut archive = zip::ZipArchive::new(reader).map_err(corrupt)?;
    if archive.len() as u64 > MAX_ENTRIES {
        return Err(Error::TooManyEntries { limit: MAX_ENTRIES });
    }
    let mut done = Extracted {
        files: 0,
        directories: 0,
        bytes: 0,
    };
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).map_err(corrupt)?;
        let raw = entry.name_raw().to_vec();
        let shown = String::from_utf8_lossy(&raw).into_owned();
        if entry.is_symlink() {
            return Err(unsafe_entry(&shown, "symbolic links are not allowed"));
        }
        let relative = safe_relative(&raw).map_err(|reason| unsafe_entry(&shown, reason))?;
        let target = dest.join(&relative);
        if entry.is_dir() {
            if !relative.as_os_str().is_empty() {
                create_dirs(&target)?;
                done.directories += 1;
            }
            continue;
        }
        if !entry.is_file() {
            return Err(unsafe_entry(
                &shown,
                "only regular files and directories are allowed",
            ));
        }
        if relative.as_os_str().is_empty() {
            return Err(unsafe_entry(&shown, "a file needs a name"));
        }
        let size = entry.size();
        done.bytes = done
            .bytes
            .checked_add(size)
            .filter(|total| *total <= limit)
            .ok_or(Error::TooLarge { limit })?;
        let executable = entry.unix_mode().is_some_and(|mode| mode & 0o111 != 0);
        if let Some(parent) = target.parent() {
            create_dirs(parent)?;
        }
        let write_error = |source| Error::Write {
            path: target.clone(),
            source,
        };
        let mut file = match OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&target)
        {
            Ok(file) => file,
            Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {
                return Err(unsafe_entry(&shown, "the same path appears twice"));
            }
            Err(error) => return Err(write_error(error)),
        };
        // The reader checks the CRC at the end: a corrupt entry fails here.
        let copied = io::copy(&mut (&mut entry).take(size), &mut file)
            .map_err(|e| Error::Corrupt(e.to_string()))?;
        if copied != size {
            return Err(Error::Corrupt(format!(
                "`{shown}` declares {size} bytes but holds {copied}"
            )));
        }
        file.sync_all().map_err(write_error)?;
        set_mode(&file, if executable { 0o755 } else { 0o644 }).map_err(write_error)?;
        done.files += 1;
    }
    Ok(done)
}

fn unsafe_entry(path: &str, reason: &'static str) -> Error {
    Error::Unsafe {
        path: path.to_owned(),
        reason,
    }
}

fn refused_kind(kind: EntryType) -> &'static str {
    match kind {
        EntryType::Symlink => "symbolic links are not allowed",
        EntryType::Link => "hard links are not allowed",
        EntryType::Char | EntryType::Block => "device entries are not allowed",
        EntryType::Fifo => "named pipes are not allowed",
        _ => "only regular files and directories are allowed",
    }
}

/// The entry's path as a relative path of plain names, or why it is refused. `.` and empty
/// components (`a//b`, `dir/`) are dropped; everything that could climb out, start at a
/// root or mean something else on Windows is refused.
pub(crate) fn safe_relative(raw: &[u8]) -> std::result::Result<PathBuf, &'static str> {
    let text = std::str::from_utf8(raw).map_err(|_| "the path is not UTF-8")?;
    if text.starts_with('/') {
        return Err("absolute paths are not allowed");
    }
    if text.contains('\\') {
        return Err("backslashes are not allowed in paths");
    }
    if text.contains('\0') {
        return Err("NUL is not allowed in paths");
    }
    let mut path = PathBuf::new();
    for part in text.split('/') {
        match part {
            "" | "." => {}
            ".." => return Err("`..` is not allowed in paths"),
            // `C:` is a drive on Windows, and `name:stream` an alternate data stream.
            part if part.contains(':') => return Err("`:` is not allowed in paths"),
            part => path.push(part),
        }
    }
    Ok(path)
}

fn create_dirs(path: &Path) -> Result<()> {
    fs::create_dir_all(path).map_err(|source| Error::Write {
        path: path.to_owned(),
        source,
    })
}

#[cfg(unix)]
fn set_mode(file: &File, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    file.set_permissions(fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_file: &File, _mode: u32) -> io::Result<()> {
    // Windows has no executable bit: whether a file runs depends on its extension.
    Ok(())
}

#[cfg(test)]
mod tests;
