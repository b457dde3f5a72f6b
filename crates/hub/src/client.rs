//! The HTTP client for HUB_API.md B0-B2: keys, the policy bundle (with `If-None-Match`)
//! and audit delivery. It only transports bytes: whether a bundle is trusted is decided by
//! [`crate::Envelope::verify`] and the caller, never here.
//!
//! Invariants: requests go only to the configured base URL (redirects are not followed, so
//! the bearer token can never be carried to another host); plain `http://` is accepted only
//! for loopback hosts; bodies are read up to a bound; the token lives in a [`Sensitive`]
//! and is never formatted into an error.

use std::time::Duration;

use reqwest::header::{AUTHORIZATION, ETAG, HeaderValue, IF_NONE_MATCH, USER_AGENT};
use reqwest::{Response, StatusCode, Url};
use serde::Deserialize;

use crate::error::ClientError;
use crate::sensitive::Sensitive;

/// The largest response body read (a bundle with a big catalog stays far below this).
pub const MAX_BODY: usize = 64 * 1024 * 1024;
/// Default time to establish a connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time for a whole request, body included.
pub const TOTAL_TIMEOUT: Duration = Duration::from_secs(30);

type Result<T> = std::result::Result<T, ClientError>;

/// What the hub answered for the policy bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetch {
    /// 304: the bundle with the ETag sent is still current.
    NotModified { freshness: Option<String> },
    /// 200: the envelope bytes, and the ETag to send next time.
    Bundle {
        body: Vec<u8>,
        etag: Option<String>,
        freshness: Option<String>,
    },
}

impl Fetch {
    /// The hub's `Gatehouse-Freshness` statement, as sent (not yet verified).
    pub fn freshness(&self) -> Option<&str> {
        match self {
            Fetch::NotModified { freshness } | Fetch::Bundle { freshness, .. } => {
                freshness.as_deref()
            }
        }
    }
}

/// The hub's answer to an audit batch.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AuditAck {
    pub accepted: u64,
    pub duplicates: u64,
    /// The ranges of this device's event numbers the hub is missing, `[from, to]` (absent
    /// from hubs that do not check the chain).
    #[serde(default)]
    pub gaps: Vec<[u64; 2]>,
}

/// One signing key the hub publishes (B0).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PublishedKey {
    pub key_id: String,
    pub public_key: String,
}

#[derive(Deserialize)]
struct KeyList {
    keys: Vec<PublishedKey>,
}

#[derive(Deserialize)]
struct CatalogList {
    servers: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: Option<String>,
    message: Option<String>,
}

/// A client for one hub.
#[derive(Debug, Clone)]
pub struct HubClient {
    http: reqwest::Client,
    base: Url,
    token: Option<Sensitive<String>>,
    timeout: Duration,
}

impl HubClient {
    /// A client for the hub at `base_url` with the default timeouts.
    pub fn new(base_url: &str, token: Option<Sensitive<String>>) -> Result<HubClient> {
        HubClient::with_timeout(base_url, token, TOTAL_TIMEOUT)
    }

