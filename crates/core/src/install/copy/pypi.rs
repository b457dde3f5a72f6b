//! A PyPI package's verified copy: the certified wheel installed by pip into the copy's
//! `lib/` folder, dependencies beside it. Only wheels are installed (`--only-binary
//! :all:`, for the dependencies too): a source archive runs its own build code. Nothing is
//! compiled to bytecode (a `.pyc` written later would be a file the record does not
//! know), and the server starts as `python3 -I -B gatehouse-entry.py`: isolated from the
//! person's `PYTHON*` variables and user site, writing no bytecode, calling the package's
//! console script from `lib/`.

use std::ffi::OsStr;
use std::path::Path;

use super::{Entry, bad, run_tool};
use crate::context::Environment;
use crate::error::{Error, Result};
use crate::identity::tree;
use crate::sync::trees::Expected;

/// The script Gatehouse writes into the copy's folder.
const ENTRY: &str = "gatehouse-entry.py";

/// Installs the wheel at `downloaded` (already checked; the registry called it
/// `file_name`) into `root/lib`, and says how to run it.
pub(super) fn install(
    env: &Environment,
    downloaded: &Path,
    file_name: &str,
    root: &Path,
    project: &str,
) -> Result<Entry> {
    if file_name.contains(['/', '\\']) || !file_name.ends_with(".whl") {
        return Err(bad("the file is not a wheel"));
    }
    // pip reads a wheel's tags from its file name, so it gets the registry's name.
    let staging = root
        .parent()
        .ok_or_else(|| bad("the install folder has no parent"))?;
    let wheels = staging.join("wheel");
    let wheel = wheels.join(file_name);
    std::fs::create_dir_all(&wheels)
        .and_then(|()| std::fs::copy(downloaded, &wheel).map(|_| ()))
        .map_err(|source| Error::Io {
            path: wheel.clone(),
            source,
        })?;
    let lib = root.join("lib");
    let args: Vec<&OsStr> = [
        "-m",
        "pip",
        "install",
        "--no-compile",
        "--only-binary",
        ":all:",
        "--no-warn-script-location",
        "--disable-pip-version-check",
        "--no-input",
        "--quiet",
        "--target",
    ]
    .iter()
    .map(OsStr::new)
    .chain([lib.as_os_str(), wheel.as_os_str()])
    .collect();
    run_tool(env, "python3", &args, root, "pip")?;
    let (module, attr, script) = console_script(&lib, project)?;
    std::fs::write(
        root.join(ENTRY),
        entry_script(project, &script, &module, &attr),
    )
    .map_err(|source| Error::Io {
        path: root.join(ENTRY),
        source,
    })?;
    Ok(Entry {
        interpreter: Some("python3".to_owned()),
        flags: vec!["-I".to_owned(), "-B".to_owned()],
        script: ENTRY.to_owned(),
        args: Vec::new(),
        env_names: Vec::new(),
    })
}

/// The project's console script in its installed `*.dist-info/entry_points.txt`: (module,
/// attribute, script name). The one named as the project, else the only one.
fn console_script(lib: &Path, project: &str) -> Result<(String, String, String)> {
    let wanted = gatehouse_hub::pep503(project);
    let io = |source| Error::Io {
        path: lib.to_owned(),
        source,
    };
    let mut dist_info = None;
    for entry in std::fs::read_dir(lib).map_err(io)? {
        let entry = entry.map_err(io)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(stem) = name.strip_suffix(".dist-info")
            && gatehouse_hub::pep503(stem.split('-').next().unwrap_or(stem)) == wanted
        {
            dist_info = Some(entry.path());
        }
    }
    let dist_info =
        dist_info.ok_or_else(|| bad("pip installed another project than the catalog names"))?;
    let text = std::fs::read_to_string(dist_info.join("entry_points.txt"))
        .map_err(|_| bad("the package has no program to run (no console script)"))?;
    let scripts = parse_console_scripts(&text);
    let chosen = scripts
        .iter()
        .find(|(name, _)| gatehouse_hub::pep503(name) == wanted)
        .or_else(|| (scripts.len() == 1).then(|| &scripts[0]))
        .ok_or_else(|| bad("the package has several programs and none is named as it"))?;
    let (name, target) = chosen;
    let (module, attr) = target
        .split_once(':')
        .ok_or_else(|| bad("its console script names no function"))?;
    let attr = attr.split('[').next().unwrap_or(attr).trim();
    let dotted = |text: &str| {
        !text.is_empty()
            && text.split('.').all(|part| {
                !part.is_empty()
                    && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    && !part.starts_with(|c: char| c.is_ascii_digit())
            })
    };
    if !dotted(module.trim()) || !dotted(attr) {
        return Err(bad("its console script is not `module:function`"));
    }
    Ok((module.trim().to_owned(), attr.to_owned(), name.clone()))
}

