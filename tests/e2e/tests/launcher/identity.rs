//! The attacks of issue 15, each tried as a person (or a script) with the user's own rights
//! would, through the real binary: a certified badge cannot be borrowed by a name, a registry
//! option, an extra package, an edited row or an edited file; a deny list sees every package
//! a command names; and install judges exactly as run does. Each fails with a plain reason
//! and an audit event.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signer, SigningKey};
use gatehouse_e2e::{Sandbox, digest_of, fake_server_bundle, fake_server_manifest};
use serde_json::{Value, json};

const GOOD: &str = "@acme/good";

fn hub_key() -> SigningKey {
    SigningKey::from_bytes(&[42; 32])
}

/// A sandbox following `acme` under a policy that wants level 2 and denies `@evil/*` and
/// the PyPI project `evil-py`; the catalog certifies the fake server's bundle as
/// `@acme/good` 1.0.0 (level 2, score 90).
fn sandbox() -> Sandbox {
    let sandbox = Sandbox::new();
    let key = STANDARD.encode(hub_key().verifying_key().as_bytes());
    for (name, value) in [
        ("hub-url", "https://hub.example"),
        ("organization", "acme"),
        ("hub-key", &format!("hub-1:{key}")),
    ] {
        let (code, _, err) = sandbox.run(&["config", "set", name, value]);
        assert_eq!(code, 0, "config set {name}: {err}");
    }
    let payload = json!({
        "schema": 1, "org": "acme", "serial": 1, "issued_at": "2026-11-20T10:00:00Z",
        "org_policy": {"min_cert_level": 2, "deny_list": ["@evil/*", "evil-py"]},
        "catalog": [{"name": GOOD, "version": "1.0.0", "digest": digest_of(&fake_server_bundle()),
                     "origin": "verified", "cert_level": 2, "score": 90, "status": "published"},
                    {"name": "mcp-good", "version": "1.0.0", "origin": "verified",
                     "cert_level": 2, "score": 90, "status": "published"}],
    });
    let bytes = payload.to_string().into_bytes();
    let envelope = json!({
        "key_id": "hub-1",
        "payload": STANDARD.encode(&bytes),
        "signature": STANDARD.encode(hub_key().sign(&bytes).to_bytes()),
    });
    let file = sandbox.path().join("bundle.json");
    std::fs::write(&file, envelope.to_string()).unwrap();
    let (code, _, err) = sandbox.run(&["policy", "import", file.to_str().unwrap()]);
    assert_eq!(code, 0, "policy import: {err}");
    sandbox
}

fn add(sandbox: &Sandbox, id: &str, extra: &[&str], command: &[&str]) {
    let mut args = vec!["servers", "add", id];
    args.extend_from_slice(extra);
    args.push("--");
    args.extend_from_slice(command);
    let (code, _, err) = sandbox.run(&args);
    assert_eq!(code, 0, "servers add {id}: {err}");
}

/// `gatehouse run id` is refused (exit 4, nothing started) with `code` among its reasons,
/// said on stderr, and audited as `launch_blocked` with that code.
fn assert_refused(sandbox: &Sandbox, id: &str, code: &str) -> String {
    let (exit, _, err) = sandbox.run(&["run", id]);
    assert_eq!(exit, 4, "`{id}` must not run: {err}");
    assert!(!err.contains("pwned"), "nothing was started: {err}");
    let event = sandbox
        .audit()
        .into_iter()
        .rev()
        .find(|e| e["kind"] == "launch_blocked" && (e["server"] == id || e["detail"]["id"] == id))
        .unwrap_or_else(|| panic!("the refusal of `{id}` is audited"));
    assert!(
        event["codes"]
            .as_array()
            .unwrap()
            .contains(&Value::from(code)),
        "`{id}` refused for {code}: {event}"
    );
    err
}

#[test]
fn a_label_borrows_no_badge() {
    let sandbox = sandbox();
    add(
        &sandbox,
        "evil",
        &["--name", GOOD],
        &["/bin/sh", "-c", "echo pwned"],
    );
    let err = assert_refused(&sandbox, "evil", "cert_level_unknown");
    assert!(err.contains("level"), "the reason, in words: {err}");
}

