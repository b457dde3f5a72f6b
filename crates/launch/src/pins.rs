//! Tool pinning: every tool definition a server lists is hashed and compared with the hash
//! approved (pinned) for this launch the first time it was seen, so a server that changes a
//! tool after approval (a "rug pull") is noticed.
//!
//! A pin is SHA-256 over the tool's canonical text ([`crate::canonical`]): members sorted,
//! whitespace dropped, the tool's own `_meta` left out. The same tool listed to a
//! handshake-era client and to a 2026-07-28 client pins the same, so upgrading a client is
//! not a tool change; any change of what the tool says or accepts is one. A definition with
//! a duplicate member has no canonical text and is pinned over its raw bytes.
//!
//! Pins are written with a form prefix (`c1:` canonical, `r1:` raw). Pins written before
//! the prefix existed were taken over the raw bytes: such a pin is re-pinned in the new
//! form once, when the raw bytes still match (the tool did not change), and reported to
//! the caller; when they do not match, the tool counts as changed, as it would have.

use std::collections::{BTreeMap, BTreeSet};
use std::convert::Infallible;
use std::future::Future;
use std::sync::{Mutex, PoisonError};

use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use crate::canonical::canonical_tool;
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

    /// Replaces the pins of `tools` (`(name, hash)` pairs): used only to carry pins of an
    /// older form over to the current one, for tools whose definitions did not change.
    fn repin(
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

    async fn repin(&self, launch_key: &str, tools: &[(String, String)]) -> Result<(), Infallible> {
        let mut pins = self.pins.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = pins.entry(launch_key.to_owned()).or_default();
        for (name, hash) in tools {
            entry.insert(name.clone(), hash.clone());
        }
        Ok(())
    }
}

/// One listed tool's pin, and its hash in the form of pins written before forms had a
/// prefix (to recognise an older pin of the same definition).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ToolHash {
    pub(crate) pin: String,
    pub(crate) raw: String,
}

/// Whether `pin` was written in a form this version writes.
fn is_current_form(pin: &str) -> bool {
    pin.starts_with("c1:") || pin.starts_with("r1:")
}

/// The tools of one `tools/list` result (one page), by name → hex SHA-256.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ToolsPage {
    /// The response carries a `result.tools` array.
    Tools {
        hashes: BTreeMap<String, ToolHash>,
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
        .map(|(name, definitions)| (name, tool_hash(&definitions)))
        .collect();
    ToolsPage::Tools { hashes, unnamed }
}

/// A name listed twice is one pin over all its definitions, in order: a change of either
/// copy is a change of the tool.
fn tool_hash(definitions: &[&RawValue]) -> ToolHash {
    let digest = |parts: &mut dyn Iterator<Item = String>| {
        let mut hasher = Sha256::new();
        for (i, part) in parts.enumerate() {
            if i > 0 {
                hasher.update(b"\n");
            }
            hasher.update(part.as_bytes());
        }
        hex::encode(hasher.finalize())
    };
    let raw = digest(&mut definitions.iter().map(|d| d.get().to_owned()));
    let canonical: Option<Vec<String>> = definitions
        .iter()
        .map(|d| canonical_tool(d.get()))
        .collect();
    let pin = match canonical {
        Some(texts) => format!("c1:{}", digest(&mut texts.into_iter())),
        None => format!("r1:{raw}"),
    };
    ToolHash { pin, raw }
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
    /// Tools whose pins of an older form were carried over to the current form.
    pub(crate) repinned: Vec<String>,
}

/// The pins of one session: loaded once, then kept in step with what this session pinned.
#[derive(Debug, Default)]
pub(crate) struct PinBook {
    approved: Option<BTreeMap<String, String>>,
    reported: BTreeSet<(String, String)>,
}

