//! The files of a verified server: recorded once at install (every file with its size and
//! BLAKE3 hash, then made read-only), checked against that record before every spawn, and
//! the record itself re-checked against the kept artifact at every sync. A file changed,
//! added or removed, or one that cannot be read, is a modified tree: the server never runs
//! again until it is installed again.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

use gatehouse_store::TreeFile;

/// Files larger than this are hashed in parts while reading, never read whole.
const READ_CHUNK: usize = 64 * 1024;

/// How closely a tree is compared with its record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TreeCheck {
    /// Every file read and hashed: at a sync, and wherever the stamps are not trusted.
    Full,
    /// Before a spawn: every file present and of its size, and each file whose stamp
    /// (inode and change time, see [`TreeFile::stamp`]) is not the recorded one hashed.
    /// No write to a file leaves its change time as it was, so this sees every change a
    /// person without admin rights can make, at the cost of a `stat` per file.
    Launch,
    /// Every file's presence and size only: for views that list many servers. A change
    /// that keeps sizes is still caught by the next launch or sync.
    Quick,
}

/// Every regular file under `root`, sorted, each with its size and hash. A link or a
/// special file in the tree is an error: an installed tree never holds one, and it could
/// point the launcher at anything.
pub fn record(root: &Path) -> std::io::Result<Vec<TreeFile>> {
    let mut files = Vec::new();
    walk(root, root, &mut |relative, path, metadata| {
        files.push(TreeFile {
            path: relative,
            size: metadata.len(),
            hash: hash_file(path)?,
            stamp: None,
        });
        Ok(())
    })?;
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// Whether the files under `root` are exactly those of `recorded` (no file added, none
/// removed, each the same size and, for [`TreeCheck::Full`], the same hash).
pub fn matches(root: &Path, recorded: &[TreeFile], check: TreeCheck) -> bool {
    let expected: BTreeMap<&str, &TreeFile> = recorded
        .iter()
        .map(|file| (file.path.as_str(), file))
        .collect();
    let mut seen = 0usize;
    let walked = walk(root, root, &mut |relative, path, metadata| {
        let Some(file) = expected.get(relative.as_str()) else {
            return Err(std::io::Error::other("a file was added"));
        };
        if file.size != metadata.len() {
            return Err(std::io::Error::other("a file changed size"));
        }
        let hash = match check {
            TreeCheck::Quick => false,
            TreeCheck::Full => true,
            TreeCheck::Launch => file.stamp.is_none() || file.stamp != stamp_of(&metadata),
        };
        if hash && hash_file(path)? != file.hash {
            return Err(std::io::Error::other("a file changed"));
        }
        seen += 1;
        Ok(())
    });
    walked.is_ok() && seen == expected.len()
}

/// Sets each recorded file's stamp from the installed tree at `root`, once it is in place
/// and read-only (both change the times a stamp holds).
pub fn stamp(root: &Path, files: &mut [TreeFile]) -> std::io::Result<()> {
    for file in files {
        let metadata = std::fs::symlink_metadata(root.join(&file.path))?;
        file.stamp = stamp_of(&metadata);
    }
    Ok(())
}

#[cfg(unix)]
fn stamp_of(metadata: &std::fs::Metadata) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    Some(format!(
        "{}:{}:{}.{}:{}.{}",
        metadata.dev(),
        metadata.ino(),
        metadata.ctime(),
        metadata.ctime_nsec(),
        metadata.mtime(),
        metadata.mtime_nsec()
    ))
}

#[cfg(not(unix))]
fn stamp_of(_metadata: &std::fs::Metadata) -> Option<String> {
    // std gives no change time here: such files are hashed at every launch.
    None
}

/// The BLAKE3 hash of a file's bytes, hex.
pub fn hash_file(path: &Path) -> std::io::Result<String> {
    let mut file = File::open(path)?;
    let mut hasher = blake3::Hasher::new();
    let mut buffer = vec![0; READ_CHUNK];
    loop {
        let read = file.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
    }
    Ok(hasher.finalize().to_hex().to_string())
}

