//! The audit chain of HUB_API.md B2. Each event is given, in the transaction that stores
//! it, the next `seq` of this device, `prev` (the SHA-256 of the canonical bytes of the
//! event before it, `null` for the first) and its own canonical bytes: keys sorted at every
//! level, no whitespace, UTF-8 unescaped. Those bytes are what the outbox sends, so the hash
//! the hub computes of what it received is the hash the next event names.
//!
//! A user who deletes rows cannot make the numbers close up again: `seq` comes from SQLite's
//! `AUTOINCREMENT` counter, which never goes back, and the hub is told the latest `seq` and
//! hash at every policy request.

use rusqlite::OptionalExtension;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use sqlx::SqliteConnection;

use crate::audit::AuditEvent;
use crate::error::Result;

/// The latest event of the chain: what every policy request reports (HUB_API.md B1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditHead {
    pub seq: u64,
    /// Hex SHA-256 of that event's canonical bytes.
    pub hash: String,
}

/// An event's place in the chain and the bytes that go to the hub.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Link {
    pub seq: i64,
    pub prev: Option<String>,
    pub canonical: String,
    pub hash: String,
}

/// The link for `event` if it is stored next on `conn` (inside the write transaction that
/// stores it).
pub(crate) async fn next_link(conn: &mut SqliteConnection, event: &AuditEvent) -> Result<Link> {
    let last: Option<(i64, Option<String>)> = sqlx::query_as(LAST_EVENT)
        .fetch_optional(&mut *conn)
        .await?;
    let counter: Option<i64> = sqlx::query_scalar(COUNTER)
        .fetch_optional(&mut *conn)
        .await?;
    let head = crate::settings::read_setting(&mut *conn, HEAD_KEY).await?;
    let link = link_after(event, last, counter, head.as_deref())?;
    crate::settings::write_setting(&mut *conn, HEAD_KEY, &head_text(&link)).await?;
    Ok(link)
}

/// [`next_link`] on the plain connection (`direct.rs`), inside its write transaction.
pub(crate) fn next_link_direct(conn: &rusqlite::Connection, event: &AuditEvent) -> Result<Link> {
    let last = conn
        .prepare_cached(LAST_EVENT)?
        .query_row([], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?;
    let counter = conn
        .prepare_cached(COUNTER)?
        .query_row([], |row| row.get(0))
        .optional()?;
    let head = crate::settings::read_setting_direct(conn, HEAD_KEY)?;
    let link = link_after(event, last, counter, head.as_deref())?;
    crate::settings::write_setting_direct(conn, HEAD_KEY, &head_text(&link))?;
    Ok(link)
}

/// The newest event's `seq` and hash.
const LAST_EVENT: &str = "SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1";

/// The counter outlives deleted rows: a deleted tail leaves a gap, never a reused number.
const COUNTER: &str = "SELECT seq FROM sqlite_sequence WHERE name = 'audit_events'";

/// The recorded head as stored: what [`stored_head`] reads.
fn head_text(link: &Link) -> String {
    serde_json::json!({"seq": link.seq, "hash": link.hash}).to_string()
}

/// The link of `event` stored after the newest row `last`, with the table's `counter` and
/// the recorded `head` as they are.
fn link_after(
    event: &AuditEvent,
    last: Option<(i64, Option<String>)>,
    counter: Option<i64>,
    head: Option<&str>,
) -> Result<Link> {
    let head = head.and_then(parse_head);
    let last_seq = last.as_ref().map_or(0, |(seq, _)| *seq);
    let head_seq = head
        .as_ref()
        .map_or(0, |head| i64::try_from(head.seq).unwrap_or(0));
    let seq = last_seq.max(counter.unwrap_or(0)).max(head_seq) + 1;
    // The event before is the recorded head (it survives its row being deleted), else the
    // newest row left.
    let prev = if seq == 1 {
        None
    } else {
        match head {
            Some(head) if head_seq == seq - 1 => Some(head.hash),
            _ => last.and_then(|(_, hash)| hash),
        }
    };
    Ok(link(event, seq, prev)?)
}

/// The setting that records the chain's head as each event is stored: deleting the newest
/// rows does not move it back, so the head reported to the hub still names them.
const HEAD_KEY: &str = "audit_head";

/// The head recorded with the last stored event, if any.
pub(crate) async fn stored_head(conn: &mut SqliteConnection) -> Result<Option<AuditHead>> {
    let text = crate::settings::read_setting(&mut *conn, HEAD_KEY).await?;
    Ok(text.as_deref().and_then(parse_head))
}

fn parse_head(text: &str) -> Option<AuditHead> {
    let value = serde_json::from_str::<Value>(text).ok()?;
    Some(AuditHead {
        seq: value["seq"].as_u64()?,
        hash: value["hash"].as_str()?.to_owned(),
    })
}

/// The link of `event` at `seq` after `prev`.
pub(crate) fn link(event: &AuditEvent, seq: i64, prev: Option<String>) -> serde_json::Result<Link> {
    let mut value = serde_json::to_value(event)?;
    if let Value::Object(map) = &mut value {
        map.insert("seq".to_owned(), Value::from(seq));
        map.insert(
            "prev".to_owned(),
            prev.clone().map_or(Value::Null, Value::String),
        );
    }
    let canonical = canonical(&value);
    let hash = hex::encode(Sha256::digest(canonical.as_bytes()));
    Ok(Link {
        seq,
        prev,
        canonical,
        hash,
    })
}

/// The canonical text of `value`: keys sorted at every level, no whitespace. Sorted by
/// hand rather than trusting `serde_json::Map`, which keeps insertion order when some crate
/// in the build turns on `preserve_order`.
pub fn canonical(value: &Value) -> String {
    sorted(value).to_string()
}

fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            let mut out = Map::new();
            for (key, inner) in entries {
                out.insert(key.clone(), sorted(inner));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// Gives the events stored before the chain existed their links, in the order they were
/// made, continuing from the chain as it stands (none, on an upgrade).
pub(crate) async fn link_unlinked(conn: &mut SqliteConnection) -> Result<u64> {
    let rows: Vec<crate::audit_log::EventRow> = sqlx::query_as(concat!(
        "SELECT ",
        crate::audit_log::event_columns!(),
        " FROM audit_events e WHERE e.canonical IS NULL ORDER BY e.seq"
    ))
    .fetch_all(&mut *conn)
    .await?;
    let mut linked = 0;
    for row in rows {
        let seq = row.seq;
        let prev: Option<String> = sqlx::query_scalar(
            "SELECT hash FROM audit_events WHERE seq < ? ORDER BY seq DESC LIMIT 1",
        )
        .bind(seq)
        .fetch_optional(&mut *conn)
        .await?
        .flatten();
        let event = AuditEvent::try_from(row)?;
        let link = link(&event, seq, if seq == 1 { None } else { prev })?;
        sqlx::query("UPDATE audit_events SET prev = ?, canonical = ?, hash = ? WHERE seq = ?")
            .bind(&link.prev)
            .bind(&link.canonical)
            .bind(&link.hash)
            .bind(seq)
            .execute(&mut *conn)
            .await?;
        linked += 1;
    }
    Ok(linked)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn canonical_text_sorts_every_level_and_keeps_text_unescaped() {
        let value = json!({"b": 1, "a": {"d": [{"y": "é", "x": null}], "c": true}});
        assert_eq!(
            canonical(&value),
            r#"{"a":{"c":true,"d":[{"x":null,"y":"é"}]},"b":1}"#
        );
    }
}
