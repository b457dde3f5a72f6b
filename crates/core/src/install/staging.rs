//! Where installed bundles live: `<data dir>/bundles/<sha256 hex>/`, content-addressed, so
//! servers installed from the same bundle share one folder. A bundle is downloaded and
//! unpacked inside a `.partial-<uuid>` folder next to them and renamed into place only when
//! it is complete and checked; that folder is removed on every failure (and on drop), so a
//! failed install leaves nothing behind.

use std::fs::{self, File};
use std::io::{BufReader, Seek as _, SeekFrom};
use std::path::{Path, PathBuf};

use gatehouse_hub::ArtifactDigest;
use uuid::Uuid;

use crate::error::{Error, Result};

/// The folder holding every installed bundle.
pub fn bundles_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("bundles")
}

/// The folder holding the downloaded artifacts of verified installs, kept so each sync can
/// check the record of the installed files against the very bytes the catalog certified.
pub fn artifacts_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("artifacts")
}

/// The folder of the installed bundle with `digest` (`sha256:<hex>`), if it is a digest.
pub fn bundle_dir(data_dir: &Path, digest: &str) -> Option<PathBuf> {
    ArtifactDigest::parse(digest).map(|digest| bundles_dir(data_dir).join(digest.hex()))
}

/// A partial install: removed with everything in it when dropped.
#[derive(Debug)]
pub struct Staging {
    dir: PathBuf,
}

impl Staging {
    /// Makes a new `.partial-<uuid>` folder under `bundles`.
    pub fn new(bundles: &Path) -> Result<Staging> {
        let dir = bundles.join(format!(".partial-{}", Uuid::new_v4()));
        fs::create_dir_all(&dir).map_err(|source| Error::Io {
            path: dir.clone(),
            source,
        })?;
        Ok(Staging { dir })
    }

    /// The file the bundle is downloaded into.
    pub fn archive_file(&self) -> Result<(File, PathBuf)> {
        let path = self.archive_path();
        let file = File::options()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|source| Error::Io {
                path: path.clone(),
                source,
            })?;
        Ok((file, path))
    }

    /// Where [`Self::archive_file`] puts the downloaded archive.
    pub fn archive_path(&self) -> PathBuf {
        self.dir.join("bundle.tar.gz")
    }

    /// Makes the empty folder `<staging>/root` for an install to fill.
    pub fn root(&self) -> Result<PathBuf> {
        let root = self.dir.join("root");
        fs::create_dir(&root).map_err(|source| Error::Io {
            path: root.clone(),
            source,
        })?;
        Ok(root)
    }

    /// Unpacks the downloaded archive into `<staging>/root`.
    pub fn unpack(&self, mut archive: File) -> Result<PathBuf> {
        let root = self.dir.join("root");
        let io = |source| Error::Io {
            path: root.clone(),
            source,
        };
        fs::create_dir(&root).map_err(io)?;
        archive.seek(SeekFrom::Start(0)).map_err(io)?;
        gatehouse_artifact::extract_tar_gz(
            BufReader::new(archive),
            &root,
            gatehouse_artifact::MAX_EXTRACTED_BYTES,
        )
        .map_err(crate::install::InstallError::Unpack)?;
        Ok(root)
    }

    /// Keeps the downloaded archive as `<artifacts>/<sha256 hex>.tar.gz` (already kept for
    /// another server: left as it is) and returns where it is.
    pub fn keep_archive(&self, artifacts: &Path, hex: &str) -> Result<PathBuf> {
        let io = |path: &Path, source| Error::Io {
            path: path.to_owned(),
            source,
        };
        fs::create_dir_all(artifacts).map_err(|source| io(artifacts, source))?;
        let kept = artifacts.join(format!("{hex}.tar.gz"));
        if !kept.is_file() {
            let archive = self.dir.join("bundle.tar.gz");
            fs::rename(&archive, &kept).map_err(|source| io(&kept, source))?;
        }
        Ok(kept)
    }

    /// Moves the unpacked `root` to `target`. `Ok(true)` when it was moved there; `Ok(false)`
    /// when `target` already existed (the same bundle, installed for another server) and
    /// was kept.
    pub fn commit(&self, root: &Path, target: &Path) -> Result<bool> {
        match fs::rename(root, target) {
            Ok(()) => Ok(true),
            // A non-empty folder at the target: renaming a folder onto it fails.
            Err(_) if target.is_dir() => Ok(false),
            Err(source) => Err(Error::Io {
                path: target.to_owned(),
                source,
            }),
        }
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        // Nothing useful can be done about a failure here; the folder's name marks it as
        // partial, so it is never mistaken for an installed bundle.
        let _ = fs::remove_dir_all(&self.dir);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dropped_staging_folder_leaves_nothing() {
        let data = tempfile::tempdir().unwrap();
        let bundles = bundles_dir(data.path());
        {
            let staging = Staging::new(&bundles).unwrap();
            let (_file, path) = staging.archive_file().unwrap();
            assert!(path.exists());
        }
        assert_eq!(
            fs::read_dir(&bundles).unwrap().count(),
            0,
            "the partial folder is gone"
        );
    }

    #[test]
    fn bundle_folders_are_named_by_the_digest_hex() {
        let hex = "0f".repeat(32);
        assert_eq!(
            bundle_dir(Path::new("/data"), &format!("sha256:{hex}")),
            Some(Path::new("/data/bundles").join(&hex))
        );
        assert_eq!(bundle_dir(Path::new("/data"), "sha256:../../etc"), None);
    }
}
