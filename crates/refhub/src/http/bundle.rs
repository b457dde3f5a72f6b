//! `GET /api/v1/orgs/{org}/policy-bundle` (B1): the signed envelope, or 304 when the
//! client's `If-None-Match` names the current ETag. Every device of the org gets the same
//! bundle; `?device=` goes into the signed freshness statement each answer carries
//! (`Gatehouse-Freshness`: this serial was current for that device at the hub's time).

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::faults::Target;
use crate::http::error::ApiError;
use crate::http::{Admitted, admit, blocking};
use crate::hub::Hub;

/// The header of the signed freshness statement.
const FRESHNESS_HEADER: &str = "gatehouse-freshness";

pub(crate) async fn bundle(
    State(hub): State<Hub>,
    Path(org): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let view = match admit(&hub, &org, &headers, Target::PolicyBundle).await? {
        Admitted::Normal(view) => view,
        Admitted::Fault(response) => return Ok(response),
    };
    if let Some(device) = query.get("device") {
        // What the device says its audit log has reached: a tail deleted before it arrives
        // is a gap the admin sees (B1 "Audit head").
        let head = match (query.get("audit_seq"), query.get("audit_head")) {
            (Some(seq), Some(hash)) => seq.parse::<i64>().ok().map(|seq| (seq, hash.clone())),
            _ => None,
        };
        let (hub, org, device) = (hub.clone(), org.clone(), device.clone());
        blocking(move || {
            hub.report_head(
                &org,
                &device,
                head.as_ref().map(|(seq, hash)| (*seq, hash.as_str())),
            )
        })
        .await?
        .map_err(|e| ApiError::internal(e.chain()))?;
    }
    let published = &view.published;
    let etag = HeaderValue::from_str(&published.etag)
        .map_err(|_| ApiError::internal("the etag is not a header value"))?;
    let unchanged = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| if_none_match(value, &published.etag));
    let statement = hub.signer().freshness(
        &view.content.org,
        published.serial,
        query.get("device").map(String::as_str),
        &crate::clock::now_text(),
    );
    let freshness = HeaderValue::from_str(&statement)
        .map_err(|_| ApiError::internal("the freshness statement is not a header value"))?;
    let mut response = if unchanged {
        (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response()
    } else {
        envelope_response(etag, published.envelope.clone())
    };
    response.headers_mut().insert(FRESHNESS_HEADER, freshness);
    Ok(response)
}

/// A 200 with an envelope: JSON, not to be cached by anything between hub and app.
pub(crate) fn envelope_response(etag: HeaderValue, body: Vec<u8>) -> Response {
    (
        StatusCode::OK,
        [
            (header::ETAG, etag),
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        body,
    )
        .into_response()
}

/// Whether an `If-None-Match` value names `etag`: a list of tags, weak ones compared by
/// their opaque part (RFC 9110 weak comparison), or `*`.
fn if_none_match(header: &str, etag: &str) -> bool {
    header
        .split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_takes_lists_weak_tags_and_star() {
        let etag = "\"3-abcd\"";
        assert!(if_none_match("\"3-abcd\"", etag));
        assert!(if_none_match("\"1-x\", W/\"3-abcd\"", etag));
        assert!(if_none_match("*", etag));
        assert!(!if_none_match("\"2-abcd\"", etag));
        assert!(!if_none_match("3-abcd", etag), "tags are quoted");
        assert!(!if_none_match("", etag));
    }
}
