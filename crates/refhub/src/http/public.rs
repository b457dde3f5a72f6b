//! A stand-in for the public registries, served from `<dir>/public/`, so verified copies
//! (HUB_API.md B1 `packages`) can be installed with no Internet: a catalog entry points its
//! package's `registryBaseUrl` at `<hub>/public/npm` or `<hub>/public/pypi`.
//!
//! ```text
//! <dir>/public/npm/<name>/-/<file>.tgz    an npm tarball, where the npm registry keeps it
//! <dir>/public/pypi/<file>.whl            a PyPI file, listed by the Simple API below
//! <dir>/public/<anything else>            served as it is (an `.mcpb`, say)
//! ```
//!
//! `GET /public/pypi/simple/<project>/` answers the PEP 691 JSON file list of that project
//! (the files whose name starts with its normalized name), each with its SHA-256. No token
//! is needed: these stand for public registries.

use std::path::{Component, PathBuf};

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::http::blocking;
use crate::http::error::ApiError;
use crate::hub::Hub;

/// The folder under the org directory.
pub const PUBLIC_DIR: &str = "public";

pub(crate) async fn file(
    State(hub): State<Hub>,
    Path(path): Path<String>,
    uri: Uri,
) -> Result<Response, ApiError> {
    hub.count_request(uri.path());
    let relative = plain(&path).ok_or_else(not_found)?;
    file_response(hub.config().dir.join(PUBLIC_DIR).join(relative))
        .await?
        .ok_or_else(not_found)
}

/// The bytes of the file at `path` as an `application/octet-stream` response, or `None` when
/// it cannot be read. Read off the async threads.
pub(crate) async fn file_response(path: PathBuf) -> Result<Option<Response>, ApiError> {
    let Some(bytes) = blocking(move || std::fs::read(path).ok()).await? else {
        return Ok(None);
    };
    let mut response = bytes.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    Ok(Some(response))
}

pub(crate) async fn pypi_listing(
    State(hub): State<Hub>,
    Path(project): Path<String>,
    uri: Uri,
) -> Result<Response, ApiError> {
    hub.count_request(uri.path());
    let dir = hub.config().dir.join(PUBLIC_DIR).join("pypi");
    let wanted = pep503(&project);
    let looked_for = wanted.clone();
    let files = blocking(move || {
        let mut files = Vec::new();
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return files;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let project_part = name.split('-').next().unwrap_or_default();
            if pep503(project_part) != looked_for {
                continue;
            }
            if let Ok(bytes) = std::fs::read(entry.path()) {
                let sha = hex::encode(Sha256::digest(&bytes));
                files.push(json!({
                    "filename": name,
                    "url": format!("../../{name}"),
                    "hashes": {"sha256": sha},
                }));
            }
        }
        files.sort_by(|a, b| a["filename"].as_str().cmp(&b["filename"].as_str()));
        files
    })
    .await?;
    if files.is_empty() {
        return Err(not_found());
    }
    let mut response = Json(json!({
        "meta": {"api-version": "1.1"},
        "name": wanted,
        "files": files,
    }))
    .into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/vnd.pypi.simple.v1+json"),
    );
    Ok(response)
}

/// `path` as plain names below the public folder, or `None`.
pub(crate) fn plain(path: &str) -> Option<PathBuf> {
    let relative = PathBuf::from(path);
    let ok = !path.is_empty()
        && relative
            .components()
            .all(|component| matches!(component, Component::Normal(_)));
    ok.then_some(relative)
}

/// A project name as PEP 503 normalizes it.
fn pep503(name: &str) -> String {
    let mut out = String::new();
    let mut separator = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            separator = true;
            continue;
        }
        if separator && !out.is_empty() {
            out.push('-');
        }
        separator = false;
        out.push(c.to_ascii_lowercase());
    }
    out
}

fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "no such file".to_owned(),
    )
}
