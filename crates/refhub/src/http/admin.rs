//! The test-control routes, served only with `--faults` (and then only on loopback):
//! `GET|POST|DELETE /__faults` to see, queue and clear faults, and `GET /__audit` for the
//! audit events received. They take no token: they exist for tests on one machine.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::faults::FaultRequest;
use crate::http::blocking;
use crate::http::error::ApiError;
use crate::hub::Hub;

pub(crate) async fn list_faults(State(hub): State<Hub>) -> Response {
    Json(json!({"queued": hub.faults().list()})).into_response()
}

pub(crate) async fn push_fault(State(hub): State<Hub>, body: Bytes) -> Result<Response, ApiError> {
    let request: FaultRequest = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("the fault request is malformed: {e}")))?;
    let queued = request.into_queued().map_err(ApiError::bad_request)?;
    hub.faults().push(queued);
    Ok(Json(json!({"queued": hub.faults().list()})).into_response())
}

pub(crate) async fn clear_faults(State(hub): State<Hub>) -> Response {
    Json(json!({"cleared": hub.faults().clear()})).into_response()
}

pub(crate) async fn audit_events(State(hub): State<Hub>) -> Result<Response, ApiError> {
    let events = blocking(move || hub.audit_events())
        .await?
        .map_err(|e| ApiError::internal(e.chain()))?;
    Ok(Json(json!({"events": events})).into_response())
}

pub(crate) async fn request_counts(State(hub): State<Hub>) -> Response {
    Json(json!({"requests": hub.request_counts()})).into_response()
}
