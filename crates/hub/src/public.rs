//! Downloading the public-registry artifact a catalog entry certifies (HUB_API.md B1
//! `packages`): an npm tarball, a PyPI file, or an `.mcpb` bundle. Whatever the registry
//! answers, only bytes whose SHA-256 is the signed `fileSha256` are kept, so the registry
//! need not be trusted; no hub token is ever sent to it.
//!
//! Where each file is found:
//! - npm: `<base>/<name>/-/<name without scope>-<version>.tgz`, the registry's tarball path;
//! - PyPI: the project's file list from the Simple API (PEP 691 JSON) at
//!   `<base>/simple/<project>/`, and the file whose SHA-256 is the certified one;
//! - `.mcpb`: the identifier is the file's https URL.
//!
//! `<base>` is the package's `registryBaseUrl`, else the public registry.

use std::time::Duration;

use reqwest::header::{ACCEPT, USER_AGENT};
use reqwest::{StatusCode, Url};
use serde::Deserialize;
use sha2::{Digest as _, Sha256};

use crate::catalog::{PackageArtifact, RegistryType};
use crate::client::{install_crypto_provider, user_agent};

/// The largest artifact downloaded.
pub const MAX_ARTIFACT: u64 = 200 * 1024 * 1024;
/// The largest file list read from the PyPI Simple API.
const MAX_LISTING: usize = 16 * 1024 * 1024;
/// Redirects followed (a registry may send files to a CDN); each must stay on https.
const MAX_REDIRECTS: usize = 5;

const NPM: &str = "https://registry.npmjs.org";
const PYPI: &str = "https://pypi.org";

/// Why a certified artifact could not be downloaded.
#[derive(Debug, thiserror::Error)]
pub enum PublicError {
    #[error("`{url}` cannot be downloaded from: {reason}")]
    BadUrl { url: String, reason: &'static str },
    #[error(
        "{registry} lists no file of `{identifier}` {version} with the SHA-256 your organization's catalog certifies"
    )]
    NotListed {
        registry: &'static str,
        identifier: String,
        version: String,
    },
    #[error("cannot download from {registry}: {reason}")]
    Network {
        registry: &'static str,
        reason: String,
    },
    #[error("{registry} answered {status} for `{url}`")]
    Status {
        registry: &'static str,
        status: u16,
        url: String,
    },
    #[error(
        "the file {registry} sent for `{identifier}` {version} is not the one your organization's catalog certifies (its SHA-256 is {actual})"
    )]
    Mismatch {
        registry: &'static str,
        identifier: String,
        version: String,
        actual: String,
    },
    #[error("the file from {registry} is larger than {MAX_ARTIFACT} bytes")]
    TooLarge { registry: &'static str },
    #[error("{registry}'s answer is malformed: {reason}")]
    Malformed {
        registry: &'static str,
        reason: String,
    },
    #[error("cannot store the downloaded file: {0}")]
    Write(String),
}

type Result<T> = std::result::Result<T, PublicError>;

/// A certified artifact written out by [`PublicClient::download`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DownloadedArtifact {
    pub bytes: u64,
    /// The file's name as the registry gives it (`x-1.0.0.tgz`, `x-1.0.0-py3-none-any.whl`).
    pub file_name: String,
}

/// A client for the public registries. It holds no credential.
#[derive(Debug, Clone)]
pub struct PublicClient {
    http: reqwest::Client,
}

impl PublicClient {
    /// A client whose whole-request limit is `timeout`.
    pub fn new(timeout: Duration) -> Result<PublicClient> {
        install_crypto_provider();
        let policy = reqwest::redirect::Policy::custom(|attempt| {
            if attempt.previous().len() >= MAX_REDIRECTS {
                attempt.error("too many redirects")
            } else if check_url(attempt.url()).is_err() {
                attempt.error("a redirect left https")
            } else {
                attempt.follow()
            }
        });
        let http = reqwest::Client::builder()
            .connect_timeout(crate::CONNECT_TIMEOUT.min(timeout))
            .timeout(timeout)
            .redirect(policy)
            .build()
            .map_err(|e| PublicError::Network {
                registry: "the registry",
                reason: e.to_string(),
            })?;
        Ok(PublicClient { http })
    }