    /// A client whose whole-request limit is `timeout` (connecting gets at most
    /// [`CONNECT_TIMEOUT`]).
    pub fn with_timeout(
        base_url: &str,
        token: Option<Sensitive<String>>,
        timeout: Duration,
    ) -> Result<HubClient> {
        let base = check_url(base_url)?;
        install_crypto_provider();
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT.min(timeout))
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ClientError::Network(chain(&e)))?;
        Ok(HubClient {
            http,
            base,
            token,
            timeout,
        })
    }

    /// The host of the hub (`host` or `host:port`), as the keyring account names it.
    pub fn host(&self) -> String {
        host_of(&self.base)
    }

    /// B0: the signing keys the hub publishes.
    pub async fn keys(&self, org: &str) -> Result<Vec<PublishedKey>> {
        let response = self.send(self.http.get(self.url(org, "keys"))).await?;
        let body = self.read_ok(response).await?;
        let list: KeyList = serde_json::from_slice(&body)
            .map_err(|e| ClientError::Malformed(format!("the key list: {e}")))?;
        Ok(list.keys)
    }

    /// B1: the policy bundle, or 304 when `etag` is still current.
    pub async fn fetch_bundle(
        &self,
        org: &str,
        etag: Option<&str>,
        device: Option<&str>,
    ) -> Result<Fetch> {
        self.fetch_bundle_reporting(org, etag, device, None).await
    }

    /// B1 reporting the device's audit head (`audit_seq`, `audit_head`): its latest event's
    /// number and hash, so the hub sees a gap when that event never arrives.
    pub async fn fetch_bundle_reporting(
        &self,
        org: &str,
        etag: Option<&str>,
        device: Option<&str>,
        audit_head: Option<(u64, &str)>,
    ) -> Result<Fetch> {
        let mut url = self.url(org, "policy-bundle");
        if let Some(device) = device {
            url.query_pairs_mut().append_pair("device", device);
        }
        if let Some((seq, hash)) = audit_head {
            url.query_pairs_mut()
                .append_pair("audit_seq", &seq.to_string())
                .append_pair("audit_head", hash);
        }
        let mut request = self.http.get(url);
        if let Some(value) = etag.and_then(|etag| HeaderValue::from_str(etag).ok()) {
            request = request.header(IF_NONE_MATCH, value);
        }
        let response = self.send(request).await?;
        let freshness = response
            .headers()
            .get(crate::freshness::FRESHNESS_HEADER)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        if response.status() == StatusCode::NOT_MODIFIED {
            return Ok(Fetch::NotModified { freshness });
        }
        let etag = response
            .headers()
            .get(ETAG)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let body = self.read_ok(response).await?;
        Ok(Fetch::Bundle {
            body,
            etag,
            freshness,
        })
    }

    /// B3: the catalog entries whose name or description contains `query` (all of them for
    /// an empty query), exactly as the hub sent them. These are NOT signed: the caller takes
    /// facts from the signed bundle where it has them.
    pub async fn search_catalog(&self, org: &str, query: &str) -> Result<Vec<serde_json::Value>> {
        let mut url = self.url(org, "servers");
        if !query.trim().is_empty() {
            url.query_pairs_mut().append_pair("q", query.trim());
        }
        let response = self.send(self.http.get(url)).await?;
        let body = self.read_ok(response).await?;
        let list: CatalogList = serde_json::from_slice(&body)
            .map_err(|e| ClientError::Malformed(format!("the catalog search answer: {e}")))?;
        Ok(list.servers)
    }

    /// B2: delivers a batch of audit events (each already in its wire shape).
    pub async fn post_audit(&self, org: &str, events: &[serde_json::Value]) -> Result<AuditAck> {
        let body = serde_json::json!({ "events": events });
        let response = self
            .send(self.http.post(self.url(org, "audit")).json(&body))
            .await?;
        let body = self.read_ok(response).await?;
        serde_json::from_slice(&body)
            .map_err(|e| ClientError::Malformed(format!("the audit acknowledgement: {e}")))
    }

    /// B4: the device's inventory, replacing the one the hub holds.
    pub async fn put_inventory(
        &self,
        org: &str,
        device: &str,
        inventory: &serde_json::Value,
    ) -> Result<()> {
        let url = self.url_of(["api", "v1", "orgs", org, "devices", device]);
        let response = self.send(self.http.put(url).json(inventory)).await?;
        self.read_ok(response).await?;
        Ok(())
    }

    fn url(&self, org: &str, last: &str) -> Url {
        self.url_of(["api", "v1", "orgs", org, last])
    }

    pub(crate) async fn send(&self, request: reqwest::RequestBuilder) -> Result<Response> {
        let mut request = request.header(USER_AGENT, user_agent());
        if let Some(token) = &self.token {
            let mut value =
                HeaderValue::from_str(&format!("Bearer {}", token.expose())).map_err(|_| {
                    ClientError::Malformed("the token is not a valid header value".to_owned())
                })?;
            // Keeps it out of any debug output of the request.
            value.set_sensitive(true);
            request = request.header(AUTHORIZATION, value);
        }
        request.send().await.map_err(|e| self.transport(&e))
    }

    /// The body of a 2xx answer, bounded; any other status becomes its typed error.
    async fn read_ok(&self, response: Response) -> Result<Vec<u8>> {
        self.read_ok_bounded(response, MAX_BODY).await
    }

    /// [`Self::read_ok`] with a bound of `limit` bytes.
    pub(crate) async fn read_ok_bounded(
        &self,
        mut response: Response,
        limit: usize,
    ) -> Result<Vec<u8>> {
        let status = response.status();
        if status == StatusCode::UNAUTHORIZED {
            return Err(ClientError::Unauthorized);
        }
        let too_large =
            || ClientError::Malformed(format!("the answer is larger than {limit} bytes"));
        // A declared length over the bound is refused before reading; a body without one
        // (chunked) is counted as it arrives.
        if response
            .content_length()
            .is_some_and(|length| length > limit as u64)
        {
            return Err(too_large());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| self.transport(&e))? {
            if body.len() + chunk.len() > limit {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        if status.is_success() {
            return Ok(body);
        }
        Err(error_of(status, &body))
    }

    pub(crate) fn transport(&self, error: &reqwest::Error) -> ClientError {
        if error.is_timeout() {
            ClientError::Timeout(self.timeout.as_millis())
        } else if error.is_decode() {
            ClientError::Malformed(chain(error))
        } else {
            ClientError::Network(chain(error))
        }
    }

    /// The base URL with `segments` appended (each percent-encoded as one segment).
    pub(crate) fn url_of<'a>(&self, segments: impl IntoIterator<Item = &'a str>) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.http
    }
}

