//! Reading, wiring and unwiring realistic config files of every client app.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

mod roundtrip;

use std::collections::BTreeMap;
use std::path::Path;

use gatehouse_clients::edit::{self, Restore, WirePlan};
use gatehouse_clients::read::parse_entries;
use gatehouse_clients::secrets::looks_secret;
use gatehouse_clients::{ClientApp, Error, Transport};

const GATEHOUSE: &str = "/opt/gatehouse/bin/gatehouse";

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/clients/fixtures")
        .join(name);
    std::fs::read_to_string(path).unwrap()
}

const FIXTURES: [(ClientApp, &str); 7] = [
    (ClientApp::ClaudeDesktop, "claude_desktop_config.json"),
    (ClientApp::ClaudeCode, "claude.json"),
    (ClientApp::Cursor, "cursor_mcp.json"),
    (ClientApp::VsCode, "vscode_mcp.json"),
    (ClientApp::Windsurf, "windsurf_mcp_config.json"),
    (ClientApp::Zed, "zed_settings.json"),
    (ClientApp::Cline, "cline_mcp_settings.json"),
];

/// One wired entry, as the core keeps it.
struct Wiring {
    id: String,
    restore: Restore,
    literals: BTreeMap<String, String>,
}

/// Wires every local entry of `text` that is not routed yet, one edit after the other.
fn wire_all(app: ClientApp, text: &str) -> (String, Vec<Wiring>) {
    let path = Path::new("test.json");
    let mut text = text.to_owned();
    let mut wirings = Vec::new();
    for entry in parse_entries(app, &text).unwrap() {
        let Transport::Local(local) = &entry.transport else {
            continue;
        };
        if entry.routed_id().is_some() {
            continue;
        }
        let id = entry.name.clone();
        let secrets: Vec<(String, String)> = local
            .env
            .iter()
            .filter(|(name, value)| looks_secret(name, value))
            .map(|(name, _)| (name.clone(), format!("gatehouse-keyring:{id}/{name}")))
            .collect();
        // Positions the app fills in get a `GATEHOUSE_VALUE_<n>`, as the core plans them.
        let values: Vec<(String, String)> = std::iter::once(&local.command)
            .chain(&local.args)
            .enumerate()
            .filter(|(_, part)| part.contains("${") && part.contains('}'))
            .map(|(n, part)| (format!("GATEHOUSE_VALUE_{n}"), part.clone()))
            .collect();
        let plan = WirePlan {
            gatehouse: GATEHOUSE,
            id: &id,
            secrets: &secrets,
            values: &values,
        };
        let wired = edit::wire(app, path, &text, &entry.path(), &plan).unwrap();
        text = wired.text;
        wirings.push(Wiring {
            id,
            restore: wired.restore,
            literals: wired.secret_literals.into_iter().collect(),
        });
    }
    (text, wirings)
}

fn unwire_all(app: ClientApp, text: &str, wirings: &[Wiring]) -> String {
    let mut text = text.to_owned();
    for wiring in wirings.iter().rev() {
        text = edit::unwire(
            app,
            Path::new("test.json"),
            &text,
            &wiring.id,
            &wiring.restore,
            &wiring.literals,
        )
        .unwrap();
    }
    text
}

fn kinds(app: ClientApp, text: &str) -> Vec<(String, String)> {
    parse_entries(app, text)
        .unwrap()
        .into_iter()
        .map(|entry| {
            let kind = match &entry.transport {
                Transport::Local(_) if entry.routed_id().is_some() => "routed".to_owned(),
                Transport::Local(_) => "local".to_owned(),
                Transport::Remote { kind, .. } => format!("remote:{kind}"),
                Transport::Extension { source } => format!("extension:{source}"),
                Transport::Unknown { kind } => format!("unknown:{kind}"),
            };
            (entry.path().join("."), kind)
        })
        .collect()
}

