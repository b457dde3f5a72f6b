//! The org directory (`--dir`): the YAML files an admin edits, read and validated whole into
//! the content of a bundle.
//!
//! ```text
//! <dir>/
//!   org.yaml               org (required), max_offline_age, stale_mode, tokens, users
//!   policy/mandatory.yaml  the mandatory layer: one policy object (optional)
//!   policy/org.yaml        the org layer: one policy object (optional)
//!   areas/<area>.yaml      one area each: {policy: <policy object>, servers: [names]}
//!   servers.yaml           per-server overrides: {<name>: <policy object>} (optional)
//!   catalog.yaml           the catalog: a list of entries (optional)
//!   .refhub/               the hub's own files (signing key, state database); not content
//! ```
//!
//! Every policy object is validated with the app's own rules (`gatehouse_policy`), for the
//! layer it will be used as, so the hub never signs a bundle the app would refuse. Any
//! problem refuses the whole directory: the caller keeps what it served before. A `.yml`
//! file or an unknown `.yaml` file where the hub looks is refused too, so a misnamed file is
//! never silently left out of the policy.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Path, PathBuf};

use gatehouse_policy::{Layer, Rules, StaleMode, ValidationError, normalize_name, parse_duration};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use crate::canonical;
use crate::catalog::{self, CatalogEntry};
use crate::error::{Error, Result};

/// The file names of the layout above.
pub const ORG_FILE: &str = "org.yaml";
pub const POLICY_DIR: &str = "policy";
pub const MANDATORY_FILE: &str = "mandatory.yaml";
pub const ORG_POLICY_FILE: &str = "org.yaml";
pub const AREAS_DIR: &str = "areas";
pub const SERVERS_FILE: &str = "servers.yaml";
pub const CATALOG_FILE: &str = "catalog.yaml";
/// Where the hub keeps its own files by default; never read as content.
pub const STATE_DIR: &str = ".refhub";

/// A validated org directory.
#[derive(Debug, Clone, PartialEq)]
pub struct OrgContent {
    /// The org this hub serves; other names in a path are 404.
    pub org: String,
    /// Tokens listed in `org.yaml` (the command line may add more).
    pub tokens: Vec<String>,
    /// The people who may sign in with a password (HUB_API.md A `POST /v1/auth/login`).
    pub users: Vec<User>,
    /// The catalog, validated, for the search endpoint.
    pub catalog: Vec<CatalogEntry>,
    /// The bundle's fields except `schema`, `serial` and `issued_at`: the part whose change
    /// makes a new serial.
    pub body: Map<String, Value>,
}

