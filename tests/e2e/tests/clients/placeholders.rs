//! Values the app fills in at launch (DESIGN.md "Every path onto the machine"): an entry
//! using every kind of placeholder (`${workspaceFolder}`, `${userHome}`, `${input:…}`,
//! `${env:…}`, `${VAR:-default}`, an `envFile`) is wired, then started exactly as the app
//! would start it (its placeholders expanded, its env file loaded), and the server gets the
//! same program, arguments and variables as when the app started it directly.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use gatehouse_e2e::Sandbox;

use super::{clients, home};

/// A "server" that writes what it was started with next to itself, then exits.
const ECHO_SERVER: &str = "#!/bin/sh\n\
out=\"$(dirname \"$0\")/../started.txt\"\n\
printf 'argv0=%s\\n' \"$0\" > \"$out\"\n\
for arg in \"$@\"; do printf 'arg=%s\\n' \"$arg\" >> \"$out\"; done\n\
printf 'API_KEY=%s\\nPLAIN=%s\\nFROM_FILE=%s\\nVALUE=%s\\n' \"$API_KEY\" \"$PLAIN\" \"$FROM_FILE\" \"${GATEHOUSE_VALUE_0:-none}\" >> \"$out\"\n";

const ENTRY: &str = r#"{
  "inputs": [{"id": "vault", "type": "promptString"}],
  "servers": {
    "kinds": {
      "type": "stdio",
      "command": "${workspaceFolder}/bin/echo-server",
      "args": ["--root=${userHome}/notes", "--vault", "${input:vault}", "${env:SHOP_MODE}", "level-${SHOP_LEVEL:-3}"],
      "env": {"API_KEY": "${input:api-key}", "PLAIN": "yes"},
      "envFile": "${workspaceFolder}/.env"
    }
  }
}
"#;

/// Expands `text` as VS Code would for this project.
fn expand(text: &str, project: &Path, home: &Path) -> String {
    let mut out = text
        .replace("${workspaceFolder}", project.to_str().unwrap())
        .replace("${userHome}", home.to_str().unwrap())
        .replace("${input:vault}", "my vault")
        .replace("${input:api-key}", "k-123")
        .replace("${env:SHOP_MODE}", "fast");
    // `${NAME:-default}` with NAME unset.
    while let Some(start) = out.find("${") {
        let end = start + out[start..].find('}').unwrap();
        let inner = out[start + 2..end].to_owned();
        let default = inner.split_once(":-").map_or("", |(_, d)| d).to_owned();
        out.replace_range(start..=end, &default);
    }
    out
}

