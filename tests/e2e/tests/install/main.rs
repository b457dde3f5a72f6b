//! `gatehouse install` end to end: the real `gatehouse` binary against the real reference
//! hub binary serving the registry (HUB_API.md section A) from a temporary copy of
//! `examples/hub/midsize`, over real HTTP on loopback. Every failing install must leave no
//! bundle folder, no partial folder and no registered server, and say why on stderr.
//! Needs `cargo build -p gatehouse-cli -p gatehouse-refhub --bins` first.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

mod copy;
mod hub;

use std::io::Write as _;
use std::path::Path;

use flate2::Compression;
use flate2::write::GzEncoder;
use gatehouse_e2e::Sandbox;
use hub::RefHub;
use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use rmcp::transport::TokioChildProcess;
use tar::{EntryType, Header};

const EXAMPLE: &str = "@acme-corp/word-count";

/// Installs `package` with the hub token: (exit code, stdout, stderr).
fn install(sandbox: &Sandbox, package: &str) -> (i32, String, String) {
    let output = sandbox
        .gatehouse(&["install", package])
        .env("GATEHOUSE_HUB_TOKEN", hub::TOKEN)
        .env("GATEHOUSE_HUB_TIMEOUT_MS", "10000")
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Asserts a failed install left nothing: no bundle or partial folder, no server.
fn assert_nothing_left(sandbox: &Sandbox, why: &str) {
    let bundles = sandbox.data_dir().join("bundles");
    let left: Vec<_> = std::fs::read_dir(&bundles)
        .map(|entries| entries.map(|e| e.unwrap().file_name()).collect())
        .unwrap_or_default();
    assert!(
        left.is_empty(),
        "{why}: files left under bundles/: {left:?}"
    );
    let (code, out, err) = sandbox.run(&["servers", "list", "--json"]);
    assert_eq!(code, 0, "{err}");
    let list: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        list,
        serde_json::json!([]),
        "{why}: no server is registered"
    );
}

/// A tar entry from a raw header, so names and sizes the builder refuses can be written.
fn raw_entry(name: &str, kind: EntryType, declared: u64, data: &[u8]) -> Vec<u8> {
    let mut header = Header::new_gnu();
    let field = &mut header.as_gnu_mut().unwrap().name;
    field[..name.len()].copy_from_slice(name.as_bytes());
    header.set_entry_type(kind);
    header.set_mode(0o755);
    header.set_size(declared);
    if kind == EntryType::Symlink {
        header.set_link_name("/etc/passwd").unwrap();
    }
    header.set_cksum();
    let mut bytes = header.as_bytes().to_vec();
    bytes.extend_from_slice(data);
    bytes.resize(bytes.len().div_ceil(512) * 512, 0);
    bytes
}

fn tar_gz(entries: &[Vec<u8>]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
    for entry in entries {
        encoder.write_all(entry).unwrap();
    }
    encoder.write_all(&[0; 1024]).unwrap();
    encoder.finish().unwrap()
}

/// A well-formed server file first, so a refused entry comes after something was written.
fn hostile(entry: Vec<u8>) -> Vec<u8> {
    let server = std::fs::read(
        gatehouse_e2e::workspace_root()
            .join("examples/hub/midsize/registry/word-count/1.0.0/bundle/server.js"),
    )
    .unwrap();
    tar_gz(&[
        raw_entry(
            "server.js",
            EntryType::Regular,
            server.len() as u64,
            &server,
        ),
        entry,
    ])
}

#[tokio::test]
async fn the_example_installs_lists_with_its_badges_and_answers_mcp_through_run() {
    let hub = RefHub::start();
    let sandbox = hub.sandbox();
    let (code, out, err) = install(&sandbox, EXAMPLE);
    assert_eq!(code, 0, "install succeeds: {out}{err}");
    assert!(
        out.contains("level 2 Security Certified, score 88"),
        "{out}"
    );

    let (code, out, _) = sandbox.run(&["servers", "list", "--json"]);
    assert_eq!(code, 0);
    let list: serde_json::Value = serde_json::from_str(&out).unwrap();
    let row = &list[0];
    assert_eq!(row["id"], EXAMPLE);
    assert_eq!(row["version"], "1.0.0");
    assert_eq!(
        (
            &row["origin"],
            &row["cert_level"],
            &row["score"],
            &row["verdict"]
        ),
        (
            &serde_json::json!("verified"),
            &serde_json::json!(2),
            &serde_json::json!(88),
            &serde_json::json!("allow")
        ),
        "the catalog's badges: {row}"
    );
    let installed = sandbox.audit();
    assert!(
        installed
            .iter()
            .any(|e| e["kind"] == "server_installed" && e["server"] == EXAMPLE),
        "the install is audited: {installed:?}"
    );

    let mut command = tokio::process::Command::new(gatehouse_e2e::binary("gatehouse"));
    command.args(["run", EXAMPLE]).envs(sandbox.env());
    let client = ()
        .serve(TokioChildProcess::new(command).unwrap())
        .await
        .expect("the MCP handshake through gatehouse run succeeds");
    let tools = client.list_all_tools().await.unwrap();
    assert_eq!(tools.len(), 1);
    assert_eq!(tools[0].name, "count_words");
    let mut arguments = serde_json::Map::new();
    arguments.insert("text".into(), "one two three four".into());
    let result = client
        .call_tool(CallToolRequestParams::new("count_words").with_arguments(arguments))
        .await
        .unwrap();
    let text = serde_json::to_value(&result.content).unwrap().to_string();
    assert!(
        text.contains("4 words"),
        "the installed server answered: {text}"
    );
    client.cancel().await.unwrap();

    // Removing the only server that uses the bundle deletes its files.
    let (code, _, err) = sandbox.run(&["servers", "remove", EXAMPLE]);
    assert_eq!(code, 0, "{err}");
    assert_nothing_left(&sandbox, "after remove");
}

