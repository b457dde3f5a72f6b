//! The ports core use cases are given: time, asking the person, the hub and the secret
//! store. Real adapters live in the command line, the tray app and [`crate::keyring`];
//! tests pass fixed clocks, scripted answers and fake hubs.

use std::future::Future;

use gatehouse_hub::{
    ArtifactDigest, AuditAck, ClientError, Downloaded, DownloadedArtifact, Fetch, HubClient,
    PackageArtifact, PublicClient, PublicError, Resolved, Sensitive,
};
use gatehouse_store::AuditHead;
use time::OffsetDateTime;

pub use crate::error::KeyringProblem;

/// The current time. Policy never reads a clock; use cases take it from here.
pub trait Clock: Send + Sync {
    fn now(&self) -> OffsetDateTime;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// What a person was asked about before a `warn` server runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmRequest {
    pub server_id: String,
    pub name: String,
    pub version: Option<String>,
    /// Each reason in plain words.
    pub reasons: Vec<String>,
}

/// A person's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirmation {
    /// Run this time only.
    RunOnce,
    /// Run, and do not ask again for this version under these rules.
    Always,
    /// Do not run.
    Declined,
    /// Nobody could be asked; the text says why and how to approve instead.
    Unavailable(String),
}

/// Asks a person to confirm a `warn` verdict.
pub trait Prompter: Send + Sync {
    fn confirm(&self, request: &ConfirmRequest) -> impl Future<Output = Confirmation> + Send;
}

/// The hub, as sync needs it (HUB_API.md B1, B2). The real one is
/// [`gatehouse_hub::HubClient`]; tests pass fakes.
pub trait HubPort: Send + Sync {
    /// The policy bundle, or `NotModified` when `etag` is current.
    /// `audit_head` is the device's latest audit event (B1's `audit_seq`/`audit_head`).
    fn fetch_bundle(
        &self,
        org: &str,
        etag: Option<&str>,
        device: &str,
        audit_head: Option<&AuditHead>,
    ) -> impl Future<Output = Result<Fetch, ClientError>> + Send;

    /// Delivers audit events in their wire shape.
    fn post_audit(
        &self,
        org: &str,
        events: &[serde_json::Value],
    ) -> impl Future<Output = Result<AuditAck, ClientError>> + Send;

    /// Sends the device's inventory (B4).
    fn put_inventory(
        &self,
        org: &str,
        device: &str,
        inventory: &serde_json::Value,
    ) -> impl Future<Output = Result<(), ClientError>> + Send;
}

impl HubPort for HubClient {
    async fn fetch_bundle(
        &self,
        org: &str,
        etag: Option<&str>,
        device: &str,
        audit_head: Option<&AuditHead>,
    ) -> Result<Fetch, ClientError> {
        let head = audit_head.map(|head| (head.seq, head.hash.as_str()));
        HubClient::fetch_bundle_reporting(self, org, etag, Some(device), head).await
    }

    async fn post_audit(
        &self,
        org: &str,
        events: &[serde_json::Value],
    ) -> Result<AuditAck, ClientError> {
        HubClient::post_audit(self, org, events).await
    }

    async fn put_inventory(
        &self,
        org: &str,
        device: &str,
        inventory: &serde_json::Value,
    ) -> Result<(), ClientError> {
        HubClient::put_inventory(self, org, device, inventory).await
    }
}

/// The hub's catalog search (HUB_API.md B3), as the install screen needs it.
pub trait CatalogPort: Send + Sync {
    /// The catalog entries matching `query`, as the hub sent them (unsigned).
    fn search_catalog(
        &self,
        org: &str,
        query: &str,
    ) -> impl Future<Output = Result<Vec<serde_json::Value>, ClientError>> + Send;
}

impl CatalogPort for HubClient {
    async fn search_catalog(
        &self,
        org: &str,
        query: &str,
    ) -> Result<Vec<serde_json::Value>, ClientError> {
        HubClient::search_catalog(self, org, query).await
    }
}

/// The registry, as install needs it (HUB_API.md section A). The real one is
/// [`gatehouse_hub::HubClient`] pointed at the registry URL; digests are checked on its side.
pub trait RegistryPort: Send + Sync {
    /// Resolves `reference` (semver, `latest` or `sha256:<hex>`) of `org`'s package `name`.
    fn resolve(
        &self,
        org: &str,
        name: &str,
        reference: &str,
    ) -> impl Future<Output = Result<Resolved, ClientError>> + Send;

    /// The manifest bytes, whose SHA-256 is `digest`.
    fn manifest(
        &self,
        org: &str,
        digest: &ArtifactDigest,
    ) -> impl Future<Output = Result<Vec<u8>, ClientError>> + Send;

