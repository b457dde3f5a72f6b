//! Project-level configs (DESIGN.md "Every path onto the machine"): the projects Claude
//! Code, VS Code, Cursor, Windsurf and Zed remember are found from their real state files
//! (SQLite databases in the apps' own schemas), every kind of project config is listed with
//! a verdict, wiring touches a project only when asked for, and unwiring gives each file
//! back byte for byte.

use std::path::{Path, PathBuf};

use gatehouse_e2e::Sandbox;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection, Executor};

use super::{clients, home};

/// A project config of each kind, relative to its project folder.
const PROJECT_FILES: [(&str, &str); 5] = [
    (
        ".mcp.json",
        "{\n  \"mcpServers\": {\n    \"shop-db\": {\"command\": \"/bin/true\", \"args\": [\"--db\"]}\n  }\n}\n",
    ),
    (
        ".cursor/mcp.json",
        "{\n\t\"mcpServers\": {\"lint\": {\"command\": \"/bin/true\"}}\n}\n",
    ),
    (
        ".vscode/mcp.json",
        "// team servers\n{\n  \"servers\": {\n    \"docs\": {\"type\": \"stdio\", \"command\": \"/bin/true\", \"args\": [\"docs\",],},\n  },\n}\n",
    ),
    (
        ".windsurf/mcp.json",
        "{\"mcpServers\": {\"deploy\": {\"command\": \"/bin/true\", \"args\": [\"deploy\"]}}}\n",
    ),
    (
        ".zed/settings.json",
        "// project settings\n{\n  \"context_servers\": {\n    \"notes\": {\"command\": \"/bin/true\", \"args\": [],},\n  },\n}\n",
    ),
];

async fn database(path: &Path, sql: &'static str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true);
    let mut conn = options.connect().await.unwrap();
    conn.execute(sql).await.unwrap();
    conn.close().await.unwrap();
}

/// `INSERT` of a VS Code family `state.vscdb` naming `folder` as recently opened.
async fn editor_state(path: &Path, folder: &Path) {
    database(
        path,
        "CREATE TABLE ItemTable (key TEXT UNIQUE ON CONFLICT REPLACE, value BLOB)",
    )
    .await;
    let uri = format!("file://{}", folder.to_str().unwrap().replace(' ', "%20"));
    let value = serde_json::json!({"entries": [
        {"folderUri": uri},
        {"fileUri": "file:///etc/hosts"},
        {"folderUri": "vscode-remote://ssh-remote%2Bbox/srv/app"},
    ]})
    .to_string();
    let mut conn = SqliteConnectOptions::new()
        .filename(path)
        .connect()
        .await
        .unwrap();
    sqlx::query("INSERT INTO ItemTable VALUES ('history.recentlyOpenedPathsList', ?1)")
        .bind(value)
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
}