    /// Downloads `package` into `out`, hashing as it goes; fails unless the bytes have the
    /// certified SHA-256. On error `out` may hold part of a file: the caller discards it.
    pub async fn download(
        &self,
        package: &PackageArtifact,
        out: &mut (dyn std::io::Write + Send),
    ) -> Result<DownloadedArtifact> {
        let registry = registry_name(package.registry_type);
        let (url, file_name) = match package.registry_type {
            RegistryType::Npm => npm_tarball(package)?,
            RegistryType::Pypi => self.pypi_file(package).await?,
            RegistryType::Mcpb => {
                let url = parse_url(&package.identifier)?;
                let name = url
                    .path_segments()
                    .and_then(|mut segments| segments.next_back())
                    .filter(|name| !name.is_empty())
                    .unwrap_or("server.mcpb")
                    .to_owned();
                (url, name)
            }
        };
        let mut response = self.get(registry, url.clone()).await?;
        if response
            .content_length()
            .is_some_and(|length| length > MAX_ARTIFACT)
        {
            return Err(PublicError::TooLarge { registry });
        }
        let mut hasher = Sha256::new();
        let mut bytes: u64 = 0;
        while let Some(chunk) = response.chunk().await.map_err(|e| network(registry, &e))? {
            bytes = bytes.saturating_add(chunk.len() as u64);
            if bytes > MAX_ARTIFACT {
                return Err(PublicError::TooLarge { registry });
            }
            hasher.update(&chunk);
            out.write_all(&chunk)
                .map_err(|e| PublicError::Write(e.to_string()))?;
        }
        let actual = hex::encode(hasher.finalize());
        if actual != package.file_sha256 {
            return Err(PublicError::Mismatch {
                registry,
                identifier: package.identifier.clone(),
                version: package.version.clone(),
                actual,
            });
        }
        Ok(DownloadedArtifact { bytes, file_name })
    }

    /// The URL of the PyPI file with the certified SHA-256, from the Simple API's listing.
    async fn pypi_file(&self, package: &PackageArtifact) -> Result<(Url, String)> {
        let registry = "PyPI";
        let base = base_of(package, PYPI)?;
        let project = pep503(&package.identifier);
        let listing_url = join(&base, &["simple", &project, ""]);
        let response = self
            .http
            .get(listing_url.clone())
            .header(USER_AGENT, user_agent())
            .header(ACCEPT, "application/vnd.pypi.simple.v1+json")
            .send()
            .await
            .map_err(|e| network(registry, &e))?;
        let response = ok(registry, response, &listing_url)?;
        let body = read_bounded(registry, response, MAX_LISTING).await?;
        let listing: SimpleListing =
            serde_json::from_slice(&body).map_err(|e| PublicError::Malformed {
                registry,
                reason: format!("the file list of `{project}`: {e}"),
            })?;
        let file = listing
            .files
            .into_iter()
            .find(|file| {
                file.hashes
                    .sha256
                    .as_deref()
                    .is_some_and(|sha| sha.eq_ignore_ascii_case(&package.file_sha256))
            })
            .ok_or_else(|| PublicError::NotListed {
                registry,
                identifier: package.identifier.clone(),
                version: package.version.clone(),
            })?;
        // Relative links are relative to the listing (PEP 691).
        let url = listing_url
            .join(&file.url)
            .map_err(|_| PublicError::Malformed {
                registry,
                reason: format!("the link `{}` is not a url", file.url),
            })?;
        check_url(&url)?;
        Ok((url, file.filename))
    }

    async fn get(&self, registry: &'static str, url: Url) -> Result<reqwest::Response> {
        let response = self
            .http
            .get(url.clone())
            .header(USER_AGENT, user_agent())
            .send()
            .await
            .map_err(|e| network(registry, &e))?;
        ok(registry, response, &url)
    }
}

#[derive(Deserialize)]
struct SimpleListing {
    files: Vec<SimpleFile>,
}

#[derive(Deserialize)]
struct SimpleFile {
    filename: String,
    url: String,
    #[serde(default)]
    hashes: SimpleHashes,
}

#[derive(Deserialize, Default)]
struct SimpleHashes {
    sha256: Option<String>,
}

/// Whether `text` can be a `registryBaseUrl`: https, or http to a loopback host (a test
/// registry), with no credentials, query or fragment.
pub fn check_base(text: &str) -> std::result::Result<(), &'static str> {
    let url = Url::parse(text).map_err(|_| "it is not a url")?;
    check_url(&url).map_err(|error| match error {
        PublicError::BadUrl { reason, .. } => reason,
        _ => "it cannot be used",
    })?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err("it must not have a query or fragment");
    }
    Ok(())
}

fn check_url(url: &Url) -> Result<()> {
    let bad = |reason| PublicError::BadUrl {
        url: url.to_string(),
        reason,
    };
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("it must not contain a user name or password"));
    }
    let loopback = match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => return Err(bad("it has no host")),
    };
    match url.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        _ => Err(bad("only https (or http to a loopback host) is used")),
    }
}

