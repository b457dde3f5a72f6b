//! `GET /api/v1/orgs/{org}/servers?q=<text>` (B3): the catalog entries whose name or
//! description contains `q`, ignoring case (all of them without `q`), as
//! `{"servers": [...]}`, each exactly as in the bundle's `catalog`, in catalog order.
//! Revoked and deprecated entries are included: the app shows their status.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::faults::Target;
use crate::http::error::ApiError;
use crate::http::{Admitted, admit};
use crate::hub::Hub;

pub(crate) async fn servers(
    State(hub): State<Hub>,
    Path(org): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let view = match admit(&hub, &org, &headers, Target::Servers).await? {
        Admitted::Normal(view) => view,
        Admitted::Fault(response) => return Ok(response),
    };
    let needle = query
        .get("q")
        .map(|q| q.trim().to_lowercase())
        .unwrap_or_default();
    let found: Vec<_> = view
        .content
        .catalog
        .iter()
        .filter(|entry| entry.matches(&needle))
        .collect();
    Ok(Json(json!({ "servers": found })).into_response())
}
