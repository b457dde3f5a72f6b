//! The activity view: the audit log, newest first, filtered by server, kind and time, each
//! event with one sentence a person can read; and its export as JSON Lines (the same lines
//! `gatehouse audit export` prints and the hub receives).

use std::io::Write as _;
use std::path::{Path, PathBuf};

use gatehouse_policy::Verdict;
use gatehouse_store::{AuditEvent, AuditKind};
use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::context::Context;
use crate::error::{Error, Result};
use crate::ports::Clock;

/// Which events to show. Empty fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActivityFilter {
    /// A server id or policy name.
    pub server: Option<String>,
    pub kind: Option<AuditKind>,
    pub since: Option<OffsetDateTime>,
}

impl ActivityFilter {
    fn keeps(&self, event: &AuditEvent) -> bool {
        let kind = self.kind.is_none_or(|kind| kind == event.kind);
        let server = self.server.as_deref().is_none_or(|wanted| {
            event.server.as_deref() == Some(wanted)
                || event
                    .detail
                    .as_ref()
                    .and_then(|detail| detail.get("id"))
                    .and_then(|id| id.as_str())
                    == Some(wanted)
        });
        kind && server
    }
}

/// One row of the activity view.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ActivityRow {
    pub id: String,
    /// RFC 3339, UTC.
    pub time: String,
    pub kind: AuditKind,
    pub server: Option<String>,
    pub version: Option<String>,
    pub verdict: Option<Verdict>,
    pub codes: Vec<String>,
    /// What happened, in one sentence.
    pub summary: String,
}

/// Events matching `filter`, newest first, at most `limit`.
pub async fn activity<C: Clock>(
    ctx: &Context<C>,
    filter: &ActivityFilter,
    limit: usize,
) -> Result<Vec<ActivityRow>> {
    let events = ctx.store.audit(filter.since, u32::MAX).await?;
    Ok(events
        .iter()
        .rev()
        .filter(|event| filter.keeps(event))
        .take(limit)
        .map(row)
        .collect())
}

/// Whether the person chose "Don't run" for server `id` at or after `since`: how "Check now"
/// tells a refusal that was the person's own choice from one by policy, from the audit log
/// rather than from the launcher's words.
pub async fn declined_since<C: Clock>(
    ctx: &Context<C>,
    id: &str,
    since: OffsetDateTime,
) -> Result<bool> {
    let filter = ActivityFilter {
        server: Some(id.to_owned()),
        kind: Some(AuditKind::ConfirmDeclined),
        since: Some(since),
    };
    Ok(!activity(ctx, &filter, 1).await?.is_empty())
}

/// Writes the events matching `filter`, oldest first, as JSON Lines to a new file in `dir`
/// (the person's Downloads folder). The file appears whole or not at all. Returns its path
/// and how many events it holds.
pub async fn export_activity<C: Clock>(
    ctx: &Context<C>,
    filter: &ActivityFilter,
    dir: &Path,
) -> Result<(PathBuf, usize)> {
    let events = ctx.store.audit(filter.since, u32::MAX).await?;
    let kept: Vec<&AuditEvent> = events.iter().filter(|e| filter.keeps(e)).collect();
    let stamp = ctx
        .clock
        .now()
        .format(time::macros::format_description!(
            "[year][month][day]-[hour][minute][second]"
        ))
        .unwrap_or_default();
    let path = dir.join(format!("gatehouse-activity-{stamp}.jsonl"));
    let io = |source| Error::Io {
        path: path.clone(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let temp = dir.join(format!(".gatehouse-activity-{stamp}.jsonl.part"));
    let written = (|| -> std::io::Result<()> {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&temp)?);
        for event in &kept {
            serde_json::to_writer(&mut out, event)?;
            out.write_all(b"\n")?;
        }
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        std::fs::rename(&temp, &path)
    })();
    if let Err(error) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(io(error));
    }
    Ok((path, kept.len()))
}

/// Where exports go: `~/Downloads` when it exists, else the home folder.
pub fn export_dir(home: Option<&Path>, data_dir: &Path) -> PathBuf {
    match home {
        Some(home) if home.join("Downloads").is_dir() => home.join("Downloads"),
        Some(home) => home.to_owned(),
        None => data_dir.join("exports"),
    }
}

fn row(event: &AuditEvent) -> ActivityRow {
    ActivityRow {
        id: event.id.to_string(),
        time: event.time.format(&Rfc3339).unwrap_or_default(),
        kind: event.kind,
        server: event.server.clone(),
        version: event.version.clone(),
        // Stored as the verdict's name; anything else was never written by Gatehouse.
        verdict: event.verdict.as_deref().and_then(|name| {
            [Verdict::Allow, Verdict::Warn, Verdict::Block]
                .into_iter()
                .find(|v| v.name() == name)
        }),
        codes: event.codes.clone(),
        summary: summary(event),
    }
}

