//! `GET /api/v1/orgs/{org}/keys` (B0): the public key bundles are signed with.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::faults::Target;
use crate::http::error::ApiError;
use crate::http::{Admitted, admit};
use crate::hub::Hub;

pub(crate) async fn keys(
    State(hub): State<Hub>,
    Path(org): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Admitted::Fault(response) = admit(&hub, &org, &headers, Target::Keys).await? {
        return Ok(response);
    }
    let signer = hub.signer();
    Ok(Json(json!({
        "keys": [{"key_id": signer.key_id(), "public_key": signer.public_key()}]
    }))
    .into_response())
}
