//! Installing a server in a sandbox the way a verified one is installed: a bundle and its
//! manifest, checked by `gatehouse install --bundle --manifest` against the signed catalog.
//! Tests that need a server with the catalog's facts must install one: a name given to
//! `servers add` is only a claim and borrows no facts (DESIGN.md "Server identity").

use std::io::Write as _;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::{Sandbox, workspace_root};

/// A bundle's files (path in the bundle, content) packed the same way every time.
pub fn bundle_bytes(files: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (path, content) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(content.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(0);
        header.set_uid(0);
        header.set_gid(0);
        header.set_cksum();
        if let Err(error) = builder.append_data(&mut header, path, content.as_slice()) {
            panic!("cannot pack `{path}`: {error}");
        }
    }
    let tar = match builder.into_inner() {
        Ok(tar) => tar,
        Err(error) => panic!("cannot pack the bundle: {error}"),
    };
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let packed = gz.write_all(&tar).and_then(|()| gz.finish());
    match packed {
        Ok(bytes) => bytes,
        Err(error) => panic!("cannot compress the bundle: {error}"),
    }
}

/// `sha256:<hex>` of `bytes`: what a catalog entry's `digest` must say for them.
pub fn digest_of(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// The fake MCP server of `fixtures/fake-server.mjs` as a bundle: its script, run by node,
/// declaring `FAKE_TOOL_DESCRIPTION_FILE` so its tool description can be changed.
pub fn fake_server_bundle() -> Vec<u8> {
    let script = workspace_root().join("tests/e2e/fixtures/fake-server.mjs");
    let content = match std::fs::read(&script) {
        Ok(content) => content,
        Err(error) => panic!("`{}` cannot be read: {error}", script.display()),
    };
    bundle_bytes(&[("server.mjs", content)])
}

/// The manifest of [`fake_server_bundle`] for package `name` at `version`.
pub fn fake_server_manifest(name: &str, version: &str) -> Vec<u8> {
    serde_json::json!({
        "package": {"id": name, "version": version},
        "entrypoints": [{"command": "node", "args": ["server.mjs"]}],
        "permissions": {"environment": ["FAKE_TOOL_DESCRIPTION_FILE"]},
    })
    .to_string()
    .into_bytes()
}

impl Sandbox {
    /// Writes `bundle` and `manifest` into the sandbox and runs `gatehouse install
    /// <package> --bundle … --manifest …`; returns (exit code, stdout, stderr).
    pub fn install_files(
        &self,
        package: &str,
        bundle: &[u8],
        manifest: &[u8],
    ) -> (i32, String, String) {
        let dir = self.path().join("to-install");
        let write = |name: &str, bytes: &[u8]| -> PathBuf {
            let path = dir.join(name);
            if let Err(error) =
                std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, bytes))
            {
                panic!("cannot write `{}`: {error}", path.display());
            }
            path
        };
        let bundle = write("bundle.tar.gz", bundle);
        let manifest = write("manifest.json", manifest);
        self.run(&[
            "install",
            package,
            "--bundle",
            path_text(&bundle),
            "--manifest",
            path_text(&manifest),
        ])
    }

    /// Installs the fake server as `name@version` (its id is `name`), asserting it worked.
    pub fn install_fake_server(&self, name: &str, version: &str) {
        let (code, _, err) = self.install_files(
            &format!("{name}@{version}"),
            &fake_server_bundle(),
            &fake_server_manifest(name, version),
        );
        assert_eq!(code, 0, "install of {name}@{version} failed: {err}");
    }
}

fn path_text(path: &Path) -> &str {
    match path.to_str() {
        Some(text) => text,
        None => panic!("`{}` is not text", path.display()),
    }
}