#[test]
fn a_manifest_or_bundle_that_does_not_match_its_digest_installs_nothing() {
    let hub = RefHub::start();
    for target in ["manifest", "bundle"] {
        let sandbox = hub.sandbox();
        hub.fault(&format!(
            r#"{{"mode": "wrong_digest", "target": "{target}"}}"#
        ));
        let (code, _, err) = install(&sandbox, EXAMPLE);
        assert_eq!(code, 1, "{target}: {err}");
        assert!(
            err.contains(&format!(
                "downloaded {target} does not match its published digest"
            )),
            "{target}: {err}"
        );
        assert_nothing_left(&sandbox, target);
    }
}

#[test]
fn a_hub_that_drops_the_connection_halfway_through_the_bundle_installs_nothing() {
    let hub = RefHub::start();
    let sandbox = hub.sandbox();
    // A one-second stall: headers and half the bundle surely arrive before the cut. With
    // none, the hub may close before sending anything, which is a different failure.
    hub.fault(r#"{"mode": "stall_body", "target": "bundle", "seconds": 1}"#);
    let (code, _, err) = install(&sandbox, EXAMPLE);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("from connection"), "the cut is named: {err}");
    assert_nothing_left(&sandbox, "dropped connection");
}

#[test]
fn hostile_bundles_are_refused_whole() {
    let hub = RefHub::start();
    let two_gib = 2 * 1024 * 1024 * 1024;
    let cases = [
        (
            "climbs",
            raw_entry("../../escaped.js", EntryType::Regular, 2, b"{}"),
            "`..` is not allowed",
        ),
        (
            "absolute",
            raw_entry("/tmp/gatehouse-absolute.js", EntryType::Regular, 2, b"{}"),
            "absolute paths",
        ),
        (
            "links",
            raw_entry("passwd", EntryType::Symlink, 0, b""),
            "symbolic links",
        ),
        (
            "huge",
            raw_entry("huge.bin", EntryType::Regular, two_gib, b""),
            "more than 1073741824 bytes",
        ),
    ];
    for (name, entry, words) in cases {
        hub.publish(name, &hostile(entry));
        let sandbox = hub.sandbox();
        let (code, _, err) = install(&sandbox, &format!("@acme-corp/{name}"));
        assert_eq!(code, 1, "{name}: {err}");
        assert!(err.contains(words), "{name}: the reason is given: {err}");
        assert_nothing_left(&sandbox, name);
        assert!(!Path::new("/tmp/gatehouse-absolute.js").exists());
    }
}

#[test]
fn a_revoked_version_is_never_installed() {
    let hub = RefHub::start();
    let sandbox = hub.sandbox();
    hub.publish("withdrawn", &hostile(Vec::new()));
    std::fs::write(
        hub.org_dir().join("registry/withdrawn/1.0.0/meta.yaml"),
        "status: revoked\n",
    )
    .unwrap();
    let (code, _, err) = install(&sandbox, "@acme-corp/withdrawn@1.0.0");
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("revoked"), "{err}");
    assert_nothing_left(&sandbox, "revoked");
    assert_eq!(hub.artifact_requests(), 0, "nothing was downloaded");
}

#[test]
fn a_policy_blocked_package_is_refused_before_any_download() {
    let hub = RefHub::start();
    let sandbox = hub.sandbox();
    // The org policy asks for level 1; the catalog says 0.
    hub.publish_with_catalog("uncertified", &hostile(Vec::new()), 0);
    let (code, _, err) = install(&sandbox, "@acme-corp/uncertified");
    assert_eq!(code, 4, "{err}");
    assert!(
        err.contains("Required cert level: 1"),
        "the policy message: {err}"
    );
    assert_nothing_left(&sandbox, "blocked");
    assert_eq!(
        hub.artifact_requests(),
        0,
        "no manifest or bundle request reached the hub"
    );
}