/// The BLAKE3 hash of `bytes`, hex: what [`hash_file`] gives for a file holding them.
#[cfg(test)]
pub fn hash_bytes(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex().to_string()
}

/// Makes every file and folder under `root` read-only (the folders too, so no file can be
/// added or replaced without first changing them back).
pub fn make_read_only(root: &Path) -> std::io::Result<()> {
    let mut dirs = vec![root.to_owned()];
    walk(root, root, &mut |_, path, metadata| {
        set_read_only(path, &metadata)?;
        Ok(())
    })?;
    collect_dirs(root, &mut dirs)?;
    // Deepest first, so a parent stays writable until its children are done.
    dirs.sort_by_key(|dir| std::cmp::Reverse(dir.components().count()));
    for dir in dirs {
        let metadata = std::fs::metadata(&dir)?;
        set_read_only(&dir, &metadata)?;
    }
    Ok(())
}

/// Makes a read-only tree writable again so it can be deleted (the files stay as they are).
pub fn make_writable(root: &Path) -> std::io::Result<()> {
    let mut dirs = vec![root.to_owned()];
    collect_dirs(root, &mut dirs)?;
    for dir in dirs {
        let mut permissions = std::fs::metadata(&dir)?.permissions();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            permissions.set_mode(permissions.mode() | 0o700);
        }
        #[cfg(not(unix))]
        #[expect(
            clippy::permissions_set_readonly_false,
            reason = "a tree being deleted"
        )]
        permissions.set_readonly(false);
        std::fs::set_permissions(&dir, permissions)?;
    }
    Ok(())
}

/// Deletes a tree made read-only by [`make_read_only`]. A missing tree is not an error.
pub fn remove(root: &Path) -> std::io::Result<()> {
    if !root.exists() {
        return Ok(());
    }
    make_writable(root)?;
    std::fs::remove_dir_all(root)
}

fn set_read_only(path: &Path, metadata: &std::fs::Metadata) -> std::io::Result<()> {
    let mut permissions = metadata.permissions();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        permissions.set_mode(permissions.mode() & !0o222);
    }
    #[cfg(not(unix))]
    permissions.set_readonly(true);
    std::fs::set_permissions(path, permissions)
}

fn collect_dirs(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            let path = entry.path();
            collect_dirs(&path, out)?;
            out.push(path);
        }
    }
    Ok(())
}

/// Calls `visit` for every regular file under `dir`, with its `/`-separated path relative
/// to `root`. Links and special files stop the walk with an error.
fn walk(
    root: &Path,
    dir: &Path,
    visit: &mut dyn FnMut(String, &Path, std::fs::Metadata) -> std::io::Result<()>,
) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let file_type = entry.file_type()?;
        if file_type.is_dir() {
            walk(root, &path, visit)?;
        } else if file_type.is_file() {
            let metadata = entry.metadata()?;
            visit(relative(root, &path)?, &path, metadata)?;
        } else {
            return Err(std::io::Error::other(format!(
                "`{}` is not a regular file",
                path.display()
            )));
        }
    }
    Ok(())
}

