//! Verified copies of real public packages: the npm registry's tarball of
//! `@modelcontextprotocol/server-everything` and PyPI's wheel of `mcp-server-time`, exactly
//! as published (`make test-servers` fetched them), served by the reference hub from its
//! `public/` folder and certified by the catalog's `packages`. Each installs with its
//! dependencies, is listed as a verified copy with the catalog's badges, answers MCP through
//! `gatehouse run`, and is blocked as `artifact_modified` once one of its files is edited.

use std::path::{Path, PathBuf};

use gatehouse_e2e::{Sandbox, workspace_root};
use rmcp::ServiceExt;
use rmcp::transport::TokioChildProcess;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::hub::{self, RefHub};

/// The one file in `tests/mcp-servers/artifacts/<kind>/`.
fn artifact(kind: &str) -> Option<PathBuf> {
    let dir = workspace_root()
        .join("tests/mcp-servers/artifacts")
        .join(kind);
    let found = std::fs::read_dir(&dir)
        .ok()
        .and_then(|mut entries| entries.next())
        .and_then(|entry| entry.ok())
        .map(|entry| entry.path());
    if found.is_none() {
        assert!(
            std::env::var_os("GATEHOUSE_REQUIRE_REAL_SERVERS").is_none(),
            "`{}` is empty: run `make test-servers`",
            dir.display()
        );
        eprintln!("SKIPPED: no {kind} artifact (make test-servers)");
    }
    found
}

fn sha256(path: &Path) -> String {
    hex::encode(Sha256::digest(std::fs::read(path).unwrap()))
}

/// Puts `file` at `public/<relative>` and certifies it in the catalog as `name` `version`
/// of `registry_type`, from `<hub>/public/<registry_type>`.
fn certify(
    hub: &RefHub,
    file: &Path,
    relative: &str,
    registry_type: &str,
    name: &str,
    version: &str,
) {
    let target = hub.org_dir().join("public").join(relative);
    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
    std::fs::copy(file, &target).unwrap();
    let entry = format!(
        "\n- name: \"{name}\"\n  version: \"{version}\"\n  origin: official\n  cert_level: 2\n  \
         score: 86\n  status: published\n  packages:\n    - registryType: {registry_type}\n      \
         identifier: \"{name}\"\n      version: \"{version}\"\n      fileSha256: \"{}\"\n      \
         registryBaseUrl: \"{}/public/{registry_type}\"\n",
        sha256(file),
        hub.url(),
    );
    let catalog = hub.org_dir().join("catalog.yaml");
    let mut text = std::fs::read_to_string(&catalog).unwrap();
    text.push_str(&entry);
    std::fs::write(catalog, text).unwrap();
}

/// `PATH` with the test venv first: its `python3` has pip, which a Debian system Python
/// may not (a person installing PyPI packages has one that does).
fn path_with_venv() -> std::ffi::OsString {
    let venv = workspace_root().join("tests/mcp-servers/.venv/bin");
    let mut dirs = vec![venv];
    dirs.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(dirs).unwrap()
}

fn gatehouse(sandbox: &Sandbox, args: &[&str]) -> (i32, String, String) {
    let output = sandbox
        .gatehouse(args)
        .env("GATEHOUSE_HUB_TOKEN", hub::TOKEN)
        .env("PATH", path_with_venv())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn row(sandbox: &Sandbox, id: &str) -> Value {
    let (code, out, err) = gatehouse(sandbox, &["servers", "list", "--json"]);
    assert_eq!(code, 0, "{err}");
    let list: Vec<Value> = serde_json::from_str(&out).unwrap();
    list.into_iter()
        .find(|row| row["id"] == id)
        .unwrap_or_else(|| panic!("`{id}` is listed"))
}

/// Lists the tools of `id` through `gatehouse run`, as a client app would.
async fn tools_through_run(sandbox: &Sandbox, id: &str) -> Vec<String> {
    let mut command = tokio::process::Command::new(gatehouse_e2e::binary("gatehouse"));
    command
        .args(["run", id])
        .envs(sandbox.env())
        .env("PATH", path_with_venv());
    let client = ()
        .serve(TokioChildProcess::new(command).unwrap())
        .await
        .expect("the MCP handshake through gatehouse run succeeds");
    let tools = client.list_all_tools().await.unwrap();
    client.cancel().await.unwrap();
    tools
        .into_iter()
        .map(|tool| tool.name.to_string())
        .collect()
}

/// Makes `file` writable and appends a line to it, as someone editing an installed
/// package would.
fn edit(file: &Path) {
    let mut permissions = std::fs::metadata(file).unwrap().permissions();
    #[allow(
        clippy::permissions_set_readonly_false,
        reason = "the attack under test"
    )]
    permissions.set_readonly(false);
    std::fs::set_permissions(file, permissions).unwrap();
    let mut text = std::fs::read(file).unwrap();
    text.extend_from_slice(b"\n// changed after install\n");
    std::fs::write(file, text).unwrap();
}