/// The entry `kinds` of `file`, started as the app starts it: placeholders expanded, the
/// env file loaded, nothing else of the test's environment but `extra`.
fn start_as_the_app(
    file: &Path,
    project: &Path,
    home: &Path,
    extra: &[(&str, PathBuf)],
    tamper: Option<(&str, &str)>,
) -> (i32, String) {
    let text = std::fs::read_to_string(file).unwrap();
    let strict: serde_json::Value = serde_json::from_str(&text).unwrap();
    let entry = &strict["servers"]["kinds"];
    let command = expand(entry["command"].as_str().unwrap(), project, home);
    let args: Vec<String> = entry["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| expand(a.as_str().unwrap(), project, home))
        .collect();
    let mut env: BTreeMap<String, String> = BTreeMap::new();
    let env_file = expand(entry["envFile"].as_str().unwrap(), project, home);
    for line in std::fs::read_to_string(env_file).unwrap().lines() {
        if let Some((name, value)) = line.split_once('=') {
            env.insert(name.to_owned(), value.to_owned());
        }
    }
    for (name, value) in entry["env"].as_object().unwrap() {
        env.insert(name.clone(), expand(value.as_str().unwrap(), project, home));
    }
    if let Some((name, value)) = tamper {
        env.insert(name.to_owned(), value.to_owned());
    }
    let _ = std::fs::remove_file(project.join("started.txt"));
    let status = Command::new(&command)
        .args(&args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .envs(&env)
        .envs(extra.iter().map(|(k, v)| (*k, v)))
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let started = std::fs::read_to_string(project.join("started.txt")).unwrap_or_default();
    assert!(
        status.status.code().is_some(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    (
        status.status.code().unwrap_or(-1),
        started + &String::from_utf8_lossy(&status.stderr),
    )
}

#[cfg(unix)]
#[test]
fn every_kind_of_placeholder_still_starts_its_server_after_wiring() {
    use std::os::unix::fs::PermissionsExt;
    let sandbox = Sandbox::new();
    let home = home(&sandbox);
    let project = sandbox.path().join("shop");
    std::fs::create_dir_all(project.join("bin")).unwrap();
    std::fs::create_dir_all(project.join(".vscode")).unwrap();
    let server = project.join("bin/echo-server");
    std::fs::write(&server, ECHO_SERVER).unwrap();
    std::fs::set_permissions(&server, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(project.join(".env"), "FROM_FILE=loaded\n").unwrap();
    let config = project.join(".vscode/mcp.json");
    std::fs::write(&config, ENTRY).unwrap();
    std::fs::create_dir_all(&home).unwrap();

    let (code, direct) = start_as_the_app(&config, &project, &home, &[], None);
    assert_eq!(code, 0, "{direct}");
    assert!(direct.contains("arg=--root="), "{direct}");
    assert!(direct.contains("FROM_FILE=loaded"), "{direct}");

    let (code, out, err) = clients(
        &sandbox,
        &["clients", "wire", "--project", project.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    let wired = std::fs::read_to_string(&config).unwrap();
    let strict: serde_json::Value = serde_json::from_str(&wired).unwrap();
    let entry = &strict["servers"]["kinds"];
    assert_eq!(entry["args"][0], "run", "{wired}");
    assert_eq!(entry["command"], sandbox.launcher_copy().to_str().unwrap());
    assert_eq!(
        entry["env"]["GATEHOUSE_VALUE_0"],
        "${workspaceFolder}/bin/echo-server"
    );
    assert_eq!(entry["env"]["GATEHOUSE_VALUE_3"], "${input:vault}");
    assert_eq!(
        entry["env"]["API_KEY"], "${input:api-key}",
        "a value the app fills in stays for the app"
    );
    assert_eq!(entry["envFile"], "${workspaceFolder}/.env");
    assert!(
        !wired.contains("my vault") && !wired.contains("k-123"),
        "no value is ever written down"
    );

    // Started as the app would start the wired entry: the same server, the same launch.
    let sandbox_env = sandbox.env();
    let (code, through) = start_as_the_app(&config, &project, &home, &sandbox_env, None);
    assert_eq!(code, 0, "{through}");
    assert_eq!(
        through, direct,
        "the server starts as it did before wiring, and no GATEHOUSE_VALUE reaches it"
    );

    // A value aimed at a fixed position, or one that does not fit its text, is refused.
    let (code, refused) = start_as_the_app(
        &config,
        &project,
        &home,
        &sandbox_env,
        Some(("GATEHOUSE_VALUE_2", "--inject")),
    );
    assert_eq!(code, 1, "{refused}");
    assert!(refused.contains("takes no value"), "{refused}");
    let (code, refused) = start_as_the_app(
        &config,
        &project,
        &home,
        &sandbox_env,
        Some(("GATEHOUSE_VALUE_1", "--root=/etc")),
    );
    assert_eq!(code, 1, "{refused}");
    assert!(refused.contains("does not fit"), "{refused}");
    assert!(!project.join("started.txt").exists(), "nothing was started");

    let (code, out, err) = clients(&sandbox, &["clients", "unwire"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(std::fs::read_to_string(&config).unwrap(), ENTRY);
}

#[test]
fn an_env_file_gatehouse_cannot_read_leaves_the_entry_working_as_it_was() {
    let sandbox = Sandbox::new();
    let vscode = home(&sandbox).join(".config/Code/User/mcp.json");
    std::fs::create_dir_all(vscode.parent().unwrap()).unwrap();
    // A user-level file: `${workspaceFolder}` is whatever folder VS Code has open.
    let text = r#"{"servers": {
  "envfile": {"type": "stdio", "command": "node", "args": ["server.js"], "envFile": "${workspaceFolder}/.env"},
  "plain": {"type": "stdio", "command": "/bin/true"}
}}
"#;
    std::fs::write(&vscode, text).unwrap();
    let (code, out, err) = clients(&sandbox, &["clients", "wire"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("Left VS Code `envfile` as it is"), "{out}");
    let now = std::fs::read_to_string(&vscode).unwrap();
    assert!(now.contains(r#""command": "node""#), "{now}");
    let (code, out, err) = clients(&sandbox, &["clients", "unwire"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(std::fs::read_to_string(&vscode).unwrap(), text);
}
