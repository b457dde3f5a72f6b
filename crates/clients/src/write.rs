//! Writing another app's file safely: only if it still holds the bytes the edit was based
//! on, atomically (temp file in the same directory, fsync, rename), with its permissions,
//! after a backup of the original.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Replaces `path`'s content `expected` by `new`. When the file no longer holds `expected`
/// (another program changed it after it was read), nothing is written and the result is
/// [`Error::Changed`]. The comparison is made again just before the rename, so only a
/// change in the last instant can slip through, as with any editor.
///
/// Before the first change of a file, its original is copied to `backup` (never
/// overwritten later, so it stays the state before Gatehouse touched the file).
pub fn replace(path: &Path, expected: &str, new: &str, backup: &Path) -> Result<()> {
    replace_with(path, expected, new, backup, || {})
}

/// [`replace`], with `backup_text` as the backup's content instead of `expected`: the
/// original with its secrets already replaced by their keyring references, so no backup
/// holds a value that was moved out of the file.
pub fn replace_backing_up(
    path: &Path,
    expected: &str,
    new: &str,
    backup: &Path,
    backup_text: &str,
) -> Result<()> {
    replace_inner(path, expected, new, (backup, backup_text), || {})
}

/// [`replace`] with a hook that runs right before the last comparison (tests use it to play
/// the other program).
pub fn replace_with(
    path: &Path,
    expected: &str,
    new: &str,
    backup: &Path,
    before_rename: impl FnOnce(),
) -> Result<()> {
    replace_inner(path, expected, new, (backup, expected), before_rename)
}

fn replace_inner(
    link: &Path,
    expected: &str,
    new: &str,
    (backup, backup_text): (&Path, &str),
    before_rename: impl FnOnce(),
) -> Result<()> {
    let io = |source| Error::Io {
        path: link.to_owned(),
        source,
    };
    // A config kept in a dotfiles folder and linked into place is edited where it lives:
    // replacing the link with a file would leave the real one unrouted and the link gone.
    let target = fs::canonicalize(link).map_err(io)?;
    let path = target.as_path();
    if !writable(path).map_err(io)? {
        return Err(Error::ReadOnly {
            path: link.to_owned(),
        });
    }
    let unchanged = || -> Result<()> {
        match fs::read(path) {
            Ok(now) if now == expected.as_bytes() => Ok(()),
            Ok(_) => Err(Error::Changed {
                path: path.to_owned(),
            }),
            Err(source) => Err(io(source)),
        }
    };
    unchanged()?;
    keep_backup(backup_text, backup)?;
    let permissions = fs::metadata(path).map_err(io)?.permissions();
    let dir = path.parent().unwrap_or(Path::new("."));
    let temp = temp_path(path);
    let written = (|| -> std::io::Result<()> {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        file.write_all(new.as_bytes())?;
        file.set_permissions(permissions)?;
        file.sync_all()
    })();
    if let Err(source) = written {
        let _ = fs::remove_file(&temp);
        return Err(io(source));
    }
    before_rename();
    if let Err(error) = unchanged() {
        let _ = fs::remove_file(&temp);
        return Err(error);
    }
    if let Err(source) = fs::rename(&temp, path) {
        let _ = fs::remove_file(&temp);
        return Err(io(source));
    }
    // The rename is durable only once the directory entry is on disk (not on Windows,
    // where a directory cannot be opened this way and the rename is already durable).
    if cfg!(unix) {
        File::open(dir).and_then(|d| d.sync_all()).map_err(io)?;
    }
    Ok(())
}

/// Whether this user may change `path` in place. A rename would replace even a read-only
/// file in a writable folder, so the file itself is asked: no write permission bit at all
/// (what `chmod a-w` means, even to root), or opening it for writing is refused.
fn writable(path: &Path) -> std::io::Result<bool> {
    if fs::metadata(path)?.permissions().readonly() {
        return Ok(false);
    }
    match OpenOptions::new().write(true).open(path) {
        Ok(_) => Ok(true),
        Err(error) if error.kind() == std::io::ErrorKind::PermissionDenied => Ok(false),
        Err(error) => Err(error),
    }
}

/// The temp file next to `path`: same directory (so the rename is atomic), hidden, unique
/// per process.
fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.gatehouse-{}.tmp", std::process::id()))
}

/// Copies the original to `backup` unless a backup is already there. Owner-only: the
/// original may hold secrets.
fn keep_backup(original: &str, backup: &Path) -> Result<()> {
    if backup.exists() {
        return Ok(());
    }
    let io = |source| Error::Io {
        path: backup.to_owned(),
        source,
    };
    if let Some(dir) = backup.parent() {
        fs::create_dir_all(dir).map_err(io)?;
    }
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(backup).map_err(io)?;
    file.write_all(original.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(io)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_after_reading_leaves_the_file_as_the_other_program_wrote_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mcp.json");
        let backup = dir.path().join("backup.json");
        fs::write(&path, "{\"a\": 1}").unwrap();
        let result = replace_with(&path, "{\"a\": 1}", "{\"a\": 2}", &backup, || {
            fs::write(&path, "{\"a\": 3}").unwrap();
        });
        assert!(matches!(result, Err(Error::Changed { .. })), "{result:?}");
        assert_eq!(fs::read_to_string(&path).unwrap(), "{\"a\": 3}");
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "the temp file is cleaned up");
    }

    #[cfg(unix)]
    #[test]
    fn permissions_are_kept_and_the_first_backup_is_never_overwritten() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mcp.json");
        let backup = dir.path().join("backups").join("mcp.json");
        fs::write(&path, "one").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        replace(&path, "one", "two", &backup).unwrap();
        replace(&path, "two", "three", &backup).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "three");
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640, "the app's file keeps its mode");
        assert_eq!(
            fs::read_to_string(&backup).unwrap(),
            "one",
            "the backup is the state before the first change"
        );
        let backup_mode = fs::metadata(&backup).unwrap().permissions().mode() & 0o777;
        assert_eq!(backup_mode, 0o600, "the backup may hold secrets");
    }

    #[cfg(unix)]
    #[test]
    fn a_linked_config_is_edited_where_it_lives_and_stays_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let dotfiles = dir.path().join("dotfiles");
        fs::create_dir_all(&dotfiles).unwrap();
        let real = dotfiles.join("mcp.json");
        fs::write(&real, "one").unwrap();
        let link = dir.path().join("mcp.json");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let backup = dir.path().join("backups").join("mcp.json");
        replace(&link, "one", "two", &backup).unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink(),
            "the link is still a link"
        );
        assert_eq!(
            fs::read_to_string(&real).unwrap(),
            "two",
            "the real file changed"
        );
        let strays: Vec<_> = fs::read_dir(&dotfiles).unwrap().collect();
        assert_eq!(strays.len(), 1, "no temp file is left beside it");
    }

    #[cfg(unix)]
    #[test]
    fn a_read_only_config_is_reported_and_left_alone() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mcp.json");
        fs::write(&path, "one").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o444)).unwrap();
        let backup = dir.path().join("backups").join("mcp.json");
        let error = replace(&path, "one", "two", &backup).unwrap_err();
        assert!(matches!(error, Error::ReadOnly { .. }), "{error}");
        assert!(error.to_string().contains("read-only"), "{error}");
        assert_eq!(fs::read_to_string(&path).unwrap(), "one");
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o444, "not replaced by a writable file");
        assert!(!backup.exists(), "nothing was started");
    }
}
