//! The boundaries of DESIGN.md, checked on the real dependency graph and the real binaries:
//! only `src-tauri` may depend on tauri (directly or not), only `store` on sqlx, only `hub`
//! on reqwest; core and the crates below it reach no OS adapter (keyring, notifications,
//! file watching, the log writer: those are `gatehouse-desktop`'s); and the `gatehouse`
//! binary that client apps start must not link the webview. The source of core is checked
//! too: it reads no process environment, prints nothing to stderr, and keeps its shape
//! (a dozen public modules at most, no production file over 600 lines).
//! (`deny.toml` states the same bans for cargo-deny; this test needs nothing installed.)

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use serde_json::Value;

/// (crate, the only workspace package that may reach it at all, even through other crates):
/// nothing below the app may pull in the webview.
const TRANSITIVE_BANS: &[(&str, &str)] = &[
    ("tauri", "gatehouse-app"),
    ("wry", "gatehouse-app"),
    ("webkit2gtk", "gatehouse-app"),
];

/// (crate, the only workspace package that may use it directly): others reach SQL and HTTP
/// through the store and the hub client. (Tauri itself depends on reqwest; that is tauri's.)
const DIRECT_BANS: &[(&str, &str)] = &[("sqlx", "gatehouse-store"), ("reqwest", "gatehouse-hub")];

/// OS adapter crates that only `gatehouse-desktop` (and the shells through it) may reach.
const ADAPTER_CRATES: &[&str] = &["keyring", "notify", "notify-rust", "tracing-subscriber"];

/// The workspace crates below the shells: none may reach an adapter crate, even indirectly.
const BELOW_THE_ADAPTERS: &[&str] = &[
    "gatehouse-core",
    "gatehouse-policy",
    "gatehouse-store",
    "gatehouse-hub",
    "gatehouse-launch",
    "gatehouse-clients",
    "gatehouse-artifact",
];

fn metadata() -> Value {
    let output = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--locked", "--offline"])
        .current_dir(gatehouse_e2e::workspace_root())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// For each workspace package, the names of every crate it depends on (transitively, or only
/// directly), counting normal and build dependencies: dev-dependencies do not reach the
/// shipped binaries.
fn deps(meta: &Value, transitive: bool) -> BTreeMap<String, BTreeSet<String>> {
    let names: BTreeMap<&str, &str> = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p["name"].as_str().unwrap()))
        .collect();
    let edges: BTreeMap<&str, Vec<&str>> = meta["resolve"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|node| {
            let deps = node["deps"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|dep| {
                    dep["dep_kinds"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|kind| kind["kind"].as_str() != Some("dev"))
                })
                .map(|dep| dep["pkg"].as_str().unwrap())
                .collect();
            (node["id"].as_str().unwrap(), deps)
        })
        .collect();
    let mut result = BTreeMap::new();
    for member in meta["workspace_members"].as_array().unwrap() {
        let member = member.as_str().unwrap();
        let mut seen = BTreeSet::new();
        let mut stack = vec![member];
        while let Some(id) = stack.pop() {
            for dep in edges.get(id).into_iter().flatten() {
                if seen.insert(*dep) && transitive {
                    stack.push(dep);
                }
            }
        }
        let deps = seen.iter().map(|id| names[id].to_owned()).collect();
        result.insert(names[member].to_owned(), deps);
    }
    result
}

#[test]
fn banned_crates_stay_in_their_one_crate() {
    let meta = metadata();
    let mut violations = Vec::new();
    for (transitive, bans) in [(true, TRANSITIVE_BANS), (false, DIRECT_BANS)] {
        let deps = deps(&meta, transitive);
        assert!(
            deps.contains_key("gatehouse-app"),
            "the workspace must contain the app crate"
        );
        for (package, crates) in &deps {
            for (banned, owner) in bans {
                if package != owner && crates.contains(*banned) {
                    violations.push(format!(
                        "`{package}` depends on `{banned}` (only `{owner}` may)"
                    ));
                }
            }
        }
    }
    assert!(
        violations.is_empty(),
        "architecture boundaries broken:\n{}",
        violations.join("\n")
    );
}

#[test]
fn core_and_the_crates_below_it_reach_no_os_adapter() {
    let transitive = deps(&metadata(), true);
    let mut violations = Vec::new();
    for package in BELOW_THE_ADAPTERS {
        let reached = transitive
            .get(*package)
            .unwrap_or_else(|| panic!("`{package}` is a workspace member"));
        for adapter in ADAPTER_CRATES {
            if reached.contains(*adapter) {
                violations.push(format!("`{package}` reaches `{adapter}`"));
            }
        }
    }
    assert!(
        violations.is_empty(),
        "OS adapters belong to gatehouse-desktop:\n{}",
        violations.join("\n")
    );
    assert!(
        transitive["gatehouse-desktop"].contains("keyring")
            && transitive["gatehouse-desktop"].contains("notify"),
        "the walk must see the adapters where they are"
    );
}

