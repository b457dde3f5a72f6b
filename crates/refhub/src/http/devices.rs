//! `PUT /api/v1/orgs/{org}/devices/{device}` (B4): a device's inventory, kept as its latest;
//! and `GET /api/v1/orgs/{org}/devices`: every device with its inventory, whether it
//! complies and why not, when it was last seen and its audit gaps (the admin's view).

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::faults::Target;
use crate::http::error::ApiError;
use crate::http::{Admitted, admit, blocking};
use crate::hub::Hub;

/// The longest device id taken (the app's are UUIDs).
const MAX_DEVICE_ID: usize = 128;

pub(crate) async fn put_inventory(
    State(hub): State<Hub>,
    Path((org, device)): Path<(String, String)>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    if let Admitted::Fault(response) = admit(&hub, &org, &headers, Target::Devices).await? {
        return Ok(response);
    }
    if device.is_empty()
        || device.len() > MAX_DEVICE_ID
        || !device
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(ApiError::bad_request(format!(
            "`{device}` is not a device id"
        )));
    }
    let body = body.map_err(|rejection| {
        ApiError::new(rejection.status(), "bad_request", rejection.body_text())
    })?;
    let inventory: Value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("the inventory is not json: {e}")))?;
    if !inventory.is_object() {
        return Err(ApiError::bad_request("the inventory must be an object"));
    }
    blocking(move || hub.save_inventory(&org, &device, &inventory))
        .await?
        .map_err(|e| ApiError::internal(e.chain()))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub(crate) async fn list(
    State(hub): State<Hub>,
    Path(org): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let view = match admit(&hub, &org, &headers, Target::Devices).await? {
        Admitted::Normal(view) => view,
        Admitted::Fault(response) => return Ok(response),
    };
    let serial = view.published.serial;
    let devices = blocking(move || hub.devices(&org, serial))
        .await?
        .map_err(|e| ApiError::internal(e.chain()))?;
    Ok(Json(json!({"published_serial": serial, "devices": devices})).into_response())
}