fn parse_url(text: &str) -> Result<Url> {
    let url = Url::parse(text).map_err(|_| PublicError::BadUrl {
        url: text.to_owned(),
        reason: "it is not a url",
    })?;
    check_url(&url)?;
    Ok(url)
}

fn base_of(package: &PackageArtifact, default: &str) -> Result<Url> {
    parse_url(package.registry_base_url.as_deref().unwrap_or(default))
}

/// `base` with `segments` appended, each percent-encoded as one segment (an empty last
/// segment leaves a trailing `/`).
fn join(base: &Url, segments: &[&str]) -> Url {
    let mut url = base.clone();
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop_if_empty().extend(segments);
    }
    url
}

/// The registry's tarball of an npm package: `<base>/@scope/name/-/name-1.0.0.tgz`.
fn npm_tarball(package: &PackageArtifact) -> Result<(Url, String)> {
    let base = base_of(package, NPM)?;
    let name = &package.identifier;
    let unscoped = name.rsplit('/').next().unwrap_or(name);
    let file_name = format!("{unscoped}-{}.tgz", package.version);
    let mut segments: Vec<&str> = name.split('/').collect();
    segments.push("-");
    segments.push(&file_name);
    if segments
        .iter()
        .any(|s| s.is_empty() || *s == "." || *s == "..")
    {
        return Err(PublicError::BadUrl {
            url: name.clone(),
            reason: "it is not an npm package name",
        });
    }
    Ok((join(&base, &segments), file_name))
}

/// A PyPI project name as the Simple API spells it (PEP 503).
pub fn pep503(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut separator = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            separator = true;
            continue;
        }
        if separator && !out.is_empty() {
            out.push('-');
        }
        separator = false;
        out.push(c.to_ascii_lowercase());
    }
    out
}

fn registry_name(registry_type: RegistryType) -> &'static str {
    match registry_type {
        RegistryType::Npm => "the npm registry",
        RegistryType::Pypi => "PyPI",
        RegistryType::Mcpb => "the bundle's host",
    }
}

fn network(registry: &'static str, error: &reqwest::Error) -> PublicError {
    let mut reason = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(next) = source {
        reason.push_str(": ");
        reason.push_str(&next.to_string());
        source = next.source();
    }
    PublicError::Network { registry, reason }
}

fn ok(registry: &'static str, response: reqwest::Response, url: &Url) -> Result<reqwest::Response> {
    let status = response.status();
    if status == StatusCode::OK {
        Ok(response)
    } else {
        Err(PublicError::Status {
            registry,
            status: status.as_u16(),
            url: url.to_string(),
        })
    }
}

async fn read_bounded(
    registry: &'static str,
    mut response: reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| network(registry, &e))? {
        if body.len() + chunk.len() > limit {
            return Err(PublicError::Malformed {
                registry,
                reason: format!("the answer is larger than {limit} bytes"),
            });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package(registry_type: RegistryType, identifier: &str) -> PackageArtifact {
        PackageArtifact {
            registry_type,
            identifier: identifier.to_owned(),
            version: "1.2.3".to_owned(),
            file_sha256: "ab".repeat(32),
            registry_base_url: None,
        }
    }

    #[test]
    fn npm_tarballs_are_found_where_the_registry_keeps_them() {
        let (url, name) = npm_tarball(&package(RegistryType::Npm, "@scope/pkg")).unwrap();
        assert_eq!(
            url.as_str(),
            "https://registry.npmjs.org/@scope/pkg/-/pkg-1.2.3.tgz"
        );
        assert_eq!(name, "pkg-1.2.3.tgz");
        let mut local = package(RegistryType::Npm, "plain");
        local.registry_base_url = Some("http://127.0.0.1:9/public/npm".to_owned());
        let (url, _) = npm_tarball(&local).unwrap();
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:9/public/npm/plain/-/plain-1.2.3.tgz"
        );
        for bad in ["../x", "@scope/../x", "a//b"] {
            assert!(
                npm_tarball(&package(RegistryType::Npm, bad)).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn pypi_names_fold_as_pep_503_says() {
        assert_eq!(pep503("Mcp_Server.Time"), "mcp-server-time");
        assert_eq!(pep503("a--b__c"), "a-b-c");
    }

    #[test]
    fn only_https_or_loopback_http_bases_are_accepted() {
        assert!(check_base("https://registry.example").is_ok());
        assert!(check_base("http://127.0.0.1:8080/npm").is_ok());
        assert!(check_base("http://registry.example").is_err());
        assert!(check_base("https://user:pw@registry.example").is_err());
        assert!(check_base("ftp://registry.example").is_err());
    }
}