/// An app, its fixture, and each entry's path with its kind.
type Expected = (ClientApp, &'static str, Vec<(String, String)>);

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

#[test]
fn every_apps_entries_are_listed_with_their_transport_and_unknown_types_kept() {
    let expected: [Expected; 7] = [
        (
            ClientApp::ClaudeDesktop,
            "claude_desktop_config.json",
            pairs(&[
                ("mcpServers.filesystem", "local"),
                ("mcpServers.github", "local"),
            ]),
        ),
        (
            ClientApp::ClaudeCode,
            "claude.json",
            pairs(&[
                ("mcpServers.time", "local"),
                ("mcpServers.linear", "remote:sse"),
                ("projects./home/ana/src/shop.mcpServers.postgres", "local"),
            ]),
        ),
        (
            ClientApp::Cursor,
            "cursor_mcp.json",
            pairs(&[
                ("mcpServers.brave-search", "local"),
                ("mcpServers.remote-docs", "remote:url"),
                ("mcpServers.everything", "local"),
            ]),
        ),
        (
            ClientApp::VsCode,
            "vscode_mcp.json",
            pairs(&[
                ("servers.memory", "local"),
                ("servers.fetch", "local"),
                ("servers.github-remote", "remote:http"),
                ("servers.experimental", "unknown:websocket"),
            ]),
        ),
        (
            ClientApp::Windsurf,
            "windsurf_mcp_config.json",
            pairs(&[
                ("mcpServers.sequential-thinking", "local"),
                ("mcpServers.figma", "remote:serverUrl"),
            ]),
        ),
        (
            ClientApp::Zed,
            "zed_settings.json",
            pairs(&[
                ("context_servers.git", "local"),
                ("context_servers.legacy-sqlite", "local"),
                ("context_servers.from-extension", "extension:extension"),
            ]),
        ),
        (
            ClientApp::Cline,
            "cline_mcp_settings.json",
            pairs(&[
                ("mcpServers.puppeteer", "local"),
                ("mcpServers.context7", "remote:streamableHttp"),
            ]),
        ),
    ];
    for (app, file, entries) in expected {
        assert_eq!(kinds(app, &fixture(file)), entries, "{app}");
    }
}

#[test]
fn decoded_values_are_what_the_app_would_pass() {
    let entries = parse_entries(ClientApp::ClaudeCode, &fixture("claude.json")).unwrap();
    let postgres = entries.iter().find(|e| e.name == "postgres").unwrap();
    assert_eq!(postgres.project(), Some("/home/ana/src/shop"));
    let Transport::Local(local) = &postgres.transport else {
        panic!("postgres is local")
    };
    assert_eq!(
        local.env,
        vec![("PGPASSWORD".to_owned(), "s3cret \"quoted\"".to_owned())],
        "escapes are decoded for the server, while the file keeps its own spelling"
    );
}

#[test]
fn wiring_routes_every_local_entry_and_unwiring_gives_the_file_back_byte_for_byte() {
    for (app, file) in FIXTURES {
        let original = fixture(file);
        let (wired, wirings) = wire_all(app, &original);
        assert!(!wirings.is_empty(), "{app} has local entries");
        assert!(edit::parses(app, &wired), "{app}: still valid for the app");
        for (path, kind) in kinds(app, &wired) {
            assert_ne!(kind, "local", "{app}: `{path}` is routed after wiring");
        }
        for wiring in &wirings {
            for literal in wiring.literals.values() {
                assert!(
                    !wired.contains(literal.as_str()),
                    "{app}: the secret {literal} left the file"
                );
            }
        }
        let (again, none) = wire_all(app, &wired);
        assert!(none.is_empty(), "{app}: wiring twice changes nothing");
        assert_eq!(again, wired);
        assert_eq!(
            unwire_all(app, &wired, &wirings),
            original,
            "{app}: wire + unwire is the identity"
        );
    }
}

#[test]
fn a_wired_entry_runs_gatehouse_and_keeps_its_other_keys() {
    let (wired, _) = wire_all(ClientApp::Cline, &fixture("cline_mcp_settings.json"));
    let value: serde_json::Value = serde_json::from_str(&wired).unwrap();
    let puppeteer = &value["mcpServers"]["puppeteer"];
    assert_eq!(puppeteer["command"], GATEHOUSE);
    assert_eq!(
        puppeteer["args"],
        serde_json::json!(["run", "puppeteer", "--client", "cline"]),
        "the entry names its app, for what the person is told when it may not run"
    );
    assert_eq!(
        puppeteer["autoApprove"],
        serde_json::json!(["puppeteer_navigate"])
    );
    assert_eq!(puppeteer["timeout"], 60);

    let (wired, _) = wire_all(
        ClientApp::ClaudeDesktop,
        &fixture("claude_desktop_config.json"),
    );
    let value: serde_json::Value = serde_json::from_str(&wired).unwrap();
    let env = &value["mcpServers"]["github"]["env"];
    assert_eq!(
        env["GITHUB_PERSONAL_ACCESS_TOKEN"],
        "gatehouse-keyring:github/GITHUB_PERSONAL_ACCESS_TOKEN",
        "the token is replaced by a reference"
    );
    assert_eq!(
        env["GITHUB_API_URL"], "https://api.github.com",
        "plain settings stay"
    );
}

#[test]
fn zeds_nested_command_form_is_wired_inside_its_command_object() {
    let (wired, wirings) = wire_all(ClientApp::Zed, &fixture("zed_settings.json"));
    assert!(wired.contains("// For information on how to configure Zed"));
    let legacy = wirings.iter().find(|w| w.id == "legacy-sqlite").unwrap();
    assert_eq!(
        legacy.restore.holder,
        ["context_servers", "legacy-sqlite", "command"]
    );
    assert_eq!(legacy.restore.command_key, "path");
    assert_eq!(
        legacy.literals.get("SQLITE_SECRET").map(String::as_str),
        Some("\"hunter2\"")
    );
}

#[test]
fn edits_made_elsewhere_while_wired_survive_unwiring() {
    let app = ClientApp::VsCode;
    let original = fixture("vscode_mcp.json");
    let (wired, wirings) = wire_all(app, &original);
    let user_edit = |text: &str| {
        text.replace(
            "/* the reference servers */",
            "/* the reference servers, and more */",
        )
        .replace("\"envFile\"", "\"cwd\": \"/tmp\",\n      \"envFile\"")
    };
    let edited = user_edit(&wired);
    assert_ne!(edited, wired);
    assert_eq!(unwire_all(app, &edited, &wirings), user_edit(&original));
}

#[test]
fn an_entry_rewired_by_someone_else_is_left_alone() {
    let app = ClientApp::Cursor;
    let (wired, wirings) = wire_all(app, &fixture("cursor_mcp.json"));
    let rewired = wired.replacen(GATEHOUSE, "/usr/bin/node", 1);
    let first = &wirings[0];
    let result = edit::unwire(
        app,
        Path::new("mcp.json"),
        &rewired,
        &first.id,
        &first.restore,
        &first.literals,
    );
    assert!(
        matches!(result, Err(Error::EntryMoved { .. })),
        "{result:?}"
    );
}

#[test]
fn an_unparsable_file_is_refused_before_any_edit() {
    let broken = "{\"mcpServers\": {\"a\": {\"command\": \"x\"}";
    let plan = WirePlan {
        gatehouse: GATEHOUSE,
        id: "a",
        secrets: &[],
        values: &[],
    };
    let path = ["mcpServers".to_owned(), "a".to_owned()];
    let result = edit::wire(
        ClientApp::Cursor,
        Path::new("mcp.json"),
        broken,
        &path,
        &plan,
    );
    assert!(
        matches!(result, Err(Error::Unparsable { .. })),
        "{result:?}"
    );
    let commented = "{\n // a comment Claude Desktop would choke on\n \"mcpServers\": {}\n}";
    assert!(
        parse_entries(ClientApp::ClaudeDesktop, commented).is_err(),
        "strict JSON apps are read strictly"
    );
}

#[test]
fn remote_entries_can_be_removed_leaving_valid_json() {
    let app = ClientApp::Windsurf;
    let text = fixture("windsurf_mcp_config.json");
    let path = ["mcpServers".to_owned(), "figma".to_owned()];
    let removed = edit::remove_entry(app, Path::new("x"), &text, &path).unwrap();
    assert!(edit::parses(app, &removed));
    assert_eq!(
        kinds(app, &removed),
        pairs(&[("mcpServers.sequential-thinking", "local")])
    );
}

#[test]
fn placeholder_values_are_added_to_the_env_and_taken_out_again_byte_for_byte() {
    let text = r#"{
  "servers": {
    "with-env": {"command": "${workspaceFolder}/bin/a", "args": ["--x", "${input:x}"], "env": {"K": "v"}},
    "empty-env": {"command": "b", "args": ["${userHome}/y"], "env": {}},
    "no-env": {"command": "c", "args": ["${env:Z}"], "disabled": false},
    "no-args": {"command": "${workspaceFolder}/d"}
  }
}
"#;
    let (wired, wirings) = wire_all(ClientApp::VsCode, text);
    assert_eq!(wirings.len(), 4);
    let strict: serde_json::Value = serde_json::from_str(&wired).unwrap();
    let servers = &strict["servers"];
    assert_eq!(
        servers["with-env"]["env"]["GATEHOUSE_VALUE_0"],
        "${workspaceFolder}/bin/a"
    );
    assert_eq!(
        servers["with-env"]["env"]["GATEHOUSE_VALUE_2"],
        "${input:x}"
    );
    assert_eq!(servers["with-env"]["env"]["K"], "v");
    assert_eq!(
        servers["empty-env"]["env"]["GATEHOUSE_VALUE_1"],
        "${userHome}/y"
    );
    assert_eq!(servers["no-env"]["env"]["GATEHOUSE_VALUE_1"], "${env:Z}");
    assert_eq!(servers["no-env"]["disabled"], false);
    assert_eq!(
        servers["no-args"]["env"]["GATEHOUSE_VALUE_0"],
        "${workspaceFolder}/d"
    );
    assert_eq!(servers["no-args"]["args"][0], "run");
    assert_eq!(unwire_all(ClientApp::VsCode, &wired, &wirings), text);

    // Reformatted by another tool meanwhile: the values still come out, the rest stays.
    let reformatted = wired.replace(
        "\"GATEHOUSE_VALUE_2\": \"${input:x}\", ",
        "\"GATEHOUSE_VALUE_2\":\"${input:x}\",\n ",
    );
    assert_ne!(reformatted, wired);
    let back = unwire_all(ClientApp::VsCode, &reformatted, &wirings);
    let back: serde_json::Value = serde_json::from_str(&back).unwrap();
    let original: serde_json::Value = serde_json::from_str(text).unwrap();
    assert_eq!(back, original);
}