fn files_by_project(list: &[serde_json::Value]) -> Vec<(String, String, String)> {
    let mut found: Vec<(String, String, String)> = list
        .iter()
        .filter(|file| !file["project"].is_null())
        .map(|file| {
            (
                file["project"].as_str().unwrap().to_owned(),
                file["client"].as_str().unwrap().to_owned(),
                file["path"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    found.sort();
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn projects_the_apps_remember_are_found_wired_when_asked_and_given_back() {
    let sandbox = Sandbox::new();
    let home = home(&sandbox);
    let root = sandbox.path().join("projects");
    // One project per way of learning of it, each holding every kind of project config.
    let names = ["shop", "my site", "notes", "blog", "api", "extra"];
    let mut originals: Vec<(PathBuf, String)> = Vec::new();
    for name in names {
        for (relative, text) in PROJECT_FILES {
            let path = root.join(name).join(relative);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, text).unwrap();
            originals.push((path, text.to_owned()));
        }
    }
    let project = |name: &str| root.join(name);
    // Claude Code's own file names "shop"; VS Code, Cursor and Windsurf remember one each
    // in their state databases; Zed in its workspace table; "extra" is named only on the
    // command line.
    std::fs::create_dir_all(&home).unwrap();
    std::fs::write(
        home.join(".claude.json"),
        serde_json::json!({"projects": {project("shop").to_str().unwrap(): {"mcpServers": {}}}})
            .to_string(),
    )
    .unwrap();
    let config = home.join(".config");
    editor_state(
        &config.join("Code/User/globalStorage/state.vscdb"),
        &project("my site"),
    )
    .await;
    editor_state(
        &config.join("Cursor/User/globalStorage/state.vscdb"),
        &project("notes"),
    )
    .await;
    editor_state(
        &config.join("Windsurf/User/globalStorage/state.vscdb"),
        &project("api"),
    )
    .await;
    let zed = home.join(".local/share/zed/db/0-stable/db.sqlite");
    database(
        &zed,
        "CREATE TABLE workspaces (workspace_id INTEGER PRIMARY KEY, paths TEXT, paths_order TEXT, \
         remote_connection_id INTEGER, timestamp TEXT DEFAULT CURRENT_TIMESTAMP NOT NULL)",
    )
    .await;
    {
        let mut conn = SqliteConnectOptions::new()
            .filename(&zed)
            .connect()
            .await
            .unwrap();
        sqlx::query("INSERT INTO workspaces (paths, remote_connection_id) VALUES (?1, NULL)")
            .bind(project("blog").to_str().unwrap())
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
    }
    let zed_before = std::fs::read(&zed).unwrap();

    let extra = project("extra");
    let (code, out, err) = clients(
        &sandbox,
        &[
            "clients",
            "list",
            "--json",
            "--project",
            extra.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    let list: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    let found = files_by_project(&list);
    for name in names {
        let kinds: Vec<&str> = found
            .iter()
            .filter(|(p, _, _)| Path::new(p) == project(name))
            .map(|(_, client, _)| client.as_str())
            .collect();
        assert_eq!(
            kinds,
            vec!["claude-code", "cursor", "vscode", "windsurf", "zed"],
            "every kind of config of `{name}` is found: {found:#?}"
        );
    }
    for file in list.iter().filter(|f| !f["project"].is_null()) {
        let entry = &file["entries"][0];
        assert_eq!(entry["routed"], false, "{file}");
        assert_eq!(entry["verdict"]["verdict"], "allow", "{file}");
    }
    assert_eq!(
        std::fs::read(&zed).unwrap(),
        zed_before,
        "another app's database is only read"
    );
    // Without `--project`, "extra" is not known.
    let (_, out, _) = clients(&sandbox, &["clients", "list", "--json"]);
    let list: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    assert!(
        !files_by_project(&list)
            .iter()
            .any(|(p, _, _)| Path::new(p) == extra),
        "{out}"
    );

    // Wiring the apps' own files leaves every project alone.
    let (code, out, err) = clients(&sandbox, &["clients", "wire"]);
    assert_eq!(code, 0, "{out}\n{err}");
    for (path, text) in &originals {
        assert_eq!(
            &std::fs::read_to_string(path).unwrap(),
            text,
            "{}",
            path.display()
        );
    }
    // Wiring one project changes its five files and no other.
    let site = project("my site");
    let (code, out, err) = clients(
        &sandbox,
        &["clients", "wire", "--project", site.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    for (path, text) in &originals {
        let now = std::fs::read_to_string(path).unwrap();
        if path.starts_with(&site) {
            assert!(
                now.contains("\"run\""),
                "{} is wired: {now}",
                path.display()
            );
        } else {
            assert_eq!(&now, text, "{} is another project's", path.display());
        }
    }
    let (_, out, _) = clients(&sandbox, &["clients", "list", "--json"]);
    let list: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    for file in list
        .iter()
        .filter(|f| f["project"].as_str().is_some_and(|p| Path::new(p) == site))
    {
        assert_eq!(file["entries"][0]["routed"], true, "{file}");
    }
    // Every project wired, then everything given back byte for byte.
    for name in names {
        let (code, out, err) = clients(
            &sandbox,
            &[
                "clients",
                "wire",
                "--project",
                project(name).to_str().unwrap(),
            ],
        );
        assert_eq!(code, 0, "{name}: {out}\n{err}");
    }
    let (code, out, err) = clients(
        &sandbox,
        &["clients", "unwire", "--project", site.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    for (path, text) in originals.iter().filter(|(p, _)| p.starts_with(&site)) {
        assert_eq!(
            &std::fs::read_to_string(path).unwrap(),
            text,
            "{}",
            path.display()
        );
    }
    let (code, out, err) = clients(&sandbox, &["clients", "unwire"]);
    assert_eq!(code, 0, "{out}\n{err}");
    for (path, text) in &originals {
        assert_eq!(
            &std::fs::read_to_string(path).unwrap(),
            text,
            "{} is given back byte for byte",
            path.display()
        );
    }
    let (code, _, err) = clients(
        &sandbox,
        &["clients", "wire", "--project", "/nowhere/at/all"],
    );
    assert_eq!(
        code, 2,
        "a folder that does not exist is a usage error: {err}"
    );
}
