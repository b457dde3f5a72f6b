//! A server's stderr log, bounded on disk (DESIGN.md "Logs"). When the file would grow past
//! [`MAX_BYTES`] it becomes `.1` (the older `.1` becomes `.2`, and the oldest is dropped),
//! so a server keeps at most `MAX_BYTES * (KEPT + 1)` of log however much it writes: a
//! server flooding stderr must not fill the person's disk.
//!
//! Two launches of one server append to the same file. Each checks, before it rotates,
//! that the file it holds is still the one at the path; when another launch rotated first,
//! it moves to the new file instead of rotating again (which would drop a file early).

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The largest a server's log grows before it is rotated.
pub const MAX_BYTES: u64 = 1024 * 1024;
/// How many rotated files are kept beside the current one.
pub const KEPT: u32 = 2;

pub(crate) struct BoundedLog {
    path: PathBuf,
    max: u64,
    kept: u32,
    file: File,
    /// The file's length, as far as this launch knows.
    len: u64,
}

impl BoundedLog {
    pub(crate) fn open(path: &Path) -> io::Result<Self> {
        Self::with_bounds(path, MAX_BYTES, KEPT)
    }

    pub(crate) fn with_bounds(path: &Path, max: u64, kept: u32) -> io::Result<Self> {
        let file = open(path)?;
        let len = file.metadata()?.len();
        Ok(Self {
            path: path.to_owned(),
            max,
            kept,
            file,
            len,
        })
    }

    pub(crate) fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        let len = bytes.len() as u64;
        if self.len > 0 && self.len.saturating_add(len) > self.max {
            self.rotate()?;
        }
        // A single write larger than the bound keeps its end: the last words count most.
        let start = bytes
            .len()
            .saturating_sub(usize::try_from(self.max).unwrap_or(usize::MAX));
        self.file.write_all(&bytes[start..])?;
        self.len = self.len.saturating_add(len - start as u64);
        Ok(())
    }

    fn rotate(&mut self) -> io::Result<()> {
        if !self.holds_current_file() {
            self.file = open(&self.path)?;
            self.len = self.file.metadata()?.len();
            if self.len < self.max {
                return Ok(());
            }
        }
        for n in (1..self.kept).rev() {
            rename_if_there(&self.numbered(n), &self.numbered(n + 1))?;
        }
        if self.kept == 0 {
            std::fs::remove_file(&self.path).or_else(ignore_missing)?;
        } else {
            rename_if_there(&self.path, &self.numbered(1))?;
        }
        self.file = open(&self.path)?;
        self.len = 0;
        Ok(())
    }

    fn numbered(&self, n: u32) -> PathBuf {
        let mut name = self.path.clone().into_os_string();
        name.push(format!(".{n}"));
        PathBuf::from(name)
    }

    #[cfg(unix)]
    fn holds_current_file(&self) -> bool {
        use std::os::unix::fs::MetadataExt;
        match (self.file.metadata(), std::fs::metadata(&self.path)) {
            (Ok(held), Ok(there)) => held.dev() == there.dev() && held.ino() == there.ino(),
            _ => false,
        }
    }

    #[cfg(not(unix))]
    fn holds_current_file(&self) -> bool {
        self.path.exists()
    }
}

fn open(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

fn rename_if_there(from: &Path, to: &Path) -> io::Result<()> {
    std::fs::rename(from, to).or_else(ignore_missing)
}

fn ignore_missing(error: io::Error) -> io::Result<()> {
    if error.kind() == io::ErrorKind::NotFound {
        Ok(())
    } else {
        Err(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sizes(dir: &Path) -> Vec<(String, u64)> {
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|entry| {
                let entry = entry.unwrap();
                let name = entry.file_name().to_string_lossy().into_owned();
                (name, entry.metadata().unwrap().len())
            })
            .collect();
        files.sort();
        files
    }

    #[test]
    fn a_flood_keeps_at_most_the_bound_and_the_newest_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.log");
        let mut log = BoundedLog::with_bounds(&path, 100, 2).unwrap();
        for i in 0..1000 {
            log.write(format!("line {i:04}\n").as_bytes()).unwrap();
        }
        let files = sizes(dir.path());
        let names: Vec<&str> = files.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, ["s.log", "s.log.1", "s.log.2"]);
        assert!(files.iter().all(|(_, len)| *len <= 100), "{files:?}");
        let current = std::fs::read_to_string(&path).unwrap();
        assert!(current.ends_with("line 0999\n"), "{current}");
        let older = std::fs::read_to_string(dir.path().join("s.log.1")).unwrap();
        assert!(older.ends_with(&format!("line {:04}\n", 999 - current.lines().count())));
    }

    #[test]
    fn one_write_larger_than_the_bound_keeps_its_end() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.log");
        let mut log = BoundedLog::with_bounds(&path, 10, 1).unwrap();
        log.write(b"0123456789abcdef").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"6789abcdef");
    }

    #[test]
    fn a_second_launch_that_rotated_first_is_followed_not_rotated_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.log");
        let mut first = BoundedLog::with_bounds(&path, 10, 2).unwrap();
        let mut second = BoundedLog::with_bounds(&path, 10, 2).unwrap();
        first.write(b"aaaaaaaa").unwrap();
        second.write(b"bb").unwrap(); // 10 bytes now: full
        second.len = 10;
        first.len = 10;
        second.write(b"cc").unwrap(); // rotates: s.log.1 = aaaaaaaabb
        first.write(b"dd").unwrap(); // the file it held moved away: it follows
        assert_eq!(std::fs::read(&path).unwrap(), b"ccdd");
        assert_eq!(
            std::fs::read(dir.path().join("s.log.1")).unwrap(),
            b"aaaaaaaabb"
        );
        assert!(!dir.path().join("s.log.2").exists());
    }

    #[cfg(unix)]
    #[test]
    fn the_log_is_the_owners_alone() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.log");
        BoundedLog::open(&path).unwrap().write(b"x").unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
