//! The one error type of the crate: what can go wrong while reading policy text, server
//! facts, requests, durations, timestamps and corpus files. Evaluation itself cannot fail.

use std::fmt;

use serde::Serialize;
use serde_json::Value;

use crate::layer::Layer;

/// The crate's result alias.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong before a decision is made.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A policy failed validation; it is rejected whole and never "fixed".
    #[error(transparent)]
    Validation(#[from] ValidationError),
    /// Text that should hold YAML (or JSON) does not parse.
    #[error("the text is not valid yaml: {0}")]
    Yaml(String),
    /// Server facts that cannot describe a server (no name, not a mapping).
    #[error("the server facts are invalid: {0}")]
    Facts(String),
    /// A request the command line would refuse with exit code 2.
    #[error("{0}")]
    Usage(String),
    /// A corpus file that does not have the shape of `POLICY.md` section 7.
    #[error("the corpus file is malformed: {0}")]
    Corpus(String),
    /// A duration such as `max_offline_age` that does not parse.
    #[error("`{0}` is not a duration such as `7d`, `12h`, `30m`, `45s` or `1w`")]
    Duration(String),
    /// A timestamp that is not RFC 3339.
    #[error("`{0}` is not an rfc 3339 timestamp such as `2026-11-20T10:00:00Z`")]
    Timestamp(String),
}

/// A policy that fails validation: which layer, which key (canonical: `cert_mode` for any of
/// its aliases), which value, and why. This is what the command line prints as
/// `{"error": {"code": "invalid_policy", "layer": …, "key": …, "message": …}}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValidationError {
    /// The layer whose policy is invalid; `None` when the layer name itself is unknown or the
    /// document is not a mapping of layers.
    pub layer: Option<Layer>,
    /// The canonical key at fault; for an unknown layer, the name as written; `None` when the
    /// layer as a whole is malformed (for instance not a mapping).
    pub key: Option<String>,
    /// The offending value as written.
    pub value: Value,
    /// Why it is invalid: lower case, one sentence, user input in backticks.
    pub message: String,
}

impl ValidationError {
    pub(crate) fn new(
        layer: Option<Layer>,
        key: Option<&str>,
        value: &Value,
        message: impl Into<String>,
    ) -> Self {
        ValidationError {
            layer,
            key: key.map(str::to_owned),
            value: value.clone(),
            message: message.into(),
        }
    }

    /// The name of the field the error is about, for matching `expect.error` in the corpus:
    /// the key when there is one, else the layer name.
    pub fn subject(&self) -> Option<String> {
        self.key
            .clone()
            .or_else(|| self.layer.map(|layer| layer.to_string()))
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.layer {
            Some(layer) => write!(f, "invalid {layer} policy")?,
            None => f.write_str("invalid policy")?,
        }
        // The key at fault, when the message does not already name it: "`strcit` is not a
        // mode" alone does not say where to look.
        match &self.key {
            Some(key) if !self.message.contains(&format!("`{key}`")) => {
                write!(f, ": `{key}`: {}", self.message)
            }
            _ => write!(f, ": {}", self.message),
        }
    }
}

impl std::error::Error for ValidationError {}

/// Shows a value the way a user wrote it: strings bare, everything else as JSON. Used inside
/// backticks in messages.
pub(crate) fn shown(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}