    /// Streams the bundle into `out`; its SHA-256 is `digest`.
    fn download_bundle(
        &self,
        org: &str,
        digest: &ArtifactDigest,
        out: &mut (dyn std::io::Write + Send),
    ) -> impl Future<Output = Result<Downloaded, ClientError>> + Send;
}

impl RegistryPort for HubClient {
    async fn resolve(
        &self,
        org: &str,
        name: &str,
        reference: &str,
    ) -> Result<Resolved, ClientError> {
        HubClient::resolve(self, org, name, reference).await
    }

    async fn manifest(&self, org: &str, digest: &ArtifactDigest) -> Result<Vec<u8>, ClientError> {
        HubClient::manifest(self, org, digest).await
    }

    async fn download_bundle(
        &self,
        org: &str,
        digest: &ArtifactDigest,
        out: &mut (dyn std::io::Write + Send),
    ) -> Result<Downloaded, ClientError> {
        HubClient::download_bundle(self, org, digest, out).await
    }
}

/// The public registries, as a verified copy's install needs them (HUB_API.md B1
/// `packages`). The real one is [`gatehouse_hub::PublicClient`]; the SHA-256 is checked on
/// its side.
pub trait PackagesPort: Send + Sync {
    /// Streams the certified `package` into `out`; its SHA-256 is the package's
    /// `fileSha256`.
    fn download(
        &self,
        package: &PackageArtifact,
        out: &mut (dyn std::io::Write + Send),
    ) -> impl Future<Output = Result<DownloadedArtifact, PublicError>> + Send;
}

impl PackagesPort for PublicClient {
    async fn download(
        &self,
        package: &PackageArtifact,
        out: &mut (dyn std::io::Write + Send),
    ) -> Result<DownloadedArtifact, PublicError> {
        PublicClient::download(self, package, out).await
    }
}

/// Where the hub token is kept between runs (the OS keyring; DESIGN.md). `account` is
/// `<hub host>/<org>`.
pub trait SecretStore: Send + Sync {
    /// The stored secret, `None` when there is none.
    fn get(&self, account: &str) -> crate::Result<Option<Sensitive<String>>>;
    /// Stores `secret`, replacing an earlier one.
    fn set(&self, account: &str, secret: &Sensitive<String>) -> crate::Result<()>;
    /// Removes the secret; `false` when there was none.
    fn delete(&self, account: &str) -> crate::Result<bool>;
}

/// A desktop notification about one server (DESIGN.md, "The sync path").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub title: String,
    /// What changed and what the person can do, in plain words.
    pub body: String,
    pub server_id: String,
}

/// Tells the person about something that changed without being asked. Failing to notify is
/// never fatal: the audit log holds the same facts.
pub trait Notifier: Send + Sync {
    fn notify(&self, notification: &Notification);
}

/// A notifier that keeps what it was given, for tests and callers that show it themselves.
#[derive(Debug, Default)]
pub struct RecordingNotifier {
    sent: std::sync::Mutex<Vec<Notification>>,
}

impl RecordingNotifier {
    /// Every notification so far, oldest first.
    pub fn sent(&self) -> Vec<Notification> {
        self.sent
            .lock()
            .map(|sent| sent.clone())
            .unwrap_or_else(|poisoned| poisoned.into_inner().clone())
    }
}

impl Notifier for RecordingNotifier {
    fn notify(&self, notification: &Notification) {
        match self.sent.lock() {
            Ok(mut sent) => sent.push(notification.clone()),
            Err(poisoned) => poisoned.into_inner().push(notification.clone()),
        }
    }
}

/// Fakes of the ports shared by the crate's unit tests.
#[cfg(test)]
pub(crate) mod testing {
    use std::collections::HashMap;
    use std::sync::Mutex;

    use super::{SecretStore, Sensitive};

    /// A keyring in memory.
    #[derive(Default)]
    pub(crate) struct MemorySecrets(Mutex<HashMap<String, String>>);

    impl SecretStore for MemorySecrets {
        fn get(&self, account: &str) -> crate::Result<Option<Sensitive<String>>> {
            Ok(self
                .0
                .lock()
                .unwrap()
                .get(account)
                .cloned()
                .map(Sensitive::new))
        }
        fn set(&self, account: &str, secret: &Sensitive<String>) -> crate::Result<()> {
            self.0
                .lock()
                .unwrap()
                .insert(account.to_owned(), secret.expose().clone());
            Ok(())
        }
        fn delete(&self, account: &str) -> crate::Result<bool> {
            Ok(self.0.lock().unwrap().remove(account).is_some())
        }
    }
}
