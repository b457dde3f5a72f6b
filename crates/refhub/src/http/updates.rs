//! The update feed (HUB_API.md B5), served from `<dir>/updates/`:
//!
//! ```text
//! <dir>/updates/<target>/<arch>/<bundle>/<version>/<artifact>       e.g. linux/x86_64/deb/0.2.0/Gatehouse_0.2.0_amd64.deb
//! <dir>/updates/<target>/<arch>/<bundle>/<version>/<artifact>.sig   the updater's signature of it (`tauri signer sign`)
//! <dir>/updates/<target>/<arch>/<bundle>/<version>/notes.md         optional release notes
//! ```
//!
//! `GET /api/v1/updates/{target}/{arch}/{bundle}/{current_version}` answers the newest
//! version of that folder in Tauri's updater format when it is newer than the caller's, else
//! `204`. The artifact itself is `GET /api/v1/update-files/<target>/<arch>/<bundle>/<version>/<artifact>`.
//! No token is needed: an update is verified by its signature, not by who fetched it.

use std::path::{Path as FsPath, PathBuf};

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::http::blocking;
use crate::http::error::ApiError;
use crate::http::public::{file_response, plain};
use crate::hub::Hub;

/// The folder under the org directory.
pub const UPDATES_DIR: &str = "updates";

/// The newest version of one folder: its number, artifact, signature and notes.
struct Release {
    version: semver::Version,
    artifact: String,
    signature: String,
    notes: String,
    published: Option<std::time::SystemTime>,
}

pub(crate) async fn feed(
    State(hub): State<Hub>,
    Path((target, arch, bundle, current)): Path<(String, String, String, String)>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    hub.count_request(uri.path());
    let current = semver::Version::parse(&current).map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_version",
            format!("`{current}` is not a version"),
        )
    })?;
    let relative = plain(&format!("{target}/{arch}/{bundle}")).ok_or_else(no_such_folder)?;
    let dir = hub.config().dir.join(UPDATES_DIR).join(&relative);
    let newest = blocking(move || newest_release(&dir)).await?;
    let Some(release) = newest.filter(|release| release.version > current) else {
        return Ok(StatusCode::NO_CONTENT.into_response());
    };
    let host = headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("127.0.0.1");
    let url = format!(
        "http://{host}/api/v1/update-files/{target}/{arch}/{bundle}/{}/{}",
        release.version, release.artifact
    );
    let pub_date = release
        .published
        .and_then(|at| at.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|since| gatehouse_policy::Timestamp(since.as_secs() as i64).to_string());
    Ok(Json(json!({
        "version": release.version.to_string(),
        "notes": release.notes,
        "pub_date": pub_date,
        "url": url,
        "signature": release.signature,
    }))
    .into_response())
}

pub(crate) async fn file(
    State(hub): State<Hub>,
    Path(path): Path<String>,
    uri: Uri,
) -> Result<Response, ApiError> {
    hub.count_request(uri.path());
    let relative = plain(&path)
        .filter(|relative| relative.extension().is_none_or(|ext| ext != "sig"))
        .ok_or_else(no_such_folder)?;
    file_response(hub.config().dir.join(UPDATES_DIR).join(relative))
        .await?
        .ok_or_else(no_such_folder)
}

/// The highest version folder under `dir` that holds an artifact with its signature.
/// Folders that are not versions, or hold no signed artifact, are passed over.
fn newest_release(dir: &FsPath) -> Option<Release> {
    let mut versions: Vec<(semver::Version, PathBuf)> = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            Some((semver::Version::parse(&name).ok()?, entry.path()))
        })
        .collect();
    versions.sort_by(|a, b| b.0.cmp(&a.0));
    versions
        .into_iter()
        .find_map(|(version, folder)| release_in(version, &folder))
}

fn release_in(version: semver::Version, folder: &FsPath) -> Option<Release> {
    let mut names: Vec<String> = std::fs::read_dir(folder)
        .ok()?
        .flatten()
        .filter_map(|entry| entry.file_name().into_string().ok())
        .collect();
    names.sort();
    let artifact = names
        .iter()
        .find(|name| {
            !name.ends_with(".sig")
                && name.as_str() != "notes.md"
                && names.contains(&format!("{name}.sig"))
        })?
        .clone();
    let signature = std::fs::read_to_string(folder.join(format!("{artifact}.sig"))).ok()?;
    let published = std::fs::metadata(folder.join(&artifact))
        .and_then(|meta| meta.modified())
        .ok();
    Some(Release {
        version,
        notes: std::fs::read_to_string(folder.join("notes.md")).unwrap_or_default(),
        signature: signature.trim().to_owned(),
        artifact,
        published,
    })
}

fn no_such_folder() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "no such update".to_owned(),
    )
}
