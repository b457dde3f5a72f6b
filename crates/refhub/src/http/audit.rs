//! `POST /api/v1/orgs/{org}/audit` (B2): stores a batch of events, each once by its id, and
//! answers `{"accepted": n, "duplicates": m, "gaps": [[from, to], …]}` (the gaps in the
//! chains of the batch's devices). A batch that fails validation stores nothing.
//! `GET` on the same path lists every event received, oldest first, for the admin.

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
    let (accepted, duplicates, gaps) = blocking(move || {
        let (accepted, duplicates) = hub.store_events(&org, &events)?;
        // The gaps of every device in the batch (one, from a real app).
        let mut devices: Vec<&str> = events
            .iter()
            .filter_map(|(_, event)| event.get("device").and_then(serde_json::Value::as_str))
            .collect();
        devices.sort_unstable();
        devices.dedup();
        let mut gaps = Vec::new();
        for device in devices {
            gaps.extend(hub.audit_gaps(&org, device)?);
        }
        Ok::<_, crate::error::Error>((accepted, duplicates, gaps))
    })
    .await?
    .map_err(|e| ApiError::internal(e.chain()))?;
    Ok(Json(json!({"accepted": accepted, "duplicates": duplicates, "gaps": gaps})).into_response())
}

pub(crate) async fn list(
    State(hub): State<Hub>,
    Path(org): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Admitted::Fault(response) = admit(&hub, &org, &headers, Target::Audit).await? {
        return Ok(response);
    }
    let events = blocking(move || hub.audit_events())
        .await?
        .map_err(|e| ApiError::internal(e.chain()))?;
    Ok(Json(json!({"events": events})).into_response())
}