/// The typed error of a non-success `status` with its (bounded) `body`.
pub(crate) fn error_of(status: StatusCode, body: &[u8]) -> ClientError {
    if status == StatusCode::UNAUTHORIZED {
        return ClientError::Unauthorized;
    }
    let parsed: Option<ErrorBody> = serde_json::from_slice(body).ok();
    let (code, message) = match parsed {
        Some(ErrorBody { error, message }) => (error, message),
        None => (None, None),
    };
    ClientError::Http {
        status: status.as_u16(),
        code,
        message: message.unwrap_or_else(|| {
            status
                .canonical_reason()
                .unwrap_or("no reason given")
                .to_lowercase()
        }),
    }
}

/// `gatehouse/<version>`, as HUB_API.md asks of every request.
pub fn user_agent() -> String {
    format!("gatehouse/{}", env!("CARGO_PKG_VERSION"))
}

/// Accepts `https://` anywhere and `http://` only on loopback; no credentials in the URL
/// (they would be sent and logged outside the keyring's protection).
fn check_url(text: &str) -> Result<Url> {
    let invalid = |reason| ClientError::InvalidUrl {
        url: text.to_owned(),
        reason,
    };
    let url = Url::parse(text).map_err(|_| invalid("it is not a url"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("it must not contain a user name or password"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("it must not have a query or fragment"));
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(invalid(
            "plain http is only allowed for loopback hosts; use https",
        )),
        _ => Err(invalid(
            "only https (or http to a loopback host) is supported",
        )),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// `host` or `host:port` of `url`.
pub fn host_of(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

/// Installs ring as rustls' process-wide provider. reqwest is built with
/// `rustls-no-provider`, and Cargo unifies features: any `reqwest::Client` built in a
/// process that links this crate (tests of other crates too) panics without a provider,
/// so such code calls this first. Installing fails only when a provider is installed
/// already, which is just as good.
pub fn install_crypto_provider() {
    let _already = rustls::crypto::ring::default_provider().install_default();
}

/// An error and its causes in one line: reqwest's own message alone ("error sending
/// request") does not say whether DNS, TCP or TLS failed.
fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_or_loopback_http_is_accepted() {
        for ok in [
            "https://hub.example",
            "https://hub.example:8443/prefix/",
            "http://127.0.0.1:8787",
            "http://localhost:1",
            "http://[::1]:9",
        ] {
            assert!(check_url(ok).is_ok(), "`{ok}` is https or loopback http");
        }
        for bad in [
            "http://hub.example",
            "http://10.0.0.1",
            "ftp://hub.example",
            "https://user:pw@hub.example",
            "hub.example",
        ] {
            assert!(check_url(bad).is_err(), "`{bad}` must be refused");
        }
    }

    #[test]
    fn paths_are_built_under_the_base_and_escape_the_org() {
        let client = HubClient::new("https://hub.example/base/", None).unwrap();
        assert_eq!(
            client.url("acme", "policy-bundle").as_str(),
            "https://hub.example/base/api/v1/orgs/acme/policy-bundle"
        );
        assert_eq!(
            client.url("a/b", "keys").as_str(),
            "https://hub.example/base/api/v1/orgs/a%2Fb/keys"
        );
    }

    #[test]
    fn the_token_is_never_in_debug_output() {
        let client = HubClient::new(
            "https://hub.example",
            Some(Sensitive::new("tok-123".to_owned())),
        )
        .unwrap();
        assert!(!format!("{client:?}").contains("tok-123"));
    }
}
