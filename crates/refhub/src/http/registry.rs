//! The registry routes of HUB_API.md section A, from `<dir>/registry/` (see
//! [`crate::registry`]): resolve, manifest and bundle. Every request is counted per path
//! (`GET /__requests`), so a test can prove that no bundle was asked for.

use std::collections::HashMap;

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use crate::faults::{Fault, Target};
use crate::http::error::ApiError;
use crate::http::fault_response::{render, stalled};
use crate::http::{admit_raw, blocking};
use crate::hub::Hub;
use crate::registry;

pub(crate) async fn resolve(
    State(hub): State<Hub>,
    Path((org, name)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    hub.count_request(uri.path());
    let (view, fault) = admit_raw(&hub, &org, &headers, Target::Resolve).await?;
    if let Some(fault) = fault {
        return Ok(render(fault, &hub, &view).await);
    }
    let reference = query
        .get("ref")
        .cloned()
        .ok_or_else(|| ApiError::bad_request("`ref` is required"))?;
    let dir = hub.config().dir.clone();
    let catalog = view.content.catalog.clone();
    let org_name = view.content.org.clone();
    let versions = blocking(move || registry::versions(&dir, &org_name, &name, &catalog))
        .await?
        .map_err(ApiError::internal)?;
    let artifact = registry::pick(&versions, &reference).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no version `{reference}` of this package"),
        )
    })?;
    Ok(Json(artifact.resolve_answer(&view.content.org, &reference)).into_response())
}

pub(crate) async fn artifact(
    State(hub): State<Hub>,
    Path((org, digest, kind)): Path<(String, String, String)>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    hub.count_request(uri.path());
    let (target, content_type) = match kind.as_str() {
        "manifest" => (Target::Manifest, "application/json"),
        "bundle" => (Target::Bundle, "application/gzip"),
        _ => return Err(not_found()),
    };
    let (view, fault) = admit_raw(&hub, &org, &headers, target).await?;
    let dir = hub.config().dir.clone();
    let catalog = view.content.catalog.clone();
    let org_name = view.content.org.clone();
    let all = blocking(move || registry::all(&dir, &org_name, &catalog))
        .await?
        .map_err(ApiError::internal)?;
    let wanted = digest.to_ascii_lowercase();
    let bytes = all
        .into_iter()
        .find_map(|a| match target {
            Target::Manifest if a.manifest_digest() == wanted => Some(a.manifest),
            Target::Bundle if a.bundle_digest() == wanted => Some(a.bundle),
            _ => None,
        })
        .ok_or_else(not_found)?;
    let bytes = match fault {
        None => bytes,
        Some(Fault::WrongDigest) => {
            let mut changed = bytes;
            changed.push(b'\n');
            changed
        }
        Some(Fault::StallBody { seconds }) => return Ok(stalled(bytes, seconds)),
        Some(other) => return Ok(render(other, &hub, &view).await),
    };
    Ok((
        StatusCode::OK,
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
        Body::from(bytes),
    )
        .into_response())
}

fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "no artifact with this digest",
    )
}