#[test]
fn a_registry_option_or_an_extra_package_unbinds_a_spec() {
    let sandbox = sandbox();
    add(
        &sandbox,
        "other-registry",
        &[],
        &[
            "npx",
            "-y",
            "--registry",
            "https://other.example",
            "@acme/good@1.0.0",
        ],
    );
    add(
        &sandbox,
        "with-extra",
        &[],
        &["uvx", "--with", "evil", "mcp-good==1.0.0"],
    );
    for id in ["other-registry", "with-extra"] {
        assert_refused(&sandbox, id, "cert_level_unknown");
    }
    let (_, out, _) = sandbox.run(&["servers", "list", "--json"]);
    let list: Vec<Value> = serde_json::from_str(&out).unwrap();
    assert!(
        list.iter().all(|row| row["standing"] == "unbound"),
        "{list:?}"
    );
}

#[test]
fn a_deny_list_sees_every_package_a_command_names() {
    let sandbox = sandbox();
    add(
        &sandbox,
        "dash-p",
        &[],
        &["npx", "-y", "-p", "@evil/pkg", "evil-bin"],
    );
    add(
        &sandbox,
        "package-eq",
        &[],
        &["npx", "--package=@evil/pkg", "-y", "evil-bin"],
    );
    add(
        &sandbox,
        "from",
        &[],
        &["uvx", "--from", "evil-py", "evil-cmd"],
    );
    for id in ["dash-p", "package-eq", "from"] {
        let err = assert_refused(&sandbox, id, "deny_listed");
        assert!(err.contains("evil"), "names what is denied: {err}");
    }
}

#[test]
fn an_installed_server_edited_in_the_store_or_on_disk_no_longer_runs() {
    let sandbox = sandbox();
    sandbox.install_fake_server(GOOD, "1.0.0");
    let (code, out, _) = sandbox.run(&["check", GOOD, "--json"]);
    assert_eq!(code, 0, "the certified install is allowed: {out}");
    let checked: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(checked["standing"], "verified");

    // The row's command changed to something else: not what was installed.
    assert_eq!(
        sandbox.sql(
            "UPDATE servers SET command = '/bin/sh', args = '[\"-c\",\"echo pwned\"]' WHERE id = '@acme/good'"
        ),
        1
    );
    assert_refused(&sandbox, GOOD, "artifact_modified");
    assert!(
        sandbox
            .audit()
            .iter()
            .any(|e| e["kind"] == "artifact_modified" && e["server"] == GOOD),
        "tampering has its own event"
    );

    // A second install, whose file is edited on disk afterwards.
    let sandbox = self::sandbox();
    sandbox.install_fake_server(GOOD, "1.0.0");
    let root = sandbox
        .data_dir()
        .join("bundles")
        .join(digest_of(&fake_server_bundle()).trim_start_matches("sha256:"));
    let script = root.join("server.mjs");
    let mut permissions = std::fs::metadata(&script).unwrap().permissions();
    #[allow(
        clippy::permissions_set_readonly_false,
        reason = "the attack under test"
    )]
    permissions.set_readonly(false);
    std::fs::set_permissions(&script, permissions).unwrap();
    std::fs::write(&script, "console.log('pwned')\n").unwrap();
    let err = assert_refused(&sandbox, GOOD, "artifact_modified");
    assert!(err.contains("changed after it was installed"), "{err}");
}

#[test]
fn other_bytes_than_the_certified_ones_install_nothing_and_are_audited() {
    let sandbox = sandbox();
    let mut bundle = fake_server_bundle();
    bundle.extend_from_slice(b"not the certified bytes");
    let (code, _, err) = sandbox.install_files(
        "@acme/good@1.0.0",
        &bundle,
        &fake_server_manifest(GOOD, "1.0.0"),
    );
    assert_ne!(code, 0, "refused: {err}");
    assert!(err.contains("your organization certified"), "{err}");
    let (_, out, _) = sandbox.run(&["servers", "list", "--json"]);
    assert_eq!(out.trim(), "[]");
    let event = sandbox
        .audit()
        .into_iter()
        .find(|e| e["kind"] == "artifact_modified")
        .expect("the offered bytes are audited");
    assert_eq!(event["detail"]["found_by"], "install");
}

#[test]
fn install_and_run_judge_an_uncatalogued_package_alike() {
    let sandbox = sandbox();
    let package = "@acme/uncatalogued";
    let (code, _, err) = sandbox.install_files(
        &format!("{package}@1.0.0"),
        &fake_server_bundle(),
        &fake_server_manifest(package, "1.0.0"),
    );
    assert_eq!(code, 4, "install refuses what run would block: {err}");
    let (check, _, _) = sandbox.run(&["check", package]);
    assert_eq!(check, 4, "and check agrees");
}
