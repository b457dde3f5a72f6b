//! Setup shared by the crate's unit tests: an environment and a context in a temporary
//! folder, an envelope signed like the hub's, and a device that follows organization `acme`
//! with the signing key pinned as `k1`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signer, SigningKey};
use serde_json::{Value, json};

use crate::context::{Context, Environment, Platform};
use crate::ports::SystemClock;
use crate::settings::managed::ManagedSettings;

/// A fresh device confined to `dir` ([`Environment::confined_to`]) with nothing managed.
pub(crate) async fn context_in(dir: &tempfile::TempDir) -> Context {
    Context::open(
        Environment::confined_to(Platform::Linux, dir.path()),
        ManagedSettings::default(),
        SystemClock,
    )
    .await
    .unwrap()
}

/// The hub's envelope (B1) around `payload`, signed by `signer` under key id `k1`.
pub(crate) fn signed(payload: &Value, signer: &SigningKey) -> Vec<u8> {
    let payload = payload.to_string().into_bytes();
    json!({
        "key_id": "k1",
        "payload": STANDARD.encode(&payload),
        "signature": STANDARD.encode(signer.sign(&payload).to_bytes()),
    })
    .to_string()
    .into_bytes()
}

/// A fresh device in `dir` following `acme` at `https://hub.example`, with `key`'s public
/// half pinned as `k1`.
pub(crate) async fn following_acme(dir: &tempfile::TempDir, key: &SigningKey) -> Context {
    let ctx = context_in(dir).await;
    let pin = format!("k1:{}", STANDARD.encode(key.verifying_key().as_bytes()));
    for (name, value) in [
        ("hub_url", "https://hub.example".to_owned()),
        ("organization", "acme".to_owned()),
        ("hub_keys", json!([pin]).to_string()),
    ] {
        ctx.store.set_setting(name, &value).await.unwrap();
    }
    ctx
}

/// The digest the tests' catalogs certify installed servers for.
pub(crate) const CERTIFIED: &str =
    "sha256:7777777777777777777777777777777777777777777777777777777777777777";

/// Registers `id` as a registry install of `name@version` from the bundle `digest`, with a
/// one-file tree under the context's data dir: a verified server wherever the signed catalog
/// certifies `name@version` for `digest`.
pub(crate) async fn add_installed(
    ctx: &Context,
    id: &str,
    name: &str,
    version: &str,
    digest: &str,
) {
    use gatehouse_store::{Server, ServerSource, TreeKind, VerifiedTree};
    let hex = digest.trim_start_matches("sha256:");
    let root = ctx.data_dir.join("bundles").join(format!("{hex}-{id}"));
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(root.join("server.py"), format!("print({id:?})\n")).unwrap();
    let server = Server {
        id: id.to_owned(),
        name: id.to_owned(),
        version: None,
        command: "python3".to_owned(),
        args: vec![root.join("server.py").display().to_string()],
        env_names: Vec::new(),
        source: ServerSource::Registry,
        client: None,
        bundle_digest: Some(digest.to_owned()),
        created_at: time::OffsetDateTime::UNIX_EPOCH,
    };
    let tree = VerifiedTree {
        kind: TreeKind::Registry,
        name: name.to_owned(),
        version: version.to_owned(),
        registry_type: None,
        artifact_sha256: hex.to_owned(),
        artifact: ctx
            .data_dir
            .join("artifacts")
            .join(hex)
            .display()
            .to_string(),
        root: root.display().to_string(),
        files: crate::identity::tree::record(&root).unwrap(),
        recorded_at: time::OffsetDateTime::UNIX_EPOCH,
        modified_at: None,
    };
    ctx.store
        .add_installed_server(&server, None, Some(&tree), None)
        .await
        .unwrap();
}
