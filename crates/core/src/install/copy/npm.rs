//! An npm package's verified copy: the certified tarball installed by npm itself into the
//! copy's folder (`node_modules/<name>/`, dependencies beside it), with install scripts
//! off (`--ignore-scripts`) and no links (`--no-bin-links`, so the tree holds only regular
//! files), then started as `node node_modules/<name>/<bin>`.

use std::ffi::OsStr;
use std::path::Path;

use serde_json::Value;

use super::{Entry, bad, run_tool, single_top};
use crate::context::Environment;
use crate::error::{Error, Result};
use crate::identity::tree;
use crate::sync::trees::Expected;

/// Installs the tarball at `tarball` (already checked) into `root`, and says how to run it.
pub(super) fn install(env: &Environment, tarball: &Path, root: &Path, name: &str) -> Result<Entry> {
    let args: Vec<&OsStr> = [
        "install",
        "--ignore-scripts",
        "--no-bin-links",
        "--omit=dev",
        "--no-audit",
        "--no-fund",
        "--no-save",
        "--no-package-lock",
        "--no-update-notifier",
        "--prefer-offline",
        "--loglevel=error",
        "--prefix",
    ]
    .iter()
    .map(OsStr::new)
    .chain([root.as_os_str(), tarball.as_os_str()])
    .collect();
    run_tool(env, "npm", &args, root, "npm")?;
    let package_dir = root.join("node_modules").join(name);
    let manifest = std::fs::read(package_dir.join("package.json")).map_err(|source| Error::Io {
        path: package_dir.join("package.json"),
        source,
    })?;
    let manifest: Value =
        serde_json::from_slice(&manifest).map_err(|_| bad("its package.json is not JSON"))?;
    let installed = manifest.get("name").and_then(Value::as_str);
    if installed.is_none_or(|installed| !installed.eq_ignore_ascii_case(name)) {
        return Err(bad(
            "the tarball is of another package than the catalog names",
        ));
    }
    let bin = bin_of(&manifest, name).ok_or_else(|| bad("the package has no program to run"))?;
    let script = Path::new("node_modules").join(name).join(bin);
    let script_path = root.join(&script);
    if !script_path.is_file() || !script_path.starts_with(&package_dir) {
        return Err(bad("the package's program is not a file in the package"));
    }
    Ok(Entry {
        interpreter: Some("node".to_owned()),
        flags: Vec::new(),
        script: script.to_string_lossy().into_owned(),
        args: Vec::new(),
        env_names: Vec::new(),
    })
}

/// The program of package `name`: its `bin` when it is one path, else the entry named as
/// the package (without scope), else the only one.
fn bin_of<'a>(manifest: &'a Value, name: &str) -> Option<&'a str> {
    let plain = |path: &'a str| {
        let path = path.trim_start_matches("./");
        let relative = Path::new(path);
        let ok = !path.is_empty()
            && relative
                .components()
                .all(|c| matches!(c, std::path::Component::Normal(_)));
        ok.then_some(path)
    };
    match manifest.get("bin")? {
        Value::String(path) => plain(path),
        Value::Object(bins) => {
            let unscoped = name.rsplit('/').next().unwrap_or(name);
            let chosen = bins
                .get(unscoped)
                .or_else(|| (bins.len() == 1).then(|| bins.values().next()).flatten())?;
            plain(chosen.as_str()?)
        }
        _ => None,
    }
}

/// The tarball's files, where the install put them: `node_modules/<name>/…`.
pub(super) fn artifact_files(tarball: &Path, root: &Path, name: &str) -> Result<Expected> {
    let file = std::fs::File::open(tarball).map_err(|source| Error::Io {
        path: tarball.to_owned(),
        source,
    })?;
    gatehouse_artifact::extract_tar_gz(
        std::io::BufReader::new(file),
        root,
        gatehouse_artifact::MAX_EXTRACTED_BYTES,
    )
    .map_err(crate::install::InstallError::Unpack)?;
    let top = single_top(root)?;
    let files = tree::record(&top).map_err(|source| Error::Io {
        path: top.clone(),
        source,
    })?;
    Ok(Expected {
        prefix: format!("node_modules/{name}/"),
        files,
        exact: false,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_program_is_the_bin_named_as_the_package_or_the_only_one() {
        let one = json!({"bin": "./dist/index.js"});
        assert_eq!(bin_of(&one, "@scope/x"), Some("dist/index.js"));
        let named = json!({"bin": {"other": "a.js", "server-x": "dist/x.js"}});
        assert_eq!(bin_of(&named, "@scope/server-x"), Some("dist/x.js"));
        let only = json!({"bin": {"mcp-server-everything": "dist/index.js"}});
        assert_eq!(
            bin_of(&only, "@modelcontextprotocol/server-everything"),
            Some("dist/index.js")
        );
        let two = json!({"bin": {"a": "a.js", "b": "b.js"}});
        assert_eq!(bin_of(&two, "c"), None, "ambiguous");
        let climbing = json!({"bin": "../../evil.js"});
        assert_eq!(bin_of(&climbing, "x"), None);
        assert_eq!(bin_of(&json!({}), "x"), None);
    }
}
