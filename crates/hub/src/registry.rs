//! The registry of HUB_API.md section A: resolve a package reference, then fetch the
//! manifest and the bundle it names, each checked against the digest the resolve answer
//! published. Requests go to the configured registry only (the same [`HubClient`] rules:
//! no redirects, https except loopback, the token only there), never to a host taken from
//! a package reference.
//!
//! The manifest is read up to [`MAX_MANIFEST`]; the bundle is streamed to a writer up to
//! [`MAX_BUNDLE`] with its SHA-256 computed as it arrives, never held whole in memory.

use reqwest::StatusCode;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::client::{HubClient, error_of};
use crate::error::ClientError;

/// The largest manifest read (HUB_API.md: 10 MiB).
pub const MAX_MANIFEST: usize = 10 * 1024 * 1024;
/// The largest bundle downloaded (HUB_API.md: 100 MiB).
pub const MAX_BUNDLE: u64 = 100 * 1024 * 1024;
/// The most of an error answer read while streaming a bundle.
const MAX_ERROR_BODY: usize = 64 * 1024;

type Result<T> = std::result::Result<T, ClientError>;

/// A `sha256:<64 lower-case hex>` digest, checked, so it is safe in a URL path and as a
/// folder name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ArtifactDigest(String);

impl ArtifactDigest {
    /// Parses `sha256:<hex>`; upper-case hex is accepted and stored lower-case.
    pub fn parse(text: &str) -> Option<ArtifactDigest> {
        let hex = text.strip_prefix("sha256:")?;
        (hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| ArtifactDigest(format!("sha256:{}", hex.to_ascii_lowercase())))
    }

    /// The digest of `bytes`.
    pub fn of(bytes: &[u8]) -> ArtifactDigest {
        ArtifactDigest(format!("sha256:{}", hex::encode(Sha256::digest(bytes))))
    }

    /// `sha256:<hex>`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The hex part alone.
    pub fn hex(&self) -> &str {
        self.0.trim_start_matches("sha256:")
    }
}

impl std::fmt::Display for ArtifactDigest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The resolve answer (HUB_API.md section A). Facts are kept as sent: whoever uses them
/// reads them leniently.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    pub package: String,
    pub origin: Option<String>,
    pub version: String,
    pub git_sha: Option<String>,
    pub status: Option<String>,
    pub certification_level: Option<serde_json::Value>,
    pub manifest_digest: ArtifactDigest,
    pub bundle_digest: ArtifactDigest,
    pub bundle_size: Option<u64>,
}

#[derive(Deserialize)]
struct WireResolve {
    package: String,
    #[serde(default)]
    origin: Option<String>,
    resolved: WireResolved,
}

#[derive(Deserialize)]
struct WireResolved {
    version: String,
    #[serde(default)]
    git_sha: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    certification_level: Option<serde_json::Value>,
    manifest: WireArtifact,
    bundle: WireArtifact,
}

#[derive(Deserialize)]
struct WireArtifact {
    digest: String,
    #[serde(default)]
    size_bytes: Option<u64>,
}

/// A bundle written out by [`HubClient::download_bundle`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Downloaded {
    pub bytes: u64,
    pub digest: ArtifactDigest,
}

impl HubClient {
    /// `GET /v1/org/{org}/mcps/{name}/resolve?ref={reference}`.
    pub async fn resolve(&self, org: &str, name: &str, reference: &str) -> Result<Resolved> {
        let mut url = self.url_of(["v1", "org", org, "mcps", name, "resolve"]);
        url.query_pairs_mut().append_pair("ref", reference);
        let response = self.send(self.http().get(url)).await?;
        let body = self.read_ok_bounded(response, MAX_MANIFEST).await?;
        let wire: WireResolve = serde_json::from_slice(&body)
            .map_err(|e| ClientError::Malformed(format!("the resolve answer: {e}")))?;
        let digest = |what: &str, text: &str| {
            ArtifactDigest::parse(text).ok_or_else(|| {
                ClientError::Malformed(format!(
                    "the resolve answer's {what} digest `{text}` is not `sha256:<64 hex digits>`"
                ))
            })
        };
        Ok(Resolved {
            manifest_digest: digest("manifest", &wire.resolved.manifest.digest)?,
            bundle_digest: digest("bundle", &wire.resolved.bundle.digest)?,
            bundle_size: wire.resolved.bundle.size_bytes,
            package: wire.package,
            origin: wire.origin,
            version: wire.resolved.version,
            git_sha: wire.resolved.git_sha,
            status: wire.resolved.status,
            certification_level: wire.resolved.certification_level,
        })
    }

