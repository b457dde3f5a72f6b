//! `POST /api/v1/orgs/{org}/audit` (B2): stores a batch of events, each once by its id, and
//! answers `{"accepted": n, "duplicates": m}`. A batch that fails validation stores nothing.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::audit::parse_batch;
use crate::faults::Target;
use crate::http::error::ApiError;
use crate::http::{Admitted, admit, blocking};
use crate::hub::Hub;

pub(crate) async fn audit(
    State(hub): State<Hub>,
    Path(org): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    if let Admitted::Fault(response) = admit(&hub, &org, &headers, Target::Audit).await? {
        return Ok(response);
    }
    let body = body.map_err(|rejection| {
        let code = if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            "payload_too_large"
        } else {
            "bad_request"
        };
        ApiError::new(rejection.status(), code, rejection.body_text())
    })?;
    let events = parse_batch(&body).map_err(ApiError::bad_request)?;
    let (accepted, duplicates) = blocking(move || hub.store_events(&org, &events))
        .await?
        .map_err(|e| ApiError::internal(e.chain()))?;
    Ok(Json(json!({"accepted": accepted, "duplicates": duplicates})).into_response())
}