/// After `file` of `id` was edited: `run` refuses with exit 4 and an audited
/// `artifact_modified`, and the list says blocked.
fn assert_blocked_as_modified(sandbox: &Sandbox, id: &str) {
    let (code, _, err) = gatehouse(sandbox, &["run", id]);
    assert_eq!(code, 4, "an edited copy never runs: {err}");
    assert!(err.contains("changed"), "said in plain words: {err}");
    let row = row(sandbox, id);
    assert_eq!(row["verdict"], "block");
    assert!(
        row["codes"]
            .as_array()
            .unwrap()
            .contains(&Value::from("artifact_modified")),
        "{row}"
    );
    assert!(
        sandbox
            .audit()
            .iter()
            .any(|e| e["kind"] == "artifact_modified" && e["server"] == id),
        "audited"
    );
}

#[tokio::test]
async fn a_real_npm_package_installs_as_a_verified_copy_runs_and_is_checked() {
    let Some(tarball) = artifact("npm") else {
        return;
    };
    let hub = RefHub::start();
    let (name, version) = ("@modelcontextprotocol/server-everything", "2026.8.31");
    certify(
        &hub,
        &tarball,
        &format!("npm/{name}/-/server-everything-{version}.tgz"),
        "npm",
        name,
        version,
    );
    let sandbox = hub.sandbox();
    let (code, out, err) = gatehouse(&sandbox, &["install", &format!("{name}@{version}")]);
    assert_eq!(code, 0, "install: {out}{err}");
    assert!(out.contains("verified copy"), "{out}");

    let listed = row(&sandbox, name);
    assert_eq!(listed["standing"], "verified", "{listed}");
    assert_eq!(
        (listed["cert_level"].clone(), listed["score"].clone()),
        (2.into(), 86.into())
    );
    let folder = sandbox.data_dir().join("servers").join(name);
    assert!(
        folder
            .join("node_modules/@modelcontextprotocol/sdk")
            .is_dir(),
        "dependencies are installed into the copy's folder"
    );

    let tools = tools_through_run(&sandbox, name).await;
    assert!(tools.iter().any(|tool| tool == "echo"), "{tools:?}");

    edit(&folder.join("node_modules").join(name).join("dist/index.js"));
    assert_blocked_as_modified(&sandbox, name);

    let (code, _, err) = gatehouse(&sandbox, &["servers", "remove", name]);
    assert_eq!(code, 0, "{err}");
    assert!(!folder.exists(), "removing takes the copy's files away");
}

#[tokio::test]
async fn a_real_pypi_package_installs_as_a_verified_copy_runs_and_is_checked() {
    let Some(wheel) = artifact("pypi") else {
        return;
    };
    let hub = RefHub::start();
    let file_name = wheel.file_name().unwrap().to_str().unwrap().to_owned();
    let (name, version) = ("mcp-server-time", "2026.10.19");
    certify(
        &hub,
        &wheel,
        &format!("pypi/{file_name}"),
        "pypi",
        name,
        version,
    );
    let sandbox = hub.sandbox();
    let (code, out, err) = gatehouse(&sandbox, &["install", &format!("{name}@{version}")]);
    assert_eq!(code, 0, "install: {out}{err}");

    let listed = row(&sandbox, name);
    assert_eq!(listed["standing"], "verified", "{listed}");
    assert_eq!(listed["command"], "python3");
    assert_eq!(
        listed["args"][0], "-I",
        "isolated from PYTHON* and the user site"
    );

    let tools = tools_through_run(&sandbox, name).await;
    assert!(
        tools.iter().any(|tool| tool == "get_current_time"),
        "{tools:?}"
    );

    let folder = sandbox.data_dir().join("servers").join(name);
    edit(&folder.join("lib/mcp_server_time/server.py"));
    assert_blocked_as_modified(&sandbox, name);
}

