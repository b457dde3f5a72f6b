//! The HTTP side: the routes of HUB_API.md section B, the test-control routes behind
//! `--faults`, and what every org route does first (read the directory, check the token and
//! the org, take a queued fault).

mod admin;
mod audit;
mod auth;
mod bundle;
mod devices;
mod error;
mod fault_response;
mod keys;
mod login;
mod public;
mod registry;
mod servers;
mod updates;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use tokio::net::TcpListener;

use crate::error::{Error, Result};
use crate::faults::Target;
use crate::hub::{Hub, View};
use error::ApiError;

/// The largest request body taken (an audit batch): generous for thousands of events, small
/// enough that a runaway client cannot fill the hub's memory.
pub const BODY_LIMIT: usize = 8 * 1024 * 1024;

/// The hub's routes, ready to serve.
pub fn router(hub: Hub) -> Router {
    let mut routes = Router::new()
        .route("/api/v1/orgs/{org}/keys", get(keys::keys))
        .route("/api/v1/orgs/{org}/policy-bundle", get(bundle::bundle))
        .route(
            "/api/v1/orgs/{org}/audit",
            post(audit::audit).get(audit::list),
        )
        .route("/api/v1/orgs/{org}/servers", get(servers::servers))
        .route("/api/v1/orgs/{org}/devices", get(devices::list))
        .route(
            "/api/v1/orgs/{org}/devices/{device}",
            axum::routing::put(devices::put_inventory),
        )
        .route("/v1/auth/login", post(login::login))
        .route("/v1/org/{org}/mcps/{name}/resolve", get(registry::resolve))
        .route(
            "/v1/org/{org}/artifacts/{digest}/{kind}",
            get(registry::artifact),
        )
        .route("/public/pypi/simple/{project}/", get(public::pypi_listing))
        .route("/public/{*path}", get(public::file))
        .route(
            "/api/v1/updates/{target}/{arch}/{bundle}/{current_version}",
            get(updates::feed),
        )
        .route("/api/v1/update-files/{*path}", get(updates::file));
    if hub.config().faults {
        routes = routes
            .route(
                "/__faults",
                get(admin::list_faults)
                    .post(admin::push_fault)
                    .delete(admin::clear_faults),
            )
            .route("/__audit", get(admin::audit_events))
            .route("/__requests", get(admin::request_counts));
    }
    routes
        .fallback(error::not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(hub)
}

/// Serves `hub` on `listener` until the task is dropped or the listener fails.
pub async fn serve(hub: Hub, listener: TcpListener) -> Result<()> {
    axum::serve(listener, router(hub))
        .await
        .map_err(Error::Serve)
}

/// How a request that passed the checks is answered.
pub(crate) enum Admitted {
    /// Normally, from this reading.
    Normal(View),
    /// With the queued fault's answer.
    Fault(Response),
}

/// The checks every org route makes, in order: read the directory again, the token (except
/// for `keys`), the org, then a queued fault for `target`.
pub(crate) async fn admit(
    hub: &Hub,
    org: &str,
    headers: &HeaderMap,
    target: Target,
) -> Result<Admitted, ApiError> {
    let view = blocking({
        let hub = hub.clone();
        move || hub.refresh()
    })
    .await?;
    if target != Target::Keys {
        auth::authorize(headers, &view.tokens, &hub.issued_tokens())?;
    }
    if org != view.content.org {
        return Err(ApiError::unknown_org(org));
    }
    match hub.faults().take(target) {
        Some(fault) => {
            eprintln!("refhub: answering {target:?} with the injected fault {fault:?}");
            Ok(Admitted::Fault(
                fault_response::render(fault, hub, &view).await,
            ))
        }
        None => Ok(Admitted::Normal(view)),
    }
}

/// The same checks as [`admit`], giving the queued fault itself rather than its rendering
/// (registry artifacts render some faults from their own bytes).
pub(crate) async fn admit_raw(
    hub: &Hub,
    org: &str,
    headers: &HeaderMap,
    target: Target,
) -> Result<(View, Option<crate::faults::Fault>), ApiError> {
    let view = blocking({
        let hub = hub.clone();
        move || hub.refresh()
    })
    .await?;
    auth::authorize(headers, &view.tokens, &hub.issued_tokens())?;
    if org != view.content.org {
        return Err(ApiError::unknown_org(org));
    }
    let fault = hub.faults().take(target);
    if let Some(fault) = &fault {
        eprintln!("refhub: answering {target:?} with the injected fault {fault:?}");
    }
    Ok((view, fault))
}

/// Runs file or database work off the async threads.
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ApiError::internal(format!("the hub failed while answering: {e}")))
}
