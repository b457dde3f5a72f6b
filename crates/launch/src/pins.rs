//! Tool pinning: every tool definition a server lists is hashed and compared with the hash
//! approved (pinned) for this launch the first time it was seen, so a server that changes a
//! tool after approval (a "rug pull") is noticed.
//!
//! The hash is SHA-256 over the tool's JSON object exactly as the server sent it (its raw
//! bytes, via `serde_json::value::RawValue`), not over a canonical re-serialization:
//! - a canonical form would read duplicate members one way (the last wins) while some
//!   client may read them another, so a server could change what a client sees without
//!   changing the hash; raw bytes leave no such room;
//! - any change of any field, even of whitespace or member order, changes the hash. A
//!   given server build prints its tools the same way every time, so this costs a
//!   re-approval only when the server's output really changed.

use std::collections::{BTreeMap, BTreeSet};
use std::convert::Infallible;
use std::future::Future;
use std::sync::{Mutex, PoisonError};

use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use crate::message::RawObject;

/// What the proxy does when a pinned tool's definition changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PinMode {
    /// Answer that `tools/list` with an error and end the session.
    Strict,
    /// Report the change and forward the list.
    #[default]
    Warn,
    /// Do not hash, pin or compare at all.
    Off,
}

/// Where pins are kept, keyed by launch (server + version + launch config: the same
/// server started with other arguments may list other tools). The caller implements it over
/// its store; the proxy never writes anything else.
pub trait PinStore {
    /// Why the store failed.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Tool name → hex SHA-256 of every tool pinned for `launch_key`.
    fn pins(
        &self,
        launch_key: &str,
    ) -> impl Future<Output = Result<BTreeMap<String, String>, Self::Error>> + Send;

    /// Pins tools seen for the first time: `(name, hex sha256)` pairs.
    fn pin_new(
        &self,
        launch_key: &str,
        tools: &[(String, String)],
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;
}

/// Pins kept in memory, for tests, benchmarks and sessions without a store.
#[derive(Debug, Default)]
pub struct MemoryPins {
    pins: Mutex<BTreeMap<String, BTreeMap<String, String>>>,
}

impl MemoryPins {
    /// A copy of the pins of `launch_key`.
    pub fn snapshot(&self, launch_key: &str) -> BTreeMap<String, String> {
        let pins = self.pins.lock().unwrap_or_else(PoisonError::into_inner);
        pins.get(launch_key).cloned().unwrap_or_default()
    }
}

impl PinStore for MemoryPins {
    type Error = Infallible;

    async fn pins(&self, launch_key: &str) -> Result<BTreeMap<String, String>, Infallible> {
        Ok(self.snapshot(launch_key))
    }

    async fn pin_new(
        &self,
        launch_key: &str,
        tools: &[(String, String)],
    ) -> Result<(), Infallible> {
        let mut pins = self.pins.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = pins.entry(launch_key.to_owned()).or_default();
        for (name, hash) in tools {
            entry.entry(name.clone()).or_insert_with(|| hash.clone());
        }
        Ok(())
    }
}

/// The tools of one `tools/list` result (one page), by name → hex SHA-256.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ToolsPage {
    /// The response carries a `result.tools` array.
    Tools {
        hashes: BTreeMap<String, String>,
        unnamed: usize,
    },
    /// An error response (or no `result`): nothing to pin, nothing the client could use.
    NoResult,
    /// Not valid JSON, or a `result` without a `tools` array: the client cannot use it
    /// either, so it is forwarded and reported.
    Unreadable,
}

pub(crate) fn read_tools_page(line: &[u8]) -> ToolsPage {
    let Some(top) = RawObject::parse(line) else {
        return ToolsPage::Unreadable;
    };
    let Some(result) = top.get("result") else {
        return ToolsPage::NoResult;
    };
    let tools = RawObject::parse_str(result.get())
        .and_then(|result| result.get("tools"))
        .and_then(|tools| serde_json::from_str::<Vec<&RawValue>>(tools.get()).ok());
    let Some(tools) = tools else {
        return ToolsPage::Unreadable;
    };
    let mut by_name: BTreeMap<String, Vec<&RawValue>> = BTreeMap::new();
    let mut unnamed = 0;
    for tool in tools {
        let name = RawObject::parse_str(tool.get())
            .and_then(|object| object.get("name"))
            .and_then(|name| serde_json::from_str::<String>(name.get()).ok());
        match name {
            Some(name) => by_name.entry(name).or_default().push(tool),
            None => unnamed += 1,
        }
    }
    let hashes = by_name
        .into_iter()
        .map(|(name, definitions)| {
            // A name listed twice is one pin over all its definitions, in order: a change of
            // either copy is a change of the tool.
            let mut hasher = Sha256::new();
            for (i, definition) in definitions.iter().enumerate() {
                if i > 0 {
                    hasher.update(b"\n");
                }
                hasher.update(definition.get().as_bytes());
            }
            (name, hex::encode(hasher.finalize()))
        })
        .collect();
    ToolsPage::Tools { hashes, unnamed }
}

/// What comparing one page with the pins found.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct PinCheck {
    /// Pinned tools whose hash differs, not reported before in this session.
    pub(crate) changed: Vec<String>,
    /// Every pinned tool that differs, reported before or not.
    pub(crate) differing: Vec<String>,
    /// Tools pinned by this page.
    pub(crate) pinned: Vec<String>,
}

/// The pins of one session: loaded once, then kept in step with what this session pinned.
#[derive(Debug, Default)]
pub(crate) struct PinBook {
    approved: Option<BTreeMap<String, String>>,
    reported: BTreeSet<(String, String)>,
}

