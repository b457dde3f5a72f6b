//! The reference hub binary over a temporary copy of `examples/hub/midsize`, with helpers to
//! publish test packages into its registry folder and to read its request counts.

use std::io::Write as _;
use std::path::PathBuf;

use gatehouse_e2e::{RunningHub, Sandbox, copy_dir, http, workspace_root};

pub const TOKEN: &str = "midsize-demo-token";

#[derive(Debug)]
pub struct RefHub {
    // Declared first so the hub stops before its directory is removed.
    hub: RunningHub,
    dir: tempfile::TempDir,
}

impl RefHub {
    pub fn start() -> RefHub {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(
            &workspace_root().join("examples/hub/midsize"),
            &dir.path().join("org"),
        );
        let hub = RunningHub::start_with(&dir.path().join("org"), true);
        RefHub { hub, dir }
    }

    /// The hub's base URL.
    pub fn url(&self) -> &str {
        &self.hub.url
    }

    pub fn org_dir(&self) -> PathBuf {
        self.dir.path().join("org")
    }

    /// A sandbox following this hub, its key pinned and its policy synced.
    pub fn sandbox(&self) -> Sandbox {
        let sandbox = Sandbox::new();
        for (name, value) in [
            ("hub-url", self.hub.url.as_str()),
            ("organization", "acme-corp"),
            ("hub-key", self.hub.key.as_str()),
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

    /// Publishes `@acme-corp/<name>` 1.0.0 with `bundle`, certified in the catalog (for the
    /// bundle's digest) as verified, level 2, score 90 (so the midsize policy allows it).
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
            "\n- name: \"@acme-corp/{name}\"\n  version: \"1.0.0\"\n  digest: \"{}\"\n  \
             origin: verified\n  cert_level: {level}\n  score: 90\n  status: published\n",
            gatehouse_e2e::digest_of(bundle)
        )
        .unwrap();
    }

    /// Queues a fault (`POST /__faults`).
    pub fn fault(&self, body: &str) {
        let (status, answer) = http(&self.hub.url, "POST", "/__faults", Some(body));
        assert_eq!(status, 200, "the fault `{body}` is queued: {answer}");
    }

    /// How many manifest and bundle requests the hub received (`GET /__requests`).
    pub fn artifact_requests(&self) -> u64 {
        let (status, body) = http(&self.hub.url, "GET", "/__requests", None);
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
