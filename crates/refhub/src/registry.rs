//! The registry of HUB_API.md section A, served from `<dir>/registry/`: one folder per
//! package name and version, read again on every request.
//!
//! ```text
//! <dir>/registry/<name>/<version>/
//!   manifest.json      served byte for byte; its SHA-256 is the manifest digest
//!   bundle.tar.gz      served byte for byte, or else:
//!   bundle/            a source folder, packed into a deterministic tar.gz (sorted paths,
//!                      times and owners zeroed, modes 0755 for executables and dirs, else
//!                      0644), so its digest is stable across runs and machines
//!   meta.yaml          optional: status, origin, certification_level, git_sha; each
//!                      absent key is taken from the catalog entry of `@<org>/<name>` at
//!                      that version, else published / community / none
//! ```
//!
//! `latest` resolves to the highest version (numeric parts compared as numbers) whose status
//! is neither revoked nor quarantined; `sha256:<hex>` to the version whose bundle or
//! manifest has that digest.

use std::cmp::Ordering;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::GzBuilder;
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::catalog::CatalogEntry;

/// The folder under the org directory.
pub const REGISTRY_DIR: &str = "registry";

/// One published version.
#[derive(Debug, Clone)]
pub struct Artifact {
    pub name: String,
    pub version: String,
    pub manifest: Vec<u8>,
    pub bundle: Vec<u8>,
    pub status: String,
    pub origin: String,
    pub certification_level: Option<u8>,
    pub git_sha: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Meta {
    status: Option<String>,
    origin: Option<String>,
    certification_level: Option<u8>,
    git_sha: Option<String>,
}

impl Artifact {
    pub fn manifest_digest(&self) -> String {
        digest(&self.manifest)
    }

    pub fn bundle_digest(&self) -> String {
        digest(&self.bundle)
    }

    /// The resolve answer for this version, asked for as `reference`.
    pub fn resolve_answer(&self, org: &str, reference: &str) -> Value {
        json!({
            "package": format!("{org}/{}", self.name),
            "ref": reference,
            "origin": self.origin,
            "resolved": {
                "version": self.version,
                "git_sha": self.git_sha,
                "status": self.status,
                "certification_level": self.certification_level,
                "manifest": {"digest": self.manifest_digest()},
                "bundle": {"digest": self.bundle_digest(), "size_bytes": self.bundle.len()},
            }
        })
    }
}

fn digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// Every version of package `name` in `dir` (the org directory). A name that is not a
/// plain folder name has none.
pub fn versions(
    dir: &Path,
    org: &str,
    name: &str,
    catalog: &[CatalogEntry],
) -> Result<Vec<Artifact>, String> {
    if !plain(name) {
        return Ok(Vec::new());
    }
    let package_dir = dir.join(REGISTRY_DIR).join(name);
    let Ok(entries) = fs::read_dir(&package_dir) else {
        return Ok(Vec::new());
    };
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| e.to_string())?;
        let Some(version) = entry.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        if !entry.path().is_dir() || !plain(&version) {
            continue;
        }
        found.push(load(&entry.path(), org, name, &version, catalog)?);
    }
    Ok(found)
}

/// Every version of every package, for finding an artifact by digest.
pub fn all(dir: &Path, org: &str, catalog: &[CatalogEntry]) -> Result<Vec<Artifact>, String> {
    let Ok(entries) = fs::read_dir(dir.join(REGISTRY_DIR)) else {
        return Ok(Vec::new());
    };
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| e.to_string())?;
        if let Some(name) = entry.file_name().to_str() {
            found.extend(versions(dir, org, name, catalog)?);
        }
    }
    Ok(found)
}

/// The version `reference` names among `versions`.
pub fn pick<'a>(versions: &'a [Artifact], reference: &str) -> Option<&'a Artifact> {
    if reference == "latest" {
        return versions
            .iter()
            .filter(|a| !matches!(a.status.as_str(), "revoked" | "quarantined"))
            .max_by(|a, b| compare_versions(&a.version, &b.version));
    }
    if reference.starts_with("sha256:") {
        let wanted = reference.to_ascii_lowercase();
        return versions
            .iter()
            .find(|a| a.bundle_digest() == wanted || a.manifest_digest() == wanted);
    }
    versions.iter().find(|a| a.version == reference)
}

fn compare_versions(a: &str, b: &str) -> Ordering {
    let parts = |v: &str| -> Vec<(u64, String)> {
        v.split(['.', '-', '+'])
            .map(|p| (p.parse().unwrap_or(0), p.to_owned()))
            .collect()
    };
    parts(a).cmp(&parts(b))
}

fn plain(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+'))
}

