//! Client app extensions (DESIGN.md "Every path onto the machine"): Claude Desktop's
//! `.mcpb` extensions in its documented layout (`Claude Extensions/<id>/manifest.json`,
//! `Claude Extensions Settings/<id>.json`) are listed with verdicts; one the policy blocks
//! is switched off through Claude Desktop's own setting and back on once allowed, each
//! change audited; a Zed extension's server is listed with its verdict.

use std::path::Path;

use gatehouse_e2e::Sandbox;

use super::{clients, home};

fn install(claude: &Path, id: &str, manifest: serde_json::Value, settings: Option<&str>) {
    let folder = claude.join("Claude Extensions").join(id);
    std::fs::create_dir_all(folder.join("server")).unwrap();
    std::fs::write(folder.join("manifest.json"), manifest.to_string()).unwrap();
    std::fs::write(folder.join("server/index.js"), "// the server\n").unwrap();
    if let Some(settings) = settings {
        let dir = claude.join("Claude Extensions Settings");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{id}.json")), settings).unwrap();
    }
}

fn manifest(name: &str, version: &str) -> serde_json::Value {
    serde_json::json!({
        "manifest_version": "0.2",
        "name": name,
        "display_name": format!("{name} (display)"),
        "version": version,
        "server": {
            "type": "node",
            "entry_point": "server/index.js",
            "mcp_config": {
                "command": "node",
                "args": ["${__dirname}/server/index.js", "--token=${user_config.api_token}"],
            }
        }
    })
}

fn extensions(sandbox: &Sandbox) -> Vec<serde_json::Value> {
    let (code, out, err) = clients(sandbox, &["clients", "list", "--json"]);
    assert_eq!(code, 0, "{err}");
    let list: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    list.iter()
        .flat_map(|file| file["extensions"].as_array().cloned().unwrap_or_default())
        .collect()
}

fn audited(sandbox: &Sandbox, kind: &str) -> Vec<serde_json::Value> {
    let (code, out, err) = sandbox.run(&["audit", "export"]);
    assert_eq!(code, 0, "{err}");
    out.lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap())
        .filter(|event| event["kind"] == kind)
        .collect()
}

#[test]
fn a_blocked_extension_is_switched_off_in_claude_desktop_and_back_on_when_allowed() {
    let sandbox = Sandbox::new();
    let claude = home(&sandbox).join(".config/Claude");
    let settings_dir = claude.join("Claude Extensions Settings");
    // Blocked by name, with the person's settings beside the switch.
    let evil_settings =
        "{\n  \"isEnabled\": true,\n  \"userConfig\": {\"api_token\": \"t0k3n\"}\n}\n";
    install(
        &claude,
        "ant.dir.gh.evil.notes",
        manifest("evil-notes", "1.0.0"),
        Some(evil_settings),
    );
    // Allowed, never configured: no settings file.
    install(
        &claude,
        "local.calendar",
        manifest("calendar", "2.1.0"),
        None,
    );
    // Allowed, switched off by the person: stays off.
    install(
        &claude,
        "local.mail",
        manifest("mail", "0.3.0"),
        Some("{\"isEnabled\": false}"),
    );
    let zed = home(&sandbox).join(".config/zed/settings.json");
    std::fs::create_dir_all(zed.parent().unwrap()).unwrap();
    std::fs::write(
        &zed,
        r#"{"context_servers": {"evil-notes": {"source": "extension", "settings": {}}}}"#,
    )
    .unwrap();
    sandbox.write_config("policy:\n  deny_list: ['evil-*']\n");

    let found = extensions(&sandbox);
    assert_eq!(found.len(), 3, "{found:#?}");
    let by_id = |found: &[serde_json::Value], id: &str| {
        found.iter().find(|e| e["id"] == id).cloned().unwrap()
    };
    let evil = by_id(&found, "ant.dir.gh.evil.notes");
    assert_eq!(evil["name"], "evil-notes");
    assert_eq!(evil["version"], "1.0.0");
    assert_eq!(evil["verdict"]["verdict"], "block", "{evil}");
    assert_eq!(evil["enabled"], false, "switched off: {evil}");
    assert_eq!(evil["disabled_by_gatehouse"], true);
    assert!(
        !evil.to_string().contains("t0k3n"),
        "the person's settings are not shown: {evil}"
    );
    let evil_file = settings_dir.join("ant.dir.gh.evil.notes.json");
    assert_eq!(
        std::fs::read_to_string(&evil_file).unwrap(),
        evil_settings.replace("true", "false"),
        "only the switch changed"
    );
    assert_eq!(
        by_id(&found, "local.calendar")["verdict"]["verdict"],
        "allow"
    );
    assert_eq!(by_id(&found, "local.calendar")["enabled"], true);
    assert!(!settings_dir.join("local.calendar.json").exists());
    assert_eq!(by_id(&found, "local.mail")["enabled"], false);

    let disabled = audited(&sandbox, "extension_disabled");
    assert_eq!(disabled.len(), 1, "{disabled:#?}");
    assert_eq!(disabled[0]["server"], "evil-notes");
    assert_eq!(disabled[0]["detail"]["id"], "ant.dir.gh.evil.notes");

    // Listing again changes nothing more.
    extensions(&sandbox);
    assert_eq!(audited(&sandbox, "extension_disabled").len(), 1);

    // The Zed extension's server has the verdict its name gets.
    let (_, out, _) = clients(&sandbox, &["clients", "list", "--json"]);
    let list: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    let zed_entry = list
        .iter()
        .find(|file| file["client"] == "zed")
        .map(|file| file["entries"][0].clone())
        .unwrap();
    assert_eq!(zed_entry["kind"], "extension", "{zed_entry}");
    assert_eq!(zed_entry["verdict"]["verdict"], "block", "{zed_entry}");

    // Allowed again: switched back on, byte for byte, and audited.
    sandbox.write_config("policy:\n  deny_list: []\n");
    let found = extensions(&sandbox);
    let evil = by_id(&found, "ant.dir.gh.evil.notes");
    assert_eq!(evil["enabled"], true, "{evil}");
    assert_eq!(evil["disabled_by_gatehouse"], false);
    assert_eq!(std::fs::read_to_string(&evil_file).unwrap(), evil_settings);
    assert_eq!(audited(&sandbox, "extension_enabled").len(), 1);
    assert_eq!(
        by_id(&found, "local.mail")["enabled"],
        false,
        "the person's own choice is kept"
    );
}