#[test]
fn install_with_clients_adds_routed_entries_and_remove_takes_them_out() {
    let hub = RefHub::start();
    // Following the hub and synced already.
    let sandbox = hub.sandbox();
    // VS Code already has a settings file of its own (JSONC); Cursor has none yet.
    let home = sandbox.path().join("home");
    let vscode = home.join(".config/Code/User/mcp.json");
    std::fs::create_dir_all(vscode.parent().unwrap()).unwrap();
    let original = "{\n  // my servers\n  \"servers\": {\n    \"docs\": {\"type\": \"http\", \"url\": \"https://docs.example/mcp\"},\n  },\n}\n";
    std::fs::write(&vscode, original).unwrap();

    let refused = sandbox
        .gatehouse(&["install", EXAMPLE, "--client", "notepad"])
        .env("GATEHOUSE_HUB_TOKEN", hub::TOKEN)
        .output()
        .unwrap();
    assert_eq!(
        refused.status.code(),
        Some(2),
        "an unknown app is a usage error"
    );
    assert_eq!(
        hub.artifact_requests(),
        0,
        "checked before anything is fetched"
    );

    let output = sandbox
        .gatehouse(&[
            "install", EXAMPLE, "--client", "vscode", "--client", "cursor",
        ])
        .env("GATEHOUSE_HUB_TOKEN", hub::TOKEN)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let gatehouse = sandbox.launcher_copy();
    let cursor = home.join(".cursor/mcp.json");
    let created: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&cursor).unwrap()).unwrap();
    assert_eq!(
        created["mcpServers"][EXAMPLE],
        serde_json::json!({"command": gatehouse.to_str().unwrap(), "args": ["run", EXAMPLE]}),
        "Cursor gets a file with the routed entry"
    );
    let edited = std::fs::read_to_string(&vscode).unwrap();
    assert!(
        edited.starts_with("{\n  // my servers\n  \"servers\": {\n    \"docs\": {\"type\": \"http\", \"url\": \"https://docs.example/mcp\"},\n"),
        "the rest of the VS Code file is untouched: {edited}"
    );
    let (_, listed, _) = sandbox.run(&["clients", "list", "--json"]);
    assert!(
        listed.matches(&format!("\"{EXAMPLE}\"")).count() >= 2,
        "both apps list the routed entry: {listed}"
    );
    let (_, servers, _) = sandbox.run(&["servers", "list", "--json"]);
    let servers: serde_json::Value = serde_json::from_str(&servers).unwrap();
    assert_eq!(
        servers[0]["clients"],
        serde_json::json!(["cursor", "vscode"]),
        "the server lists the apps that start it: {servers}"
    );

    let (code, _, err) = sandbox.run(&["servers", "remove", EXAMPLE]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        std::fs::read_to_string(&vscode).unwrap(),
        original,
        "removing the server takes its entry out and gives back the file as it was"
    );
    let after: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&cursor).unwrap()).unwrap();
    assert_eq!(after["mcpServers"], serde_json::json!({}));
    assert_nothing_left(&sandbox, "after remove");
}

#[test]
fn an_app_file_that_cannot_be_changed_undoes_the_whole_install() {
    let hub = RefHub::start();
    // Following the hub and synced already.
    let sandbox = hub.sandbox();
    let home = sandbox.path().join("home");
    let vscode = home.join(".config/Code/User/mcp.json");
    std::fs::create_dir_all(vscode.parent().unwrap()).unwrap();
    let original = "{\n  \"servers\": {}\n}\n";
    std::fs::write(&vscode, original).unwrap();
    // Cursor's file is one the person is half-way through editing: never rewritten.
    let cursor = home.join(".cursor/mcp.json");
    std::fs::create_dir_all(cursor.parent().unwrap()).unwrap();
    std::fs::write(&cursor, "{ \"mcpServers\": { \"half").unwrap();

    let output = sandbox
        .gatehouse(&[
            "install", EXAMPLE, "--client", "vscode", "--client", "cursor",
        ])
        .env("GATEHOUSE_HUB_TOKEN", hub::TOKEN)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("could not be added to the client apps, so the install was undone"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(&vscode).unwrap(),
        original,
        "the entry already added to VS Code is taken out again"
    );
    assert_eq!(
        std::fs::read_to_string(&cursor).unwrap(),
        "{ \"mcpServers\": { \"half"
    );
    assert_nothing_left(&sandbox, "after an undone install");
}