impl PinBook {
    /// Compares one page with the pins of `launch_key`. The first time, when that key has
    /// no pins yet, the pins of `legacy_key` (the key an older version used for the same
    /// launch) are carried over, so that an upgrade keeps what was approved.
    pub(crate) async fn check<P: PinStore>(
        &mut self,
        store: &P,
        launch_key: &str,
        legacy_key: Option<&str>,
        hashes: &BTreeMap<String, ToolHash>,
    ) -> Result<PinCheck, P::Error> {
        let approved = match self.approved.take() {
            Some(approved) => approved,
            None => Self::load(store, launch_key, legacy_key).await?,
        };
        let approved = self.approved.insert(approved);
        let mut check = PinCheck::default();
        let mut new = Vec::new();
        let mut carried = Vec::new();
        for (name, hash) in hashes {
            match approved.get(name) {
                None => new.push((name.clone(), hash.pin.clone())),
                Some(pinned) if *pinned == hash.pin => {}
                Some(pinned) if !is_current_form(pinned) && *pinned == hash.raw => {
                    carried.push((name.clone(), hash.pin.clone()));
                }
                Some(_) => {
                    check.differing.push(name.clone());
                    if self.reported.insert((name.clone(), hash.pin.clone())) {
                        check.changed.push(name.clone());
                    }
                }
            }
        }
        if !new.is_empty() {
            store.pin_new(launch_key, &new).await?;
            for (name, hash) in new {
                check.pinned.push(name.clone());
                approved.insert(name, hash);
            }
        }
        if !carried.is_empty() {
            store.repin(launch_key, &carried).await?;
            for (name, hash) in carried {
                check.repinned.push(name.clone());
                approved.insert(name, hash);
            }
        }
        Ok(check)
    }