/// Every `.rs` file under `dir`, with its text.
fn sources(dir: &std::path::Path) -> Vec<(std::path::PathBuf, String)> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                found.push((path, text));
            }
        }
    }
    found.sort();
    found
}

/// The lines of `text` that read the process environment or print to stderr.
fn forbidden_lines(text: &str) -> Vec<String> {
    const READS_OR_PRINTS: &[&str] = &[
        "env::var(",
        "env::var_os(",
        "env::vars(",
        "env::vars_os(",
        "env::home_dir(",
        "eprintln!",
        "eprint!",
    ];
    text.lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .filter(|line| READS_OR_PRINTS.iter().any(|needle| line.contains(needle)))
        .map(|line| line.trim().to_owned())
        .collect()
}

#[test]
fn core_reads_no_process_environment_and_prints_nothing() {
    let root = gatehouse_e2e::workspace_root();
    let mut violations = Vec::new();
    for dir in ["crates/core/src", "crates/desktop/src", "src-tauri/src"] {
        for (path, text) in sources(&root.join(dir)) {
            for line in forbidden_lines(&text) {
                // The tray app reads its environment once, at start, into core's Environment.
                if dir == "src-tauri/src" && line.contains("Environment::new(") {
                    continue;
                }
                violations.push(format!("{}: {line}", path.display()));
            }
        }
    }
    assert!(
        violations.is_empty(),
        "read the environment once in a shell and pass it in through the Context; log with \
         tracing:\n{}",
        violations.join("\n")
    );
    // Guards the scan against passing vacuously: the command line does read it, once.
    let cli: Vec<String> = sources(&root.join("crates/cli/src"))
        .iter()
        .flat_map(|(_, text)| forbidden_lines(text))
        .collect();
    assert!(
        cli.iter().any(|line| line.contains("env::vars_os(")),
        "the scan must see where the environment is read: {cli:?}"
    );
}

#[test]
fn core_keeps_its_shape() {
    let root = gatehouse_e2e::workspace_root().join("crates/core/src");
    let lib = std::fs::read_to_string(root.join("lib.rs")).unwrap();
    let public: Vec<&str> = lib
        .lines()
        .filter(|line| line.starts_with("pub mod "))
        .collect();
    assert!(
        (1..=12).contains(&public.len()),
        "core exports one module per concept, at most a dozen: {public:?}"
    );
    for (path, text) in sources(&root) {
        // Tests may be long; production files past ~600 lines want splitting by concept.
        let production = text
            .split("#[cfg(test)]\nmod tests {")
            .next()
            .unwrap_or_default();
        let is_test_file = path.file_name().is_some_and(|name| name == "tests.rs");
        let lines = production.lines().count();
        assert!(
            is_test_file || lines <= 600,
            "{} has {lines} lines of production code",
            path.display()
        );
    }
}

#[test]
fn the_check_would_see_a_violation() {
    // Guards the test above against passing vacuously: the same graph walks must find the
    // dependencies that are allowed where they are.
    let meta = metadata();
    let direct = deps(&meta, false);
    let transitive = deps(&meta, true);
    assert!(
        direct["gatehouse-app"].contains("tauri"),
        "the app's own tauri dependency is seen"
    );
    assert!(
        !direct["gatehouse-app"].contains("webkit2gtk"),
        "webkit is tauri's dependency, not the app's"
    );
    assert!(
        transitive["gatehouse-app"].contains("webkit2gtk"),
        "the transitive walk finds it"
    );
    assert!(
        direct["gatehouse-store"].contains("sqlx"),
        "the store's own sqlx is seen"
    );
}

#[test]
fn the_launcher_binary_does_not_link_the_webview() {
    let cli = gatehouse_e2e::binary("gatehouse");
    let app = gatehouse_e2e::binary("gatehouse-app");
    let linked = |path: &std::path::Path| {
        let output = Command::new("ldd")
            .arg(path)
            .output()
            .expect("ldd must be installed");
        assert!(output.status.success(), "ldd failed on {}", path.display());
        String::from_utf8_lossy(&output.stdout).to_lowercase()
    };
    let cli_libs = linked(&cli);
    for lib in ["webkit", "gtk", "javascriptcore", "soup"] {
        assert!(
            !cli_libs.contains(lib),
            "`gatehouse` must not link {lib}: it starts every managed server\n{cli_libs}"
        );
    }
    assert!(
        linked(&app).contains("webkit"),
        "the ldd check must see webkit where it is linked"
    );
}