#[test]
fn a_registry_answering_other_bytes_for_a_certified_package_installs_nothing() {
    let Some(tarball) = artifact("npm") else {
        return;
    };
    let hub = RefHub::start();
    let (name, version) = ("@modelcontextprotocol/server-everything", "2026.8.31");
    certify(
        &hub,
        &tarball,
        &format!("npm/{name}/-/server-everything-{version}.tgz"),
        "npm",
        name,
        version,
    );
    // The registry now serves other bytes under the same name and version.
    let served = hub
        .org_dir()
        .join("public/npm")
        .join(name)
        .join(format!("-/server-everything-{version}.tgz"));
    let mut bytes = std::fs::read(&served).unwrap();
    bytes.extend_from_slice(b"appended");
    std::fs::write(&served, bytes).unwrap();
    let sandbox = hub.sandbox();
    let (code, _, err) = gatehouse(&sandbox, &["install", &format!("{name}@{version}")]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("not the one your organization's catalog certifies"),
        "{err}"
    );
    let (_, out, _) = gatehouse(&sandbox, &["servers", "list", "--json"]);
    assert_eq!(out.trim(), "[]", "nothing registered");
    let servers = sandbox.data_dir().join("servers");
    let left: Vec<_> = std::fs::read_dir(&servers)
        .map(|entries| entries.map(|e| e.unwrap().file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "nothing left behind: {left:?}");
    assert!(
        sandbox
            .audit()
            .iter()
            .any(|e| e["kind"] == "artifact_modified" && e["detail"]["found_by"] == "install"),
        "the offered bytes are audited"
    );
}

/// The hub certifying the real server-everything tarball as a verified copy, and a
/// sandbox following it with `everything` added by hand as the clean spec of that package.
fn named_everything() -> Option<(RefHub, Sandbox)> {
    let tarball = artifact("npm")?;
    let hub = RefHub::start();
    let (name, version) = ("@modelcontextprotocol/server-everything", "2026.8.31");
    certify(
        &hub,
        &tarball,
        &format!("npm/{name}/-/server-everything-{version}.tgz"),
        "npm",
        name,
        version,
    );
    let sandbox = hub.sandbox();
    let spec = format!("{name}@{version}");
    let (code, _, err) = gatehouse(
        &sandbox,
        &[
            "servers",
            "add",
            "everything",
            "--",
            "npx",
            "-y",
            &spec,
            "stdio",
        ],
    );
    assert_eq!(code, 0, "{err}");
    Some((hub, sandbox))
}

#[tokio::test]
async fn a_named_server_is_offered_its_verified_copy_and_switched_by_use_copy() {
    let Some((_hub, sandbox)) = named_everything() else {
        return;
    };
    let listed = row(&sandbox, "everything");
    assert_eq!(listed["standing"], "named", "{listed}");
    assert_eq!(listed["cert_level"], Value::Null, "a name lends no badges");
    assert_eq!(listed["copy_offered"], true, "{listed}");
    let (_, table, _) = gatehouse(&sandbox, &["servers", "list"]);
    assert!(
        table.contains("gatehouse servers use-copy everything"),
        "{table}"
    );

    let (code, out, err) = gatehouse(&sandbox, &["servers", "use-copy", "everything"]);
    assert_eq!(code, 0, "{out}{err}");
    let listed = row(&sandbox, "everything");
    assert_eq!(listed["standing"], "verified", "{listed}");
    assert_eq!(listed["verified_copy"], true);
    assert_eq!(listed["cert_level"], 2);
    assert_eq!(listed["command"], "node", "the copy runs, not npx");
    let switched = sandbox
        .audit()
        .into_iter()
        .find(|e| e["kind"] == "server_installed" && e["server"] == "everything")
        .expect("the switch is audited as an install");
    assert_eq!(switched["detail"]["switched_from"], "named");
    let tools = tools_through_run(&sandbox, "everything").await;
    assert!(tools.iter().any(|tool| tool == "echo"), "{tools:?}");

    let (code, _, err) = gatehouse(&sandbox, &["servers", "use-copy", "everything"]);
    assert_ne!(code, 0, "a verified server has nothing to switch to");
    assert!(err.contains("does not run a named package"), "{err}");
}

#[test]
fn the_first_sync_after_the_upgrade_switches_named_servers_and_records_installed_ones() {
    let Some((hub, sandbox)) = named_everything() else {
        return;
    };
    // A registry install as the version before recorded it: no record of its files yet.
    // `publish` writes a manifest that runs `node server.js`.
    let script =
        std::fs::read(workspace_root().join("tests/e2e/fixtures/fake-server.mjs")).unwrap();
    let bundle = gatehouse_e2e::bundle_bytes(&[("server.js", script)]);
    hub.publish("fake", &bundle);
    let (code, _, err) = gatehouse(&sandbox, &["sync"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = gatehouse(&sandbox, &["install", "@acme-corp/fake"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        sandbox.sql("DELETE FROM verified_trees WHERE server_id = '@acme-corp/fake'"),
        1
    );
    assert_eq!(
        sandbox.sql("INSERT INTO identity_upgrade (server_id) SELECT id FROM servers"),
        2
    );
    let waiting = row(&sandbox, "@acme-corp/fake");
    assert_eq!(
        waiting["standing"], "unbound",
        "no badges before its files are recorded"
    );
    assert!(
        !waiting["codes"]
            .as_array()
            .unwrap()
            .contains(&Value::from("artifact_modified")),
        "but not blocked as changed: {waiting}"
    );

    let (code, _, err) = gatehouse(&sandbox, &["sync"]);
    assert_eq!(code, 0, "{err}");
    let named = row(&sandbox, "everything");
    assert_eq!(
        named["standing"], "verified",
        "switched to the copy: {named}"
    );
    assert_eq!(named["verified_copy"], true);
    let installed = row(&sandbox, "@acme-corp/fake");
    assert_eq!(
        installed["standing"], "verified",
        "recorded against its bundle: {installed}"
    );
    assert_eq!(installed["cert_level"], 2);
    assert_eq!(
        sandbox.sql("DELETE FROM identity_upgrade"),
        0,
        "each server is handled once, then forgotten"
    );
}
