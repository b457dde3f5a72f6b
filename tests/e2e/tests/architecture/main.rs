//! The boundaries of DESIGN.md, checked on the real dependency graph and the real binaries:
//! only `src-tauri` may depend on tauri (directly or not), only `store` on sqlx, only `hub`
//! on reqwest; and the `gatehouse` binary that client apps start must not link the webview.
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