fn relative(root: &Path, path: &Path) -> std::io::Result<String> {
    let relative = path
        .strip_prefix(root)
        .map_err(|_| std::io::Error::other("a file outside the tree"))?;
    let parts: Option<Vec<&str>> = relative
        .components()
        .map(|component| match component {
            Component::Normal(part) => part.to_str(),
            _ => None,
        })
        .collect();
    parts
        .map(|parts| parts.join("/"))
        .ok_or_else(|| std::io::Error::other("a file name that is not text"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("tree");
        std::fs::create_dir_all(root.join("lib")).unwrap();
        std::fs::write(root.join("server.py"), "print('hello')\n").unwrap();
        std::fs::write(root.join("lib/util.py"), "X = 1\n").unwrap();
        (dir, root)
    }

    #[test]
    fn an_untouched_tree_matches_its_record_and_every_change_is_seen() {
        let (_dir, root) = tree();
        let recorded = record(&root).unwrap();
        assert_eq!(
            recorded.iter().map(|f| f.path.as_str()).collect::<Vec<_>>(),
            ["lib/util.py", "server.py"]
        );
        assert!(matches(&root, &recorded, TreeCheck::Full));

        // Same size, other bytes: only the full check sees it.
        std::fs::write(root.join("server.py"), "print('HELLO')\n").unwrap();
        assert!(
            !matches(&root, &recorded, TreeCheck::Full),
            "an edited file"
        );
        assert!(matches(&root, &recorded, TreeCheck::Quick), "sizes kept");
        std::fs::write(root.join("server.py"), "print('hello')\n").unwrap();

        std::fs::write(root.join("extra.py"), "").unwrap();
        assert!(
            !matches(&root, &recorded, TreeCheck::Quick),
            "an added file"
        );
        std::fs::remove_file(root.join("extra.py")).unwrap();
        std::fs::remove_file(root.join("lib/util.py")).unwrap();
        assert!(
            !matches(&root, &recorded, TreeCheck::Quick),
            "a removed file"
        );
        assert!(
            !matches(&dir_missing(&root), &recorded, TreeCheck::Quick),
            "a tree that is gone"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_launch_trusts_a_stamp_only_while_the_file_is_untouched() {
        let (_dir, root) = tree();
        let mut recorded = record(&root).unwrap();
        make_read_only(&root).unwrap();
        stamp(&root, &mut recorded).unwrap();
        assert!(recorded.iter().all(|file| file.stamp.is_some()));
        assert!(matches(&root, &recorded, TreeCheck::Launch));

        // Same size, other bytes, written after the stamp: its change time moved, so the
        // launch hashes it and sees the edit.
        make_writable(&root).unwrap();
        let file = root.join("server.py");
        let mut permissions = std::fs::metadata(&file).unwrap().permissions();
        #[allow(clippy::permissions_set_readonly_false, reason = "the edit under test")]
        permissions.set_readonly(false);
        std::fs::set_permissions(&file, permissions).unwrap();
        std::fs::write(&file, "print('HELLO')\n").unwrap();
        assert!(!matches(&root, &recorded, TreeCheck::Launch));

        // Put back byte for byte: the stamp no longer fits, but the hash does.
        std::fs::write(&file, "print('hello')\n").unwrap();
        assert!(matches(&root, &recorded, TreeCheck::Launch));

        // A forged stamp cannot vouch for an edit: the hash still decides when it differs,
        // and a stamp equal to the file's own needs its change time, which a write moves.
        recorded[1].stamp = Some("forged".to_owned());
        std::fs::write(&file, "print('HELLO')\n").unwrap();
        assert!(!matches(&root, &recorded, TreeCheck::Launch));
    }

    fn dir_missing(root: &Path) -> PathBuf {
        root.join("nowhere")
    }

    #[cfg(unix)]
    #[test]
    fn a_link_in_the_tree_is_refused() {
        let (_dir, root) = tree();
        std::os::unix::fs::symlink("/etc/passwd", root.join("link")).unwrap();
        assert!(record(&root).is_err(), "a tree never records a link");
    }

    #[cfg(unix)]
    #[test]
    fn a_read_only_tree_refuses_changes_until_made_writable() {
        let (_dir, root) = tree();
        make_read_only(&root).unwrap();
        let mode = |path: &Path| {
            use std::os::unix::fs::PermissionsExt;
            std::fs::metadata(path).unwrap().permissions().mode() & 0o222
        };
        assert_eq!(mode(&root.join("server.py")), 0, "files are read-only");
        assert_eq!(mode(&root.join("lib")), 0, "so are folders");
        remove(&root).unwrap();
        assert!(!root.exists(), "and the tree can still be removed");
    }

    #[test]
    fn file_and_byte_hashes_agree() {
        let (_dir, root) = tree();
        assert_eq!(
            hash_file(&root.join("server.py")).unwrap(),
            hash_bytes(b"print('hello')\n")
        );
    }
}