impl PinBook {
    pub(crate) async fn check<P: PinStore>(
        &mut self,
        store: &P,
        launch_key: &str,
        hashes: &BTreeMap<String, String>,
    ) -> Result<PinCheck, P::Error> {
        let approved = match self.approved.take() {
            Some(approved) => approved,
            None => store.pins(launch_key).await?,
        };
        let approved = self.approved.insert(approved);
        let mut check = PinCheck::default();
        let mut new = Vec::new();
        for (name, hash) in hashes {
            match approved.get(name) {
                None => new.push((name.clone(), hash.clone())),
                Some(pinned) if pinned != hash => {
                    check.differing.push(name.clone());
                    if self.reported.insert((name.clone(), hash.clone())) {
                        check.changed.push(name.clone());
                    }
                }
                Some(_) => {}
            }
        }
        if !new.is_empty() {
            store.pin_new(launch_key, &new).await?;
            for (name, hash) in new {
                check.pinned.push(name.clone());
                approved.insert(name, hash);
            }
        }
        Ok(check)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(tools: &str) -> BTreeMap<String, String> {
        let line = format!(r#"{{"jsonrpc":"2.0","id":2,"result":{{"tools":[{tools}]}}}}"#);
        match read_tools_page(line.as_bytes()) {
            ToolsPage::Tools { hashes, .. } => hashes,
            other => panic!("not a tools page: {other:?}"),
        }
    }

    #[test]
    fn every_field_and_byte_of_a_tool_counts() {
        let base = page(r#"{"name":"a","description":"adds","inputSchema":{"type":"object"}}"#);
        for changed in [
            r#"{"name":"a","description":"adds!","inputSchema":{"type":"object"}}"#,
            r#"{"name":"a","description":"adds","inputSchema":{"type":"object","x":1}}"#,
            r#"{"name":"a","description":"adds","inputSchema":{"type":"object"},"annotations":{}}"#,
            r#"{"name":"a", "description":"adds","inputSchema":{"type":"object"}}"#,
        ] {
            assert_ne!(page(changed)["a"], base["a"], "{changed}");
        }
        let same = page(r#"{"name":"a","description":"adds","inputSchema":{"type":"object"}}"#);
        assert_eq!(same, base, "the same bytes give the same hash");
    }

    #[test]
    fn hashes_are_per_tool() {
        let one = page(r#"{"name":"a","description":"1"},{"name":"b","description":"1"}"#);
        let two = page(r#"{"name":"a","description":"1"},{"name":"b","description":"2"}"#);
        assert_eq!(one["a"], two["a"]);
        assert_ne!(one["b"], two["b"]);
        assert_eq!(one["a"].len(), 64);
    }

    #[test]
    fn a_duplicate_name_covers_both_definitions() {
        let one = page(r#"{"name":"a","description":"1"},{"name":"a","description":"2"}"#);
        let two = page(r#"{"name":"a","description":"1"},{"name":"a","description":"evil"}"#);
        assert_ne!(one["a"], two["a"]);
    }

    #[test]
    fn pages_that_cannot_be_pinned() {
        assert_eq!(
            read_tools_page(b"{\"id\":1,\"error\":{}}"),
            ToolsPage::NoResult
        );
        assert_eq!(read_tools_page(b"nonsense"), ToolsPage::Unreadable);
        assert_eq!(
            read_tools_page(b"{\"id\":1,\"result\":{}}"),
            ToolsPage::Unreadable
        );
        let unnamed = read_tools_page(br#"{"id":1,"result":{"tools":[{"description":"x"}]}}"#);
        assert_eq!(
            unnamed,
            ToolsPage::Tools {
                hashes: BTreeMap::new(),
                unnamed: 1
            }
        );
    }

    #[tokio::test]
    async fn first_sight_pins_and_a_change_is_reported_once() {
        let store = MemoryPins::default();
        let mut book = PinBook::default();
        let v1 = page(r#"{"name":"a","description":"1"},{"name":"b","description":"1"}"#);
        let first = book.check(&store, "k", &v1).await.unwrap();
        assert_eq!(first.pinned, ["a", "b"]);
        assert!(first.changed.is_empty());
        assert_eq!(store.snapshot("k"), v1);

        let again = book.check(&store, "k", &v1).await.unwrap();
        assert_eq!(
            again,
            PinCheck::default(),
            "an unchanged list reports nothing"
        );

        let v2 = page(r#"{"name":"b","description":"2"},{"name":"c","description":"1"}"#);
        let changed = book.check(&store, "k", &v2).await.unwrap();
        assert_eq!(
            changed.changed,
            ["b"],
            "a removed tool is no error, a new one is pinned"
        );
        assert_eq!(changed.differing, ["b"]);
        assert_eq!(changed.pinned, ["c"]);
        assert_eq!(
            store.snapshot("k")["b"],
            v1["b"],
            "a change does not re-pin"
        );

        let later = book.check(&store, "k", &v2).await.unwrap();
        assert!(later.changed.is_empty(), "reported once per session");
        assert_eq!(later.differing, ["b"], "but still known to differ");

        let other_session = PinBook::default().check(&store, "k", &v2).await;
        assert_eq!(
            other_session.unwrap().changed,
            ["b"],
            "pins outlive the session"
        );
        let other_key = PinBook::default().check(&store, "k2", &v2).await;
        assert!(
            other_key.unwrap().changed.is_empty(),
            "pins are per launch key"
        );
    }
}