/// What a kind of event is called where a person picks which ones to see.
pub fn kind_label(kind: AuditKind) -> &'static str {
    match kind {
        AuditKind::LaunchAllowed => "Started",
        AuditKind::LaunchWarnedConfirmed => "Started after you confirmed",
        AuditKind::LaunchTrusted => "Started with warnings",
        AuditKind::LaunchBlocked => "Blocked",
        AuditKind::LaunchForced => "Started anyway (--force)",
        AuditKind::LaunchEnded => "Stopped",
        AuditKind::ConfirmDeclined => "You chose not to run",
        AuditKind::ConfirmUnavailable => "Nobody could be asked",
        AuditKind::PolicySynced => "New policy",
        AuditKind::PolicyRejected => "Policy refused",
        AuditKind::ServerInstalled => "Added",
        AuditKind::ServerRemoved => "Removed",
        AuditKind::ServerDropped => "Fell below policy",
        AuditKind::ClientConfigChanged => "App settings changed",
        AuditKind::ToolsChanged => "Tools changed",
        AuditKind::ArtifactModified => "Installed files changed",
        AuditKind::SettingsChanged => "Hub settings changed",
        AuditKind::UnroutedServerFound => "Servers outside Gatehouse",
        AuditKind::ExtensionDisabled => "Extension turned off",
        AuditKind::ExtensionEnabled => "Extension turned back on",
        AuditKind::ToolsRepinned => "Tool approvals carried over",
        AuditKind::WarningNotShown => "Warning not shown in the app",
        AuditKind::UpdateInstalled => "Gatehouse updated",
        AuditKind::UpdateRefused => "Update refused",
        AuditKind::ApprovalRevoked => "Approval taken back",
    }
}

/// One sentence per event kind.
pub fn summary(event: &AuditEvent) -> String {
    let server = event.server.as_deref().unwrap_or("a server");
    match event.kind {
        AuditKind::LaunchAllowed => format!("{server} was started: policy allows it."),
        AuditKind::LaunchWarnedConfirmed => {
            match event
                .detail
                .as_ref()
                .and_then(|detail| detail["answer"].as_str())
            {
                Some("always") => {
                    format!("{server} was started: you chose to always run this version.")
                }
                Some("remembered") => format!(
                    "{server} was started without asking: you had chosen to always run this version."
                ),
                _ => format!("{server} was started after you confirmed it, this time only."),
            }
        }
        AuditKind::LaunchTrusted => {
            format!("{server} was started with its warnings passed to the client app.")
        }
        AuditKind::LaunchBlocked => format!("{server} was blocked by policy."),
        AuditKind::LaunchForced => format!("{server} was started anyway (--force)."),
        AuditKind::LaunchEnded => format!("{server} stopped."),
        AuditKind::ConfirmDeclined => format!("You chose not to run {server}."),
        AuditKind::ConfirmUnavailable => {
            format!("{server} needed a confirmation, but nobody could be asked.")
        }
        AuditKind::PolicySynced => "A new policy from your organization is in force.".to_owned(),
        AuditKind::PolicyRejected => {
            "A policy from the hub was refused; the previous one stays in force.".to_owned()
        }
        AuditKind::ServerInstalled => format!("{server} was added."),
        AuditKind::ServerRemoved => format!("{server} was removed."),
        AuditKind::ServerDropped => format!("{server} no longer meets the policy."),
        AuditKind::ClientConfigChanged => "A client app's server list changed.".to_owned(),
        AuditKind::ToolsChanged => format!("{server} changed its tools since they were approved."),
        AuditKind::ArtifactModified => {
            format!(
                "{server}'s installed files were changed after it was installed; it no longer runs."
            )
        }
        AuditKind::SettingsChanged => {
            let key = event
                .detail
                .as_ref()
                .and_then(|detail| detail["key"].as_str())
                .unwrap_or("a hub setting");
            format!("The setting {key} was changed.")
        }
        AuditKind::UnroutedServerFound => {
            let entry = event
                .detail
                .as_ref()
                .and_then(|detail| detail["entry"].as_str())
                .unwrap_or(server);
            format!("{entry} runs outside Gatehouse.")
        }
        AuditKind::ExtensionDisabled => format!(
            "Gatehouse turned off the extension {server}, because your organization's policy blocks it."
        ),
        AuditKind::ExtensionEnabled => {
            format!("Gatehouse turned the extension {server} back on: policy allows it again.")
        }
        AuditKind::ToolsRepinned => format!(
            "The approved tools of {server} were carried over to this version of Gatehouse; they had not changed."
        ),
        AuditKind::WarningNotShown => format!(
            "{server} ran with your organization's warnings, but the app that started it had no place to show them."
        ),
        AuditKind::UpdateInstalled => {
            let to = event.version.as_deref().unwrap_or("a new version");
            format!("Gatehouse {to} was installed.")
        }
        AuditKind::UpdateRefused => {
            let to = event.version.as_deref().unwrap_or("A new version");
            format!("Gatehouse {to} was offered but not installed; nothing changed.")
        }
        AuditKind::ApprovalRevoked => format!(
            "You took back \"Always for this version\" for {server}: it asks again next time."
        ),
    }
}
