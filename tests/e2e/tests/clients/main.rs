//! `gatehouse clients list|wire|unwire` on a temporary home holding the configs of all seven
//! client apps: every local entry ends up running `gatehouse run <id>`, a wired entry really
//! runs its MCP server through Gatehouse, and unwiring gives every file back byte for byte.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

use std::path::{Path, PathBuf};

use gatehouse_e2e::{Sandbox, binary, real_server};
use rmcp::ServiceExt;
use rmcp::transport::TokioChildProcess;

mod extensions;
mod placeholders;
mod projects;

/// Each app's file (relative to the home, Linux layout with `XDG_CONFIG_HOME=~/.config`)
/// and its text; `{E}` is the real server's path.
const FILES: [(&str, &str); 7] = [
    (
        ".config/Claude/claude_desktop_config.json",
        "{\n  \"mcpServers\": {\n    \"everything\": {\n      \"command\": \"{E}\",\n      \"args\": [\"stdio\"]\n    }\n  },\n  \"globalShortcut\": \"\"\n}\n",
    ),
    (
        ".claude.json",
        "{\n  \"numStartups\": 3,\n  \"mcpServers\": {\"linear\": {\"type\": \"sse\", \"url\": \"https://mcp.linear.app/sse\"}},\n  \"projects\": {\n    \"/home/ana/shop\": {\n      \"allowedTools\": [],\n      \"mcpServers\": {\"shop-tools\": {\"type\": \"stdio\", \"command\": \"{E}\", \"args\": [\"stdio\"], \"env\": {}}}\n    }\n  }\n}\n",
    ),
    (
        ".cursor/mcp.json",
        "{\n\t\"mcpServers\": {\n\t\t\"everything\": {\"command\": \"{E}\", \"args\": [\"stdio\"]}\n\t}\n}\n",
    ),
    (
        ".config/Code/User/mcp.json",
        "// user MCP servers\n{\n  \"inputs\": [],\n  \"servers\": {\n    /* local */\n    \"ref\": {\"type\": \"stdio\", \"command\": \"{E}\", \"args\": [\"stdio\",],},\n    \"remote\": {\"type\": \"http\", \"url\": \"https://example.com/mcp\"},\n  },\n}\n",
    ),
    (
        ".codeium/windsurf/mcp_config.json",
        "{\n  \"mcpServers\": {\n    \"think\": {\"command\": \"{E}\", \"args\": [\"stdio\"], \"disabled\": false},\n    \"figma\": {\"serverUrl\": \"https://mcp.figma.com/mcp\"}\n  }\n}\n",
    ),
    (
        ".config/zed/settings.json",
        "// Zed settings\n{\n  \"theme\": \"One Dark\",\n  \"context_servers\": {\n    \"everything\": {\"source\": \"custom\", \"command\": \"{E}\", \"args\": [\"stdio\", \"--zed\"], \"env\": {},},\n  },\n}\n",
    ),
    (
        ".config/Code/User/globalStorage/saoudrizwan.claude-dev/settings/cline_mcp_settings.json",
        "{\n  \"mcpServers\": {\n    \"pup\": {\"command\": \"{E}\", \"args\": [\"stdio\"], \"autoApprove\": [], \"type\": \"stdio\"},\n    \"ctx7\": {\"type\": \"streamableHttp\", \"url\": \"https://mcp.context7.com/mcp\"}\n  }\n}\n",
    ),
];

fn home(sandbox: &Sandbox) -> PathBuf {
    sandbox.path().join("home")
}

fn write_all(sandbox: &Sandbox, server: &Path) -> Vec<(PathBuf, String)> {
    let server = server.to_str().unwrap();
    FILES
        .iter()
        .map(|(relative, text)| {
            let path = home(sandbox).join(relative);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            let text = text.replace("{E}", server);
            std::fs::write(&path, &text).unwrap();
            (path, text)
        })
        .collect()
}

fn clients(sandbox: &Sandbox, args: &[&str]) -> (i32, String, String) {
    let output = sandbox
        .gatehouse(args)
        .env("XDG_CONFIG_HOME", home(sandbox).join(".config"))
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn list(sandbox: &Sandbox) -> Vec<serde_json::Value> {
    let (code, out, err) = clients(sandbox, &["clients", "list", "--json"]);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).unwrap()
}