fn load(
    path: &Path,
    org: &str,
    name: &str,
    version: &str,
    catalog: &[CatalogEntry],
) -> Result<Artifact, String> {
    let read = |file: &str| {
        fs::read(path.join(file)).map_err(|e| format!("`{}`: {e}", path.join(file).display()))
    };
    let manifest = read("manifest.json")?;
    let bundle = if path.join("bundle.tar.gz").is_file() {
        read("bundle.tar.gz")?
    } else {
        pack(&path.join("bundle"))?
    };
    let meta: Meta = match fs::read_to_string(path.join("meta.yaml")) {
        Ok(text) if !text.trim().is_empty() => serde_norway::from_str(&text)
            .map_err(|e| format!("`{}`: {e}", path.join("meta.yaml").display()))?,
        _ => Meta::default(),
    };
    let full = format!("@{org}/{name}");
    let listed = catalog.iter().find(|entry| {
        entry
            .name
            .trim_start_matches('@')
            .eq_ignore_ascii_case(&full[1..])
            && entry.version == version
    });
    Ok(Artifact {
        name: name.to_owned(),
        version: version.to_owned(),
        manifest,
        bundle,
        status: meta
            .status
            .or_else(|| listed.and_then(|e| e.status.clone()))
            .unwrap_or_else(|| "published".to_owned()),
        origin: meta
            .origin
            .or_else(|| listed.and_then(|e| e.origin.clone()))
            .unwrap_or_else(|| "community".to_owned()),
        certification_level: meta
            .certification_level
            .or_else(|| listed.and_then(|e| e.cert_level)),
        git_sha: meta.git_sha,
    })
}

/// Packs `source` into a tar.gz whose bytes depend only on the files' paths, contents and
/// executable bits.
pub fn pack(source: &Path) -> Result<Vec<u8>, String> {
    let mut files = Vec::new();
    walk(source, Path::new(""), &mut files)?;
    files.sort();
    let encoder = GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), Compression::best());
    let mut builder = tar::Builder::new(encoder);
    builder.mode(tar::HeaderMode::Deterministic);
    for relative in files {
        let full = source.join(&relative);
        let mut header = tar::Header::new_gnu();
        if full.is_dir() {
            header.set_entry_type(tar::EntryType::Directory);
            header.set_mode(0o755);
            header.set_size(0);
            header.set_mtime(0);
            builder
                .append_data(&mut header, &relative, std::io::empty())
                .map_err(|e| e.to_string())?;
            continue;
        }
        let data = fs::read(&full).map_err(|e| format!("`{}`: {e}", full.display()))?;
        header.set_entry_type(tar::EntryType::Regular);
        header.set_mode(if executable(&full) { 0o755 } else { 0o644 });
        header.set_size(data.len() as u64);
        header.set_mtime(0);
        builder
            .append_data(&mut header, &relative, data.as_slice())
            .map_err(|e| e.to_string())?;
    }
    let mut encoder = builder.into_inner().map_err(|e| e.to_string())?;
    encoder.flush().map_err(|e| e.to_string())?;
    encoder.finish().map_err(|e| e.to_string())
}

fn walk(root: &Path, relative: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let dir = root.join(relative);
    let entries = fs::read_dir(&dir).map_err(|e| format!("`{}`: {e}", dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| e.to_string())?;
        let path = relative.join(entry.file_name());
        let kind = entry.file_type().map_err(|e| e.to_string())?;
        if kind.is_dir() {
            out.push(path.clone());
            walk(root, &path, out)?;
        } else if kind.is_file() {
            out.push(path);
        }
    }
    Ok(())
}

#[cfg(unix)]
fn executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn executable(_path: &Path) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packing_is_deterministic_and_keeps_the_executable_bit() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("bin")).unwrap();
        fs::write(dir.path().join("bin/run"), "#!/bin/sh\n").unwrap();
        fs::write(dir.path().join("README"), "hi").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            fs::set_permissions(
                dir.path().join("bin/run"),
                fs::Permissions::from_mode(0o700),
            )
            .unwrap();
        }
        let first = pack(dir.path()).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        fs::write(dir.path().join("README"), "hi").unwrap(); // a new mtime, same bytes
        assert_eq!(first, pack(dir.path()).unwrap(), "same files, same bytes");
        let out = tempfile::tempdir().unwrap();
        let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(first.as_slice()));
        let modes: Vec<(String, u32)> = archive
            .entries()
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (
                    e.path().unwrap().display().to_string(),
                    e.header().mode().unwrap(),
                )
            })
            .collect();
        drop(out);
        assert_eq!(
            modes,
            [
                ("README".to_owned(), 0o644),
                ("bin".to_owned(), 0o755),
                ("bin/run".to_owned(), 0o755)
            ]
        );
    }

    #[test]
    fn latest_skips_revoked_versions_and_compares_numbers() {
        let artifact = |version: &str, status: &str| Artifact {
            name: "x".into(),
            version: version.into(),
            manifest: Vec::new(),
            bundle: version.as_bytes().to_vec(),
            status: status.into(),
            origin: "community".into(),
            certification_level: None,
            git_sha: None,
        };
        let versions = [
            artifact("1.9.0", "published"),
            artifact("1.10.0", "published"),
            artifact("2.0.0", "revoked"),
        ];
        assert_eq!(pick(&versions, "latest").unwrap().version, "1.10.0");
        assert_eq!(pick(&versions, "2.0.0").unwrap().status, "revoked");
        let digest = versions[0].bundle_digest();
        assert_eq!(pick(&versions, &digest).unwrap().version, "1.9.0");
    }
}
