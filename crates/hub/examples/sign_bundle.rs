//! Signs a bundle payload for benchmarks and demos: `sign_bundle <payload.json> <seed>`
//! prints the envelope JSON on stdout and `key_id:public key` on stderr. The seed is any
//! text; the signing key is derived from its SHA-256, so runs are repeatable. Not for
//! production keys: a hub keeps its own.

use std::io::Write;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signer, SigningKey};
use sha2::{Digest, Sha256};

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let (Some(path), Some(seed)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: sign_bundle <payload.json> <seed>");
        return std::process::ExitCode::from(2);
    };
    let payload = match std::fs::read(path) {
        Ok(payload) => payload,
        Err(error) => {
            eprintln!("cannot read `{path}`: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let key = SigningKey::from_bytes(&Sha256::digest(seed.as_bytes()).into());
    let envelope = serde_json::json!({
        "key_id": "bench-1",
        "payload": STANDARD.encode(&payload),
        "signature": STANDARD.encode(key.sign(&payload).to_bytes()),
    });
    let mut out = std::io::stdout().lock();
    let written = writeln!(out, "{envelope}");
    eprintln!(
        "bench-1:{}",
        STANDARD.encode(key.verifying_key().as_bytes())
    );
    if written.is_ok() {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    }
}