    async fn load<P: PinStore>(
        store: &P,
        launch_key: &str,
        legacy_key: Option<&str>,
    ) -> Result<BTreeMap<String, String>, P::Error> {
        let pins = store.pins(launch_key).await?;
        let Some(legacy_key) = legacy_key.filter(|key| *key != launch_key && pins.is_empty())
        else {
            return Ok(pins);
        };
        let legacy = store.pins(legacy_key).await?;
        if !legacy.is_empty() {
            // Copied as they are, older form included: each is carried over to the current
            // form when its tool is next listed unchanged, or reported changed.
            let copy: Vec<(String, String)> = legacy.clone().into_iter().collect();
            store.pin_new(launch_key, &copy).await?;
        }
        Ok(legacy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(tools: &str) -> BTreeMap<String, ToolHash> {
        let line = format!(r#"{{"jsonrpc":"2.0","id":2,"result":{{"tools":[{tools}]}}}}"#);
        match read_tools_page(line.as_bytes()) {
            ToolsPage::Tools { hashes, .. } => hashes,
            other => panic!("not a tools page: {other:?}"),
        }
    }

    fn pins_of(page: &BTreeMap<String, ToolHash>) -> BTreeMap<String, String> {
        page.iter()
            .map(|(name, hash)| (name.clone(), hash.pin.clone()))
            .collect()
    }

    #[test]
    fn every_field_of_a_tool_counts_but_not_its_spelling() {
        let base = page(r#"{"name":"a","description":"adds","inputSchema":{"type":"object"}}"#);
        for changed in [
            r#"{"name":"a","description":"adds!","inputSchema":{"type":"object"}}"#,
            r#"{"name":"a","description":"adds","inputSchema":{"type":"object","x":1}}"#,
            r#"{"name":"a","description":"adds","inputSchema":{"type":"object"},"annotations":{}}"#,
        ] {
            assert_ne!(page(changed)["a"].pin, base["a"].pin, "{changed}");
        }
        for same in [
            r#"{"name":"a","description":"adds","inputSchema":{"type":"object"}}"#,
            r#"{"name":"a", "inputSchema":{"type":"object"}, "description":"adds"}"#,
            r#"{"name":"a","description":"adds","inputSchema":{"type":"object"},"_meta":{"k":1}}"#,
        ] {
            assert_eq!(page(same)["a"].pin, base["a"].pin, "{same}");
        }
        assert!(base["a"].pin.starts_with("c1:"));
    }

    #[test]
    fn a_definition_with_a_duplicate_member_is_pinned_over_its_bytes() {
        let one = page(r#"{"name":"a","description":"1","description":"2"}"#);
        let two = page(r#"{"name":"a","description":"1", "description":"2"}"#);
        assert!(one["a"].pin.starts_with("r1:"));
        assert_ne!(one["a"].pin, two["a"].pin, "any byte counts then");
    }

    #[test]
    fn hashes_are_per_tool() {
        let one = page(r#"{"name":"a","description":"1"},{"name":"b","description":"1"}"#);
        let two = page(r#"{"name":"a","description":"1"},{"name":"b","description":"2"}"#);
        assert_eq!(one["a"], two["a"]);
        assert_ne!(one["b"], two["b"]);
        assert_eq!(one["a"].pin.len(), 3 + 64);
    }

    #[test]
    fn a_duplicate_name_covers_both_definitions() {
        let one = page(r#"{"name":"a","description":"1"},{"name":"a","description":"2"}"#);
        let two = page(r#"{"name":"a","description":"1"},{"name":"a","description":"evil"}"#);
        assert_ne!(one["a"].pin, two["a"].pin);
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
        let first = book.check(&store, "k", None, &v1).await.unwrap();
        assert_eq!(first.pinned, ["a", "b"]);
        assert!(first.changed.is_empty());
        assert_eq!(store.snapshot("k"), pins_of(&v1));

        let again = book.check(&store, "k", None, &v1).await.unwrap();
        assert_eq!(
            again,
            PinCheck::default(),
            "an unchanged list reports nothing"
        );

        let v2 = page(r#"{"name":"b","description":"2"},{"name":"c","description":"1"}"#);
        let changed = book.check(&store, "k", None, &v2).await.unwrap();
        assert_eq!(
            changed.changed,
            ["b"],
            "a removed tool is no error, a new one is pinned"
        );
        assert_eq!(changed.differing, ["b"]);
        assert_eq!(changed.pinned, ["c"]);
        assert_eq!(
            store.snapshot("k")["b"],
            v1["b"].pin,
            "a change does not re-pin"
        );

        let later = book.check(&store, "k", None, &v2).await.unwrap();
        assert!(later.changed.is_empty(), "reported once per session");
        assert_eq!(later.differing, ["b"], "but still known to differ");

        let other_session = PinBook::default().check(&store, "k", None, &v2).await;
        assert_eq!(
            other_session.unwrap().changed,
            ["b"],
            "pins outlive the session"
        );
        let other_key = PinBook::default().check(&store, "k2", None, &v2).await;
        assert!(
            other_key.unwrap().changed.is_empty(),
            "pins are per launch key"
        );
    }

    #[tokio::test]
    async fn older_pins_are_carried_over_once_when_the_tool_is_unchanged() {
        let store = MemoryPins::default();
        let listed = page(
            r#"{"name":"same","description":"1"},{"name":"evil","description":"now different"}"#,
        );
        // What an older version pinned, under its key (which held env variable names).
        let old_same = listed["same"].raw.clone();
        let old_evil = page(r#"{"name":"evil","description":"at approval"}"#)["evil"]
            .raw
            .clone();
        store
            .pin_new(
                "old-key",
                &[
                    ("same".to_owned(), old_same),
                    ("evil".to_owned(), old_evil.clone()),
                    ("unlisted".to_owned(), "ab".repeat(32)),
                ],
            )
            .await
            .unwrap();

        let check = PinBook::default()
            .check(&store, "new-key", Some("old-key"), &listed)
            .await
            .unwrap();
        assert_eq!(check.repinned, ["same"]);
        assert_eq!(check.changed, ["evil"], "a changed tool is still caught");
        assert!(check.pinned.is_empty(), "nothing counts as first seen");
        let pins = store.snapshot("new-key");
        assert_eq!(pins["same"], listed["same"].pin);
        assert_eq!(pins["evil"], old_evil, "a changed tool keeps its old pin");
        assert!(pins.contains_key("unlisted"), "unlisted pins come along");

        let next = PinBook::default()
            .check(&store, "new-key", Some("old-key"), &listed)
            .await
            .unwrap();
        assert!(next.repinned.is_empty(), "carried over once");
        assert_eq!(next.changed, ["evil"]);
    }
}
