//! `gatehouse audit export`: the audit log as JSON Lines, oldest first.

use std::io::Write;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{fail, runtime};
use crate::cli::{AuditCommand, AuditFormat};
use crate::exit::Exit;

pub fn run(command: AuditCommand) -> Exit {
    let AuditCommand::Export {
        since,
        format: AuditFormat::Jsonl,
    } = command;
    let since = match since
        .as_deref()
        .map(|text| OffsetDateTime::parse(text, &Rfc3339))
    {
        None => None,
        Some(Ok(time)) => Some(time),
        Some(Err(_)) => {
            eprintln!("gatehouse: `--since` takes an RFC 3339 time such as 2026-11-20T00:00:00Z");
            return Exit::Usage;
        }
    };
    runtime::with_context(|ctx| async move {
        let events = match ctx.store.audit(since, u32::MAX).await {
            Ok(events) => events,
            Err(error) => return fail(&error.into()),
        };
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        for event in &events {
            let line = match serde_json::to_string(event) {
                Ok(line) => line,
                Err(error) => {
                    eprintln!("gatehouse: {error}");
                    return Exit::Failure;
                }
            };
            if writeln!(out, "{line}").is_err() {
                return Exit::Failure;
            }
        }
        if out.flush().is_err() {
            Exit::Failure
        } else {
            Exit::Ok
        }
    })
}