    /// `GET /v1/org/{org}/artifacts/{digest}/manifest`: the raw bytes, whose SHA-256 must be
    /// `digest`.
    pub async fn manifest(&self, org: &str, digest: &ArtifactDigest) -> Result<Vec<u8>> {
        let url = self.url_of(["v1", "org", org, "artifacts", digest.as_str(), "manifest"]);
        let response = self.send(self.http().get(url)).await?;
        let body = self.read_ok_bounded(response, MAX_MANIFEST).await?;
        check_digest("manifest", digest, &ArtifactDigest::of(&body))?;
        Ok(body)
    }

    /// `GET /v1/org/{org}/artifacts/{digest}/bundle`, streamed into `out` up to
    /// [`MAX_BUNDLE`] bytes, hashing as it goes; the SHA-256 must be `digest`. On error,
    /// `out` may hold part of the bundle: the caller discards it.
    pub async fn download_bundle(
        &self,
        org: &str,
        digest: &ArtifactDigest,
        out: &mut (dyn std::io::Write + Send),
    ) -> Result<Downloaded> {
        let url = self.url_of(["v1", "org", org, "artifacts", digest.as_str(), "bundle"]);
        let mut response = self.send(self.http().get(url)).await?;
        let status = response.status();
        if !status.is_success() {
            let body = self
                .read_ok_bounded(response, MAX_ERROR_BODY)
                .await
                .unwrap_or_default();
            return Err(error_of(status, &body));
        }
        if status != StatusCode::OK {
            return Err(ClientError::Malformed(format!(
                "the bundle answer has status {status}, not 200"
            )));
        }
        let too_large =
            || ClientError::Malformed(format!("the bundle is larger than {MAX_BUNDLE} bytes"));
        if response
            .content_length()
            .is_some_and(|length| length > MAX_BUNDLE)
        {
            return Err(too_large());
        }
        let mut hasher = Sha256::new();
        let mut bytes: u64 = 0;
        while let Some(chunk) = response.chunk().await.map_err(|e| self.transport(&e))? {
            bytes = bytes.saturating_add(chunk.len() as u64);
            if bytes > MAX_BUNDLE {
                return Err(too_large());
            }
            hasher.update(&chunk);
            out.write_all(&chunk).map_err(|e| {
                ClientError::Network(format!("cannot store the downloaded bundle: {e}"))
            })?;
        }
        let actual = ArtifactDigest(format!("sha256:{}", hex::encode(hasher.finalize())));
        check_digest("bundle", digest, &actual)?;
        Ok(Downloaded {
            bytes,
            digest: actual,
        })
    }
}

fn check_digest(
    what: &'static str,
    expected: &ArtifactDigest,
    actual: &ArtifactDigest,
) -> Result<()> {
    if expected == actual {
        Ok(())
    } else {
        Err(ClientError::DigestMismatch {
            what,
            expected: expected.to_string(),
            actual: actual.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_are_sha256_with_64_hex_digits() {
        let hex = "ab".repeat(32);
        let parsed = ArtifactDigest::parse(&format!("sha256:{}", hex.to_uppercase())).unwrap();
        assert_eq!(parsed.as_str(), format!("sha256:{hex}"));
        assert_eq!(parsed.hex(), hex);
        for bad in [
            hex.clone(),
            format!("sha512:{hex}"),
            format!("sha256:{}", &hex[1..]),
            format!("sha256:../{}", &hex[3..]),
        ] {
            assert!(ArtifactDigest::parse(&bad).is_none(), "`{bad}` refused");
        }
        assert_eq!(
            ArtifactDigest::of(b"").hex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn registry_paths_follow_the_contract_and_escape_each_part() {
        let client = HubClient::new("https://reg.example/base/", None).unwrap();
        let digest = ArtifactDigest::of(b"x");
        assert_eq!(
            client
                .url_of(["v1", "org", "acme-corp", "mcps", "db/x", "resolve"])
                .as_str(),
            "https://reg.example/base/v1/org/acme-corp/mcps/db%2Fx/resolve"
        );
        assert_eq!(
            client
                .url_of(["v1", "org", "acme", "artifacts", digest.as_str(), "bundle"])
                .as_str(),
            format!("https://reg.example/base/v1/org/acme/artifacts/{digest}/bundle")
        );
    }
}
