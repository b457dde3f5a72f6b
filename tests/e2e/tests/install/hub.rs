//! The reference hub binary over a temporary copy of `examples/hub/midsize`, with helpers to
//! publish test packages into its registry folder and to read its request counts.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use gatehouse_e2e::{Sandbox, binary, workspace_root};

pub const TOKEN: &str = "midsize-demo-token";

#[derive(Debug)]
pub struct RefHub {
    dir: tempfile::TempDir,
    child: Child,
    url: String,
    key: String,
}

impl Drop for RefHub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl RefHub {
    pub fn start() -> RefHub {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(
            &workspace_root().join("examples/hub/midsize"),
            &dir.path().join("org"),
        );
        let mut child = Command::new(binary("gatehouse-refhub"))
            .args(["--dir", dir.path().join("org").to_str().unwrap()])
            .args(["--listen", "127.0.0.1:0", "--faults"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("gatehouse-refhub runs (cargo build --bins)");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let (mut url, mut key) = (None, None);
        for line in lines.by_ref().take(6) {
            let line = line.unwrap();
            if let Some(rest) = line.strip_prefix("listening on ") {
                url = Some(rest.to_owned());
            } else if let Some(rest) = line.strip_prefix("hub-key: ") {
                key = Some(rest.to_owned());
            }
        }
        std::thread::spawn(move || lines.for_each(drop));
        RefHub {
            dir,
            child,
            url: url.unwrap(),
            key: key.unwrap(),
        }
    }

    pub fn org_dir(&self) -> PathBuf {
        self.dir.path().join("org")
    }

    /// A sandbox following this hub, its key pinned and its policy synced.
    pub fn sandbox(&self) -> Sandbox {
        let sandbox = Sandbox::new();
        for (name, value) in [
            ("hub-url", self.url.as_str()),
            ("organization", "acme-corp"),
            ("hub-key", self.key.as_str()),
        ] {
            let (code, _, err) = sandbox.run(&["config", "set", name, value]);
            assert_eq!(code, 0, "config set {name}: {err}");
        }
        let output = sandbox
            .gatehouse(&["sync"])
            .env("GATEHOUSE_HUB_TOKEN", TOKEN)
            .output()
            .unwrap();
        assert!(output.status.success(), "sync: {output:?}");
        sandbox
    }

    /// Publishes `@acme-corp/<name>` 1.0.0 with `bundle`, listed in the catalog as
    /// verified, level 2, score 90 (so the midsize policy allows it).
    pub fn publish(&self, name: &str, bundle: &[u8]) {
        self.publish_with_catalog(name, bundle, 2);
    }

    /// [`Self::publish`] with the catalog's certification level `level`.
    pub fn publish_with_catalog(&self, name: &str, bundle: &[u8], level: u8) {
        let dir = self.org_dir().join("registry").join(name).join("1.0.0");
        std::fs::create_dir_all(&dir).unwrap();
        let manifest = serde_json::json!({
            "package": {"id": format!("acme-corp/{name}"), "version": "1.0.0"},
            "entrypoint": {"command": ["node", "server.js"]}
        });
        std::fs::write(dir.join("manifest.json"), manifest.to_string()).unwrap();
        std::fs::write(dir.join("bundle.tar.gz"), bundle).unwrap();
        let mut catalog = std::fs::OpenOptions::new()
            .append(true)
            .open(self.org_dir().join("catalog.yaml"))
            .unwrap();
        write!(
            catalog,
            "\n- name: \"@acme-corp/{name}\"\n  version: \"1.0.0\"\n  origin: verified\n  \
             cert_level: {level}\n  score: 90\n  status: published\n"
        )
        .unwrap();
    }

    /// Queues a fault (`POST /__faults`).
    pub fn fault(&self, body: &str) {
        let (status, answer) = http(&self.url, "POST", "/__faults", Some(body));
        assert_eq!(status, 200, "the fault `{body}` is queued: {answer}");
    }

    /// How many manifest and bundle requests the hub received (`GET /__requests`).
    pub fn artifact_requests(&self) -> u64 {
        let (status, body) = http(&self.url, "GET", "/__requests", None);
        assert_eq!(status, 200, "{body}");
        let value: serde_json::Value = serde_json::from_str(&body).unwrap();
        value["requests"]
            .as_object()
            .unwrap()
            .iter()
            .filter(|(path, _)| path.contains("/artifacts/"))
            .map(|(_, count)| count.as_u64().unwrap())
            .sum()
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A minimal HTTP/1.1 request to the test-control routes: (status, JSON body).
fn http(base: &str, method: &str, path: &str, body: Option<&str>) -> (u16, String) {
    let address = base.strip_prefix("http://").unwrap();
    let mut stream = TcpStream::connect(address).unwrap();
    let body = body.unwrap_or("");
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let status = answer.split(' ').nth(1).unwrap().parse().unwrap();
    let (_, rest) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let json = rest
        .lines()
        .filter(|line| line.starts_with('{'))
        .collect::<String>();
    (status, json)
}