/// `[console_scripts]` of an `entry_points.txt`, as (name, `module:attr`).
fn parse_console_scripts(text: &str) -> Vec<(String, String)> {
    let mut in_section = false;
    let mut scripts = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_section = line == "[console_scripts]";
            continue;
        }
        if !in_section || line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some((name, target)) = line.split_once('=') {
            scripts.push((name.trim().to_owned(), target.trim().to_owned()));
        }
    }
    scripts
}

/// The script that starts the console script `name` = `module:attr` from `lib/`. Names
/// were checked to be dotted identifiers, so they are safe inside the string literals.
fn entry_script(project: &str, name: &str, module: &str, attr: &str) -> String {
    let quoted = |text: &str| serde_json::Value::String(text.to_owned()).to_string();
    format!(
        "# Written by Gatehouse: runs {project}'s console script {name} from this verified copy.\n\
         import importlib, os, sys\n\
         sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), \"lib\"))\n\
         sys.argv[0] = {}\n\
         target = importlib.import_module({})\n\
         for part in {}.split(\".\"):\n    target = getattr(target, part)\n\
         sys.exit(target())\n",
        quoted(name),
        quoted(module),
        quoted(attr),
    )
}

/// The wheel's files, where pip put them: `lib/…`, without the parts pip rewrites (the
/// `RECORD`) or moves elsewhere (`*.data/`).
pub(super) fn artifact_files(wheel: &Path, root: &Path) -> Result<Expected> {
    let file = std::fs::File::open(wheel).map_err(|source| Error::Io {
        path: wheel.to_owned(),
        source,
    })?;
    gatehouse_artifact::extract_zip(
        std::io::BufReader::new(file),
        root,
        gatehouse_artifact::MAX_EXTRACTED_BYTES,
    )
    .map_err(crate::install::InstallError::Unpack)?;
    let files = tree::record(root)
        .map_err(|source| Error::Io {
            path: root.to_owned(),
            source,
        })?
        .into_iter()
        .filter(|file| {
            let mut parts = file.path.split('/');
            let top = parts.next().unwrap_or_default();
            let rewritten = top.ends_with(".dist-info") && file.path.ends_with("/RECORD");
            !rewritten && !top.ends_with(".data")
        })
        .collect();
    Ok(Expected {
        prefix: "lib/".to_owned(),
        files,
        exact: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn console_scripts_are_read_from_their_section_only() {
        let text = "[gui_scripts]\nui = pkg.ui:main\n\n[console_scripts]\nmcp-server-time = mcp_server_time:main\n# note\nother=pkg.cli:Cli.run [extra]\n";
        assert_eq!(
            parse_console_scripts(text),
            vec![
                (
                    "mcp-server-time".to_owned(),
                    "mcp_server_time:main".to_owned()
                ),
                ("other".to_owned(), "pkg.cli:Cli.run [extra]".to_owned()),
            ]
        );
    }

    #[test]
    fn the_entry_script_quotes_what_it_names() {
        let script = entry_script(
            "mcp-server-time",
            "mcp-server-time",
            "mcp_server_time",
            "main",
        );
        assert!(script.contains("importlib.import_module(\"mcp_server_time\")"));
        assert!(script.contains("sys.argv[0] = \"mcp-server-time\""));
    }

    #[test]
    fn a_console_script_that_is_not_module_function_is_refused() {
        let lib = tempfile::tempdir().unwrap();
        let info = lib.path().join("evil-1.0.dist-info");
        std::fs::create_dir_all(&info).unwrap();
        std::fs::write(
            info.join("entry_points.txt"),
            "[console_scripts]\nevil = os:system(\"rm\")\n",
        )
        .unwrap();
        assert!(console_script(lib.path(), "evil").is_err());
    }
}
