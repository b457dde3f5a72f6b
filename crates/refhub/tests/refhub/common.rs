//! A hub started in process on 127.0.0.1:0 over a temporary org directory, and the client
//! side checks the app runs on what it serves.

use std::path::{Path, PathBuf};

use gatehouse_hub::{Bundle, Envelope, PinnedKey, TrustedKeys};
use gatehouse_refhub::{Config, Hub, serve};
use reqwest::header::{AUTHORIZATION, ETAG, IF_NONE_MATCH};
use tempfile::TempDir;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub const ORG: &str = "test-org";
pub const TOKEN: &str = "t0ken";

/// A small valid org directory.
pub const FILES: &[(&str, &str)] = &[
    (
        "org.yaml",
        "org: test-org\nmax_offline_age: 7d\ntokens: [t0ken]\n",
    ),
    ("policy/org.yaml", "min_cert_level: 1\n"),
    (
        "areas/prod.yaml",
        "policy: {min_cert_level: 2}\nservers: ['@acme/db']\n",
    ),
    (
        "catalog.yaml",
        "- {name: '@acme/db', version: '1.0.0', origin: verified, cert_level: 2, score: 80, status: published, description: 'Database access'}\n\
         - {name: '@acme/files', version: '2.0.0', origin: official, cert_level: 3, score: 95, status: deprecated, description: 'Reads FILES'}\n",
    ),
];

/// A plain-HTTP reqwest client. The workspace builds reqwest with rustls but no default
/// crypto provider (see `gatehouse_hub::install_crypto_provider`), so one is installed first.
pub fn http_client() -> reqwest::Client {
    gatehouse_hub::install_crypto_provider();
    reqwest::Client::new()
}

/// A running hub and what a test needs to talk to it.
pub struct TestHub {
    /// Holds `org/` (the org directory) and `own/` (key and state).
    pub root: TempDir,
    pub hub: Hub,
    pub url: String,
    pub client: reqwest::Client,
    task: JoinHandle<gatehouse_refhub::Result<()>>,
}

impl Drop for TestHub {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub fn write_files(dir: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

/// The config for an org directory, with key and state under `own`.
pub fn config(org_dir: &Path, own: &Path, faults: bool) -> Config {
    let mut config = Config::new(org_dir);
    config.key_file = own.join("key");
    config.state_file = own.join("state.db");
    config.faults = faults;
    config
}

impl TestHub {
    /// A hub with fault routes over `FILES`.
    pub async fn start() -> TestHub {
        TestHub::with_files(FILES, true).await
    }

    pub async fn with_files(files: &[(&str, &str)], faults: bool) -> TestHub {
        let root = tempfile::tempdir().unwrap();
        write_files(&root.path().join("org"), files);
        let config = config(&root.path().join("org"), &root.path().join("own"), faults);
        TestHub::serve(root, config).await
    }

    /// Starts a hub with `config`; `root` is kept alive with it.
    pub async fn serve(root: TempDir, config: Config) -> TestHub {
        let hub = Hub::open(config).unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(serve(hub.clone(), listener));
        TestHub {
            root,
            hub,
            url,
            client: http_client(),
            task,
        }
    }

    /// Stops serving and starts a new hub on the same directory, key and state (a restart).
    pub async fn restart(&mut self) {
        self.task.abort();
        let hub = Hub::open(self.hub.config().clone()).unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        self.url = format!("http://{}", listener.local_addr().unwrap());
        self.task = tokio::spawn(serve(hub.clone(), listener));
        self.hub = hub;
    }

    pub fn org_dir(&self) -> PathBuf {
        self.root.path().join("org")
    }

    pub fn write(&self, path: &str, text: &str) {
        write_files(&self.org_dir(), &[(path, text)]);
    }

    pub fn api(&self, rest: &str) -> String {
        format!("{}/api/v1/orgs/{ORG}/{rest}", self.url)
    }

    pub async fn bundle(&self, etag: Option<&str>) -> reqwest::Response {
        let mut request = self
            .client
            .get(self.api("policy-bundle"))
            .header(AUTHORIZATION, format!("Bearer {TOKEN}"));
        if let Some(etag) = etag {
            request = request.header(IF_NONE_MATCH, etag);
        }
        request.send().await.unwrap()
    }

    /// A 200 bundle: (etag, envelope body).
    pub async fn bundle_ok(&self) -> (String, Vec<u8>) {
        let response = self.bundle(None).await;
        assert_eq!(response.status(), 200);
        let etag = response.headers()[ETAG].to_str().unwrap().to_owned();
        (etag, response.bytes().await.unwrap().to_vec())
    }

    /// The key as the app pins it with `config set hub-key <id>:<base64>`.
    pub fn trusted(&self) -> TrustedKeys {
        let signer = self.hub.signer();
        TrustedKeys(vec![
            PinnedKey::parse(&format!("{}:{}", signer.key_id(), signer.public_key())).unwrap(),
        ])
    }

    pub async fn fault(&self, request: serde_json::Value) -> reqwest::Response {
        self.client
            .post(format!("{}/__faults", self.url))
            .json(&request)
            .send()
            .await
            .unwrap()
    }
}

/// What the app does with a 200: parse the envelope, verify it with the pinned keys, parse
/// and validate the bundle.
pub fn accept(body: &[u8], keys: &TrustedKeys) -> gatehouse_hub::Result<Bundle> {
    let envelope = Envelope::parse(body)?;
    envelope.verify(keys)?;
    Bundle::parse(&envelope.payload)
}

/// The decoded payload of an envelope, unverified.
pub fn payload_json(body: &[u8]) -> serde_json::Value {
    serde_json::from_slice(&Envelope::parse(body).unwrap().payload).unwrap()
}