impl OrgContent {
    /// SHA-256 of the canonical body, hex.
    pub fn hash(&self) -> String {
        canonical::hash(&Value::Object(self.body.clone()))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OrgFile {
    org: String,
    #[serde(default)]
    max_offline_age: Option<String>,
    #[serde(default)]
    stale_mode: Option<String>,
    #[serde(default)]
    tokens: Vec<String>,
    #[serde(default)]
    users: Vec<User>,
}

/// A person of `org.yaml`'s `users`, who signs in with a user name and password and gets a
/// token that lasts [`crate::hub::ISSUED_TOKEN_LIFETIME`]. A reference hub for tests and
/// trials: the password is kept as written.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    pub username: String,
    pub password: String,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct AreaFile {
    #[serde(default)]
    policy: Option<serde_json::Value>,
    #[serde(default)]
    servers: Vec<String>,
}

/// Reads and validates `dir`.
pub fn read(dir: &Path) -> Result<OrgContent> {
    check_names(dir, &[ORG_FILE, SERVERS_FILE, CATALOG_FILE])?;
    let org_path = dir.join(ORG_FILE);
    let org_file: OrgFile = parse(&org_path, &read_text(&org_path)?)?
        .ok_or_else(|| Error::invalid(&org_path, "the file is empty; it must set `org`"))?;
    let mut body = Map::new();

    if !is_org_name(&org_file.org) {
        return Err(Error::invalid(
            &org_path,
            format!(
                "org `{}` must be letters, digits, `.`, `_` or `-`, starting with a letter or digit",
                org_file.org
            ),
        ));
    }
    body.insert("org".into(), json!(org_file.org));
    if let Some(age) = &org_file.max_offline_age {
        parse_duration(age)
            .map_err(|e| Error::invalid(&org_path, format!("max_offline_age: {e}")))?;
        body.insert("max_offline_age".into(), json!(age));
    }
    let stale_mode = match &org_file.stale_mode {
        None => StaleMode::Keep,
        Some(text) => text.parse().map_err(|_| {
            Error::invalid(
                &org_path,
                format!("stale_mode `{text}` is not keep, warn or block"),
            )
        })?,
    };
    body.insert("stale_mode".into(), json!(stale_mode.name()));
    for token in &org_file.tokens {
        if token.is_empty() || token.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(Error::invalid(
                &org_path,
                "a token must be non-empty and without spaces",
            ));
        }
    }
    for user in &org_file.users {
        if user.username.trim().is_empty() || user.password.is_empty() {
            return Err(Error::invalid(
                &org_path,
                "a user needs a non-empty `username` and `password`",
            ));
        }
    }

    let policy_dir = dir.join(POLICY_DIR);
    if policy_dir.is_dir() {
        check_names(&policy_dir, &[MANDATORY_FILE, ORG_POLICY_FILE])?;
    }
    for (file, key, layer) in [
        (MANDATORY_FILE, "mandatory", Layer::Mandatory),
        (ORG_POLICY_FILE, "org_policy", Layer::Org),
    ] {
        let path = policy_dir.join(file);
        if let Some(policy) = optional_policy(&path, layer)? {
            body.insert(key.into(), policy);
        }
    }

    body.insert(
        "areas".into(),
        Value::Object(read_areas(&dir.join(AREAS_DIR))?),
    );
    body.insert(
        "servers".into(),
        Value::Object(read_servers(&dir.join(SERVERS_FILE))?),
    );

    let catalog_path = dir.join(CATALOG_FILE);
    let catalog = match read_optional_text(&catalog_path)? {
        None => Vec::new(),
        Some(text) => {
            let entries: Vec<CatalogEntry> = parse(&catalog_path, &text)?.unwrap_or_default();
            catalog::validate(entries).map_err(|message| Error::invalid(&catalog_path, message))?
        }
    };
    let entries = catalog
        .iter()
        .map(serde_json::to_value)
        .collect::<Result<Vec<Value>, _>>()
        .map_err(|e| Error::invalid(&catalog_path, e.to_string()))?;
    body.insert("catalog".into(), Value::Array(entries));

    Ok(OrgContent {
        org: org_file.org,
        tokens: org_file.tokens,
        users: org_file.users,
        catalog,
        body,
    })
}

fn read_areas(areas_dir: &Path) -> Result<Map<String, Value>> {
    let mut areas = Map::new();
    if !areas_dir.is_dir() {
        return Ok(areas);
    }
    // Which area lists a server, by the name the app compares: a server in two areas makes
    // the bundle invalid (HUB_API.md B1), so the hub refuses to sign one.
    let mut area_of: HashMap<String, String> = HashMap::new();
    for path in yaml_files(areas_dir)? {
        let name = path
            .file_stem()
            .and_then(|stem| stem.to_str())
            .unwrap_or_default()
            .to_owned();
        if name.is_empty() || name.chars().any(char::is_whitespace) {
            return Err(Error::invalid(
                &path,
                "an area file must be named `<area>.yaml` without spaces",
            ));
        }
        let area: AreaFile = parse(&path, &read_text(&path)?)?.unwrap_or_default();
        let mut entry = Map::new();
        if let Some(policy) = area.policy.filter(|policy| !policy.is_null()) {
            validate_policy(&path, Layer::Area, &policy)?;
            entry.insert("policy".into(), policy);
        }
        for server in &area.servers {
            if server.trim().is_empty() {
                return Err(Error::invalid(&path, "a listed server name is empty"));
            }
            if let Some(other) = area_of.insert(normalize_name(server), name.clone())
                && other != name
            {
                return Err(Error::invalid(
                    &path,
                    format!("`{server}` is listed by two areas, `{other}` and `{name}`"),
                ));
            }
        }
        entry.insert("servers".into(), json!(area.servers));
        areas.insert(name, Value::Object(entry));
    }
    Ok(areas)
}

fn read_servers(path: &Path) -> Result<Map<String, Value>> {
    let Some(text) = read_optional_text(path)? else {
        return Ok(Map::new());
    };
    let servers: BTreeMap<String, Value> = parse(path, &text)?.unwrap_or_default();
    let mut seen: HashMap<String, &str> = HashMap::new();
    let mut out = Map::new();
    for (name, policy) in &servers {
        if name.trim().is_empty() {
            return Err(Error::invalid(path, "a server name is empty"));
        }
        if let Some(other) = seen.insert(normalize_name(name), name) {
            return Err(Error::invalid(
                path,
                format!("`{other}` and `{name}` name the same server"),
            ));
        }
        Rules::from_value(Layer::Server, policy)
            .map_err(|e| Error::invalid(path, format!("`{name}`: {}", policy_error(&e))))?;
        out.insert(name.clone(), policy.clone());
    }
    Ok(out)
}

/// A file holding one policy object; `None` when it is missing or empty.
fn optional_policy(path: &Path, layer: Layer) -> Result<Option<Value>> {
    let Some(text) = read_optional_text(path)? else {
        return Ok(None);
    };
    let policy: Option<Value> = parse(path, &text)?;
    match policy {
        None => Ok(None),
        Some(policy) => {
            validate_policy(path, layer, &policy)?;
            Ok(Some(policy))
        }
    }
}

fn validate_policy(path: &Path, layer: Layer, policy: &Value) -> Result<()> {
    Rules::from_value(layer, policy)
        .map(|_| ())
        .map_err(|e| Error::invalid(path, policy_error(&e)))
}

/// The validation message with the key it is about, so an admin knows which line to fix
/// even when the message itself only quotes the value.
fn policy_error(error: &ValidationError) -> String {
    match &error.key {
        Some(key) => format!("{error} (key `{key}`)"),
        None => error.to_string(),
    }
}

/// Parses YAML text into `T`; `None` for a file with no document (empty or comments only).
fn parse<T: DeserializeOwned>(path: &Path, text: &str) -> Result<Option<T>> {
    let yaml_error = |e: serde_norway::Error| Error::Yaml {
        path: path.to_owned(),
        message: e.to_string(),
    };
    let value: serde_norway::Value = serde_norway::from_str(text).map_err(yaml_error)?;
    if value.is_null() {
        return Ok(None);
    }
    // Parsed again from the text, not from `value`: errors then carry the line and column.
    serde_norway::from_str(text).map(Some).map_err(yaml_error)
}

fn read_text(path: &Path) -> Result<String> {
    fs::read_to_string(path).map_err(|e| Error::io(path, e))
}

fn read_optional_text(path: &Path) -> Result<Option<String>> {
    match fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(path, e)),
    }
}

/// The `.yaml` files of a directory, sorted; a `.yml` file is refused.
fn yaml_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let path = entry.map_err(|e| Error::io(dir, e))?.path();
        match path.extension().and_then(|ext| ext.to_str()) {
            Some("yaml") if path.is_file() => files.push(path),
            Some("yml") => {
                return Err(Error::invalid(
                    &path,
                    "the hub reads only `.yaml` files: rename it",
                ));
            }
            _ => {}
        }
    }
    files.sort();
    Ok(files)
}

/// Refuses YAML files in `dir` other than `known`: a typo in a file name must not drop a
/// policy layer unnoticed.
fn check_names(dir: &Path, known: &[&str]) -> Result<()> {
    for path in yaml_files(dir)? {
        let name = path
            .file_name()
            .and_then(|name| name.to_str())
            .unwrap_or_default();
        if !known.contains(&name) {
            return Err(Error::invalid(
                &path,
                format!(
                    "the hub does not know this file; expected one of {}",
                    known.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

fn is_org_name(name: &str) -> bool {
    name.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}
