//! Writing and reading the audit log. Every event gets an outbox row in the same
//! transaction, so an event is never logged without being queued for the hub (or queued
//! without being logged).

use rusqlite::TransactionBehavior;
use sqlx::SqliteConnection;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::audit::{AuditEvent, AuditKind};
use crate::error::{Error, Result, is_unique_violation};
use crate::open::Store;
use crate::time_text::{from_text, to_text};

const TABLE: &str = "audit_events";

/// The columns of [`EventRow`], in the order of its fields. A macro so that it can be
/// spliced into `concat!` and every query stays a `&'static str`.
macro_rules! event_columns {
    () => {
        "e.seq, e.id, e.time, e.device, e.user, e.kind, e.server, e.version, e.digest, \
         e.verdict, e.codes, e.overrides, e.detail, e.hostname, e.app_version"
    };
}
pub(crate) use event_columns;

impl Store {
    /// Appends `event` to the log and queues it for the hub, atomically.
    ///
    /// An id already in the log gives [`Error::DuplicateEvent`] and stores nothing.
    pub async fn record(&self, event: &AuditEvent) -> Result<()> {
        // Every launch records its decision before its server starts: on the plain
        // connection, without sqlx's round trips (`direct.rs`).
        let event = event.clone();
        self.direct()
            .write(move |conn| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let columns = Columns::of(&event)?;
                let link = crate::chain::next_link_direct(&tx, &event)?;
                let mut insert = tx.prepare_cached(INSERT_EVENT)?;
                insert
                    .execute(rusqlite::params![
                        link.seq,
                        columns.id,
                        columns.time,
                        event.device,
                        event.user,
                        event.kind.as_str(),
                        event.server,
                        event.version,
                        event.digest,
                        event.verdict,
                        columns.codes,
                        columns.overrides,
                        columns.detail,
                        event.hostname,
                        event.app_version,
                        link.prev,
                        link.canonical,
                        link.hash,
                    ])
                    .map_err(|error| {
                        if crate::direct::is_unique_violation(&error) {
                            Error::DuplicateEvent(event.id)
                        } else {
                            Error::from(error)
                        }
                    })?;
                drop(insert);
                tx.prepare_cached(INSERT_OUTBOX)?.execute([&columns.id])?;
                tx.commit()?;
                Ok(())
            })
            .await
    }

    /// Events at or after `since` (all when `None`), oldest first, at most `limit` of them.
    pub async fn audit(
        &self,
        since: Option<OffsetDateTime>,
        limit: u32,
    ) -> Result<Vec<AuditEvent>> {
        // Two statements rather than `?1 IS NULL OR …`, so the filtered one uses the index.
        let rows: Vec<EventRow> = match since {
            Some(since) => sqlx::query_as(concat!(
                "SELECT ",
                event_columns!(),
                " FROM audit_events e WHERE e.time >= ? ORDER BY e.time, e.seq LIMIT ?"
            ))
            .bind(to_text(since)?),
            None => sqlx::query_as(concat!(
                "SELECT ",
                event_columns!(),
                " FROM audit_events e ORDER BY e.time, e.seq LIMIT ?"
            )),
        }
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.into_iter().map(AuditEvent::try_from).collect()
    }
}

/// Inserts `event` and its outbox row on a connection that is inside a write transaction.
/// Other use cases (storing a snapshot, adding a server) call it so their change and its
/// audit event commit together.
pub(crate) async fn insert_event(
    conn: &mut SqliteConnection,
    event: &AuditEvent,
) -> Result<crate::chain::Link> {
    let Columns {
        id,
        time,
        codes,
        overrides,
        detail,
    } = Columns::of(event)?;
    let link = crate::chain::next_link(&mut *conn, event).await?;
    sqlx::query(INSERT_EVENT)
        .bind(link.seq)
        .bind(&id)
        .bind(time)
        .bind(&event.device)
        .bind(&event.user)
        .bind(event.kind.as_str())
        .bind(&event.server)
        .bind(&event.version)
        .bind(&event.digest)
        .bind(&event.verdict)
        .bind(codes)
        .bind(overrides)
        .bind(detail)
        .bind(&event.hostname)
        .bind(&event.app_version)
        .bind(&link.prev)
        .bind(&link.canonical)
        .bind(&link.hash)
        .execute(&mut *conn)
        .await
        .map_err(|error| {
            if is_unique_violation(&error) {
                Error::DuplicateEvent(event.id)
            } else {
                Error::from(error)
            }
        })?;
    sqlx::query(INSERT_OUTBOX)
        .bind(&id)
        .execute(&mut *conn)
        .await?;
    Ok(link)
}

/// An event's row, in the order of [`INSERT_EVENT`]'s columns, the chain's three last.
const INSERT_EVENT: &str = "INSERT INTO audit_events \
     (seq, id, time, device, user, kind, server, version, digest, verdict, codes, overrides, \
      detail, hostname, app_version, prev, canonical, hash) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)";

/// The event's row in the outbox: queued for the hub.
const INSERT_OUTBOX: &str = "INSERT INTO audit_outbox (event_id) VALUES (?1)";

/// The columns of an event that are stored as text made from it.
struct Columns {
    id: String,
    time: String,
    codes: String,
    overrides: Option<String>,
    detail: Option<String>,
}

impl Columns {
    fn of(event: &AuditEvent) -> Result<Columns> {
        let text = |value: Option<&serde_json::Value>| value.map(serde_json::to_string).transpose();
        Ok(Columns {
            id: event.id.to_string(),
            time: to_text(event.time)?,
            codes: serde_json::to_string(&event.codes)?,
            overrides: text(event.overrides.as_ref())?,
            detail: text(event.detail.as_ref())?,
        })
    }
}

/// An `audit_events` row as stored; decoded into [`AuditEvent`] with checks.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct EventRow {
    pub(crate) seq: i64,
    id: String,
    time: String,
    device: String,
    user: String,
    kind: String,
    server: Option<String>,
    version: Option<String>,
    digest: Option<String>,
    verdict: Option<String>,
    codes: String,
    overrides: Option<String>,
    detail: Option<String>,
    hostname: Option<String>,
    app_version: Option<String>,
}

impl TryFrom<EventRow> for AuditEvent {
    type Error = Error;

    fn try_from(row: EventRow) -> Result<AuditEvent> {
        let id = Uuid::parse_str(&row.id).map_err(|e| invalid(format!("id `{}`: {e}", row.id)))?;
        let kind = AuditKind::from_name(&row.kind)
            .ok_or_else(|| invalid(format!("unknown kind `{}`", row.kind)))?;
        Ok(AuditEvent {
            id,
            time: from_text(TABLE, &row.time)?,
            device: row.device,
            user: row.user,
            kind,
            server: row.server,
            version: row.version,
            digest: row.digest,
            verdict: row.verdict,
            codes: json(&row.codes)?,
            overrides: row.overrides.as_deref().map(json).transpose()?,
            detail: row.detail.as_deref().map(json).transpose()?,
            hostname: row.hostname,
            app_version: row.app_version,
        })
    }
}

fn json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| invalid(format!("json `{text}`: {e}")))
}

fn invalid(detail: String) -> Error {
    Error::InvalidRow {
        table: TABLE,
        detail,
    }
}