/// Runs a wired entry exactly as its app would (its command and arguments, over stdio) with
/// an MCP client, and checks the server behind it answers with its `echo` tool.
async fn run_as_the_app(sandbox: &Sandbox, entry: &serde_json::Value) {
    let mut command = tokio::process::Command::new(entry["command"].as_str().unwrap());
    command
        .args(
            entry["args"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap()),
        )
        .envs(sandbox.env());
    let client = ().serve(TokioChildProcess::new(command).unwrap()).await.unwrap();
    let tools = client.list_all_tools().await.unwrap();
    assert!(tools.iter().any(|tool| tool.name == "echo"), "{tools:?}");
    client.cancel().await.unwrap();
}

/// Whether the audit log holds an allowed launch of server `id`.
fn launch_allowed(sandbox: &Sandbox, id: &str) -> bool {
    sandbox
        .audit()
        .iter()
        .any(|e| e["kind"] == "launch_allowed" && e["detail"]["id"] == id)
}

/// Strips `//` and `/* */` comments and trailing commas, so a JSONC file can be checked
/// with a strict JSON parser (string contents here hold no comment markers).
fn strict(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find(['/', ',']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if tail.starts_with("//") && !out.ends_with(':') && !out.ends_with("\"https:") {
            rest = tail.find('\n').map_or("", |n| &tail[n..]);
        } else if tail.starts_with("/*") {
            rest = tail.find("*/").map_or("", |n| &tail[n + 2..]);
        } else if tail.starts_with(',') && tail[1..].trim_start().starts_with(['}', ']']) {
            rest = &tail[1..];
        } else {
            out.push_str(&tail[..1]);
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wire_routes_all_seven_apps_through_gatehouse_run_and_unwire_restores_them() {
    let Some(everything) = real_server("node_modules/.bin/mcp-server-everything") else {
        return;
    };
    let sandbox = Sandbox::new();
    let originals = write_all(&sandbox, &everything);

    let before = list(&sandbox);
    assert_eq!(before.len(), 7, "all seven apps are found: {before:#?}");
    let (code, out, err) = clients(&sandbox, &["clients", "wire"]);
    assert_eq!(code, 0, "{out}\n{err}");

    let gatehouse = sandbox.launcher_copy();
    let gatehouse = gatehouse.to_str().unwrap();
    for (path, _) in &originals {
        let text = std::fs::read_to_string(path).unwrap();
        let value: serde_json::Value = serde_json::from_str(&strict(&text))
            .unwrap_or_else(|e| panic!("{} is no longer valid: {e}\n{text}", path.display()));
        assert!(
            text.contains(gatehouse),
            "{} calls gatehouse: {text}",
            path.display()
        );
        assert!(value.is_object());
    }
    let mut ids = Vec::new();
    for file in list(&sandbox) {
        assert!(file["error"].is_null(), "{file}");
        for entry in file["entries"].as_array().unwrap() {
            if entry["kind"] == "local" {
                assert_eq!(
                    entry["routed"], true,
                    "every local entry is routed: {entry}"
                );
                ids.push(entry["server_id"].as_str().unwrap().to_owned());
            } else {
                let host = entry["host"].as_str().unwrap();
                assert_eq!(
                    entry["status"],
                    format!("remote, on {host}; not checked at launch"),
                    "{entry}"
                );
            }
        }
    }
    ids.sort();
    assert_eq!(
        ids,
        [
            "everything",
            "everything",
            "everything-zed",
            "pup",
            "ref",
            "shop-tools",
            "think"
        ],
        "the same key and launch in two apps is one server; a different launch gets `-<client>`"
    );

    // The wired Cursor entry, run exactly as Cursor would: through gatehouse, to the server.
    let cursor: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&originals[2].0).unwrap()).unwrap();
    run_as_the_app(&sandbox, &cursor["mcpServers"]["everything"]).await;
    assert!(
        launch_allowed(&sandbox, "everything"),
        "the launch went through the policy check"
    );

    let (code, out, err) = clients(&sandbox, &["clients", "unwire"]);
    assert_eq!(code, 0, "{out}\n{err}");
    for (path, original) in &originals {
        assert_eq!(
            &std::fs::read_to_string(path).unwrap(),
            original,
            "{} is restored byte for byte",
            path.display()
        );
    }
    let (_, out, _) = sandbox.run(&["servers", "list", "--json"]);
    assert_eq!(out.trim(), "[]", "unwired client servers are unregistered");
}

#[test]
fn an_unparsable_file_is_left_untouched_with_exit_1_while_the_others_are_wired() {
    let sandbox = Sandbox::new();
    let cursor = home(&sandbox).join(".cursor/mcp.json");
    std::fs::create_dir_all(cursor.parent().unwrap()).unwrap();
    let broken = "{\"mcpServers\": {\"a\": {\"command\": \"/bin/true\"},}}";
    std::fs::write(&cursor, broken).unwrap();
    let windsurf = home(&sandbox).join(".codeium/windsurf/mcp_config.json");
    std::fs::create_dir_all(windsurf.parent().unwrap()).unwrap();
    std::fs::write(
        &windsurf,
        "{\"mcpServers\": {\"b\": {\"command\": \"/bin/true\"}}}",
    )
    .unwrap();

    let (code, _, err) = clients(&sandbox, &["clients", "wire"]);
    assert_eq!(code, 1, "a file left untouched is exit 1: {err}");
    assert!(err.contains("mcp.json"), "{err}");
    assert_eq!(std::fs::read_to_string(&cursor).unwrap(), broken);
    assert!(
        std::fs::read_to_string(&windsurf)
            .unwrap()
            .contains("\"run\"")
    );

    // `servers remove` unwires the entry before unregistering it.
    let (code, _, err) = sandbox.run(&["servers", "remove", "b"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        std::fs::read_to_string(&windsurf).unwrap(),
        "{\"mcpServers\": {\"b\": {\"command\": \"/bin/true\"}}}"
    );
}

/// Secrets: the env value leaves the file for the OS keyring, `gatehouse run` hands it to
/// the server, and unwiring writes it back. Needs a Secret Service (gnome-keyring).
#[test]
fn a_secret_env_value_moves_to_the_keyring_reaches_the_server_and_comes_back() {
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
        if std::env::var_os("GATEHOUSE_REQUIRE_DESKTOP").is_some() {
            panic!("the keyring test needs a D-Bus session with a Secret Service");
        }
        eprintln!("SKIPPED: the keyring test needs a D-Bus session (DBUS_SESSION_BUS_ADDRESS)");
        return;
    }
    let sandbox = Sandbox::new();
    let out = sandbox.path().join("seen");
    // A unique id per run, so runs never share keyring items.
    let id = format!("secret-{}", std::process::id());
    let path = home(&sandbox).join(".cursor/mcp.json");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let original = format!(
        "{{\"mcpServers\": {{\"{id}\": {{\"command\": \"/bin/sh\", \"args\": [\"-c\", \"printf %s \\\"$API_TOKEN\\\" > {}\"], \"env\": {{\"API_TOKEN\": \"tok-\\u0041bc \\\"q\\\"\", \"MODE\": \"x\"}}}}}}}}",
        out.display()
    );
    std::fs::write(&path, &original).unwrap();
    let (code, _, err) = clients(&sandbox, &["clients", "wire"]);
    assert_eq!(code, 0, "{err}");
    let wired = std::fs::read_to_string(&path).unwrap();
    assert!(!wired.contains("tok-"), "the secret left the file: {wired}");
    assert!(
        wired.contains("\"MODE\": \"x\""),
        "plain values stay: {wired}"
    );
    let db = std::fs::read(sandbox.data_dir().join("gatehouse.db")).unwrap();
    assert!(
        !String::from_utf8_lossy(&db).contains("tok-"),
        "the secret is not in SQLite"
    );

    let (code, _, err) = sandbox.run(&["run", &id]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "tok-Abc \"q\"");

    let (code, _, err) = clients(&sandbox, &["clients", "unwire"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), original);
}

#[cfg(unix)]
#[test]
fn linked_private_and_read_only_configs_round_trip_or_are_refused() {
    use std::os::unix::fs::PermissionsExt;
    let sandbox = Sandbox::new();
    let dotfiles = home(&sandbox).join("dotfiles");
    std::fs::create_dir_all(&dotfiles).unwrap();
    let mut files = Vec::new();
    for (index, (relative, text)) in FILES.iter().enumerate() {
        // Each config lives in a dotfiles folder and is linked into place, owner-only.
        let real = dotfiles.join(format!("{index}.json"));
        let text = text.replace("{E}", "/bin/true");
        std::fs::write(&real, &text).unwrap();
        std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o600)).unwrap();
        let link = home(&sandbox).join(relative);
        std::fs::create_dir_all(link.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        files.push((link, real, text));
    }
    // Windsurf's is read-only: reported and left alone, never replaced.
    let read_only = &files[4];
    std::fs::set_permissions(&read_only.1, std::fs::Permissions::from_mode(0o400)).unwrap();

    let (code, out, err) = clients(&sandbox, &["clients", "wire"]);
    assert_eq!(code, 1, "one file could not be changed: {out}\n{err}");
    assert!(
        format!("{out}{err}").contains("read-only"),
        "the reason is given: {out}\n{err}"
    );
    for (index, (link, real, text)) in files.iter().enumerate() {
        let meta = std::fs::symlink_metadata(link).unwrap();
        assert!(
            meta.file_type().is_symlink(),
            "{} is still a link",
            link.display()
        );
        let now = std::fs::read_to_string(real).unwrap();
        if index == 4 {
            assert_eq!(&now, text, "the read-only file is untouched");
            continue;
        }
        assert!(
            now.contains("\"run\""),
            "{} is wired at its target: {now}",
            real.display()
        );
        let mode = std::fs::metadata(real).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{} keeps its mode", real.display());
    }

    let (code, out, err) = clients(&sandbox, &["clients", "unwire"]);
    assert_eq!(code, 0, "{out}\n{err}");
    for (link, real, text) in &files {
        assert!(
            std::fs::symlink_metadata(link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(
            &std::fs::read_to_string(real).unwrap(),
            text,
            "{} is given back byte for byte",
            real.display()
        );
    }
}

#[test]
fn every_entry_shows_the_verdict_it_has_or_would_have() {
    let sandbox = Sandbox::new();
    sandbox.write_config("policy:\n  deny_list: ['@evil/*']\n");
    let cursor = home(&sandbox).join(".cursor/mcp.json");
    std::fs::create_dir_all(cursor.parent().unwrap()).unwrap();
    let text = serde_json::json!({"mcpServers": {
        "evil": {"command": "npx", "args": ["-y", "@evil/pkg"]},
        "fine": {"command": "/bin/true"},
        "@evil/remote": {"url": "https://mcp.evil.example/mcp"},
    }});
    std::fs::write(&cursor, text.to_string()).unwrap();
    let files = list(&sandbox);
    let entries = files[0]["entries"].as_array().unwrap();
    let verdict =
        |name: &str| entries.iter().find(|e| e["name"] == name).unwrap()["verdict"].clone();
    assert_eq!(verdict("evil")["verdict"], "block", "{files:#?}");
    assert_eq!(
        verdict("evil")["enforced"],
        false,
        "not routed: what it would get"
    );
    assert!(
        verdict("evil")["reasons"]
            .to_string()
            .contains("block this server"),
        "{}",
        verdict("evil")
    );
    assert_eq!(verdict("fine")["verdict"], "allow", "{files:#?}");
    assert_eq!(verdict("@evil/remote")["verdict"], "block", "{files:#?}");
}

/// A build from a checkout wires entries that call its own copy of the launcher in the data
/// folder, so deleting the checkout (or rebuilding it) leaves every client app working.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entries_wired_by_a_checkout_build_keep_working_once_the_checkout_is_deleted() {
    let Some(everything) = real_server("node_modules/.bin/mcp-server-everything") else {
        return;
    };
    let sandbox = Sandbox::new();
    let checkout = sandbox.path().join("checkout/target/debug");
    std::fs::create_dir_all(&checkout).unwrap();
    let built = checkout.join("gatehouse");
    std::fs::copy(binary("gatehouse"), &built).unwrap();
    let cursor = home(&sandbox).join(".cursor/mcp.json");
    std::fs::create_dir_all(cursor.parent().unwrap()).unwrap();
    let original = format!(
        "{{\"mcpServers\": {{\"everything\": {{\"command\": \"{}\", \"args\": [\"stdio\"]}}}}}}",
        everything.display()
    );
    std::fs::write(&cursor, &original).unwrap();

    let output = std::process::Command::new(&built)
        .args(["clients", "wire", "--client", "cursor"])
        .envs(sandbox.env())
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let wired: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&cursor).unwrap()).unwrap();
    let entry = wired["mcpServers"]["everything"].clone();
    assert_eq!(
        entry["command"],
        sandbox.launcher_copy().to_str().unwrap(),
        "the entry calls the data folder's copy, not the checkout: {entry}"
    );

    std::fs::remove_dir_all(sandbox.path().join("checkout")).unwrap();
    run_as_the_app(&sandbox, &entry).await;
    assert!(
        launch_allowed(&sandbox, "everything"),
        "the launch still went through the policy check"
    );

    // Another build (the test binary, at another path) still sees the entry as routed: the
    // copy holds its bytes. Its unwiring gives the file back.
    let listed = list(&sandbox);
    let routed = listed
        .iter()
        .flat_map(|file| file["entries"].as_array().cloned().unwrap_or_default())
        .any(|entry| entry["routed"] == true);
    assert!(routed, "{listed:#?}");
    let (code, out, err) = clients(&sandbox, &["clients", "unwire", "--client", "cursor"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(std::fs::read_to_string(&cursor).unwrap(), original);
}
