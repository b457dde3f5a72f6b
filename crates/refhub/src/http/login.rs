//! `POST /v1/auth/login` (HUB_API.md section A): `{username, password}` of one of
//! `org.yaml`'s `users` gives `{access_token, expires_in}`, a token every other route then
//! accepts for [`ISSUED_TOKEN_LIFETIME`]. Anything else is 401, without saying whether the
//! name or the password was wrong.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use crate::http::auth::same;
use crate::http::blocking;
use crate::http::error::ApiError;
use crate::hub::{Hub, ISSUED_TOKEN_LIFETIME};

#[derive(Deserialize)]
struct Login {
    username: String,
    password: String,
}

pub(crate) async fn login(State(hub): State<Hub>, body: Bytes) -> Result<Response, ApiError> {
    let asked: Login = serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_request(format!(
            "the body is not {{\"username\", \"password\"}}: {e}"
        ))
    })?;
    let view = blocking({
        let hub = hub.clone();
        move || hub.refresh()
    })
    .await?;
    // Every user is compared, so the time taken does not tell which names exist.
    let known = view.content.users.iter().fold(false, |found, user| {
        let name = same(user.username.as_bytes(), asked.username.as_bytes());
        let password = same(user.password.as_bytes(), asked.password.as_bytes());
        found | (name & password)
    });
    if !known {
        return Err(ApiError::unauthorized(
            "the user name or password is not right",
        ));
    }
    let token = hub
        .issue_token()
        .map_err(|e| ApiError::internal(e.to_string()))?;
    eprintln!("refhub: `{}` signed in", asked.username);
    Ok(Json(json!({
        "access_token": token,
        "expires_in": ISSUED_TOKEN_LIFETIME.as_secs(),
    }))
    .into_response())
}
