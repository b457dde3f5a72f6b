//! The audit event of HUB_API.md B2: what the log stores, what `audit export` writes as JSON
//! Lines and what the outbox POSTs to the hub. One shape for all three.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// What happened. Exactly the kinds of HUB_API.md B2; serialised in snake_case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum AuditKind {
    LaunchAllowed,
    LaunchWarnedConfirmed,
    LaunchTrusted,
    LaunchBlocked,
    LaunchForced,
    /// `detail` carries the exit code and the duration.
    LaunchEnded,
    ConfirmDeclined,
    ConfirmUnavailable,
    PolicySynced,
    PolicyRejected,
    ServerInstalled,
    ServerRemoved,
    ServerDropped,
    ClientConfigChanged,
    ToolsChanged,
    /// A verified server's installed files no longer match their record.
    ArtifactModified,
    /// A hub setting changed (detail: key, old and new value; never a secret).
    SettingsChanged,
    /// A client app entry that does not run through Gatehouse, or a remote one.
    UnroutedServerFound,
    /// A client app extension (Claude Desktop's) switched off because policy blocks it.
    ExtensionDisabled,
    /// An extension Gatehouse had switched off, switched on again once policy allows it.
    ExtensionEnabled,
    /// Tool pins of an older form carried over, unchanged, to the current one (detail: the
    /// tools).
    ToolsRepinned,
    /// A `--trust` session's policy warnings found no place the client's protocol era
    /// allows (no `initialize` or `server/discover`, no request asking for log messages).
    WarningNotShown,
    /// A new version of Gatehouse from the update feed, its signature checked, installed
    /// (detail: from and to version).
    UpdateInstalled,
    /// A new version from the update feed refused: its signature did not verify, or it
    /// could not be installed (detail: version and why). Nothing was changed.
    UpdateRefused,
    /// The person took back their "Always for this version" answers for a server (detail:
    /// how many): it asks again at its next start.
    ApprovalRevoked,
}

impl AuditKind {
    /// Every kind, in the order of HUB_API.md B2.
    pub const ALL: [AuditKind; 25] = [
        AuditKind::LaunchAllowed,
        AuditKind::LaunchWarnedConfirmed,
        AuditKind::LaunchTrusted,
        AuditKind::LaunchBlocked,
        AuditKind::LaunchForced,
        AuditKind::LaunchEnded,
        AuditKind::ConfirmDeclined,
        AuditKind::ConfirmUnavailable,
        AuditKind::PolicySynced,
        AuditKind::PolicyRejected,
        AuditKind::ServerInstalled,
        AuditKind::ServerRemoved,
        AuditKind::ServerDropped,
        AuditKind::ClientConfigChanged,
        AuditKind::ToolsChanged,
        AuditKind::ArtifactModified,
        AuditKind::SettingsChanged,
        AuditKind::UnroutedServerFound,
        AuditKind::ExtensionDisabled,
        AuditKind::ExtensionEnabled,
        AuditKind::ToolsRepinned,
        AuditKind::WarningNotShown,
        AuditKind::UpdateInstalled,
        AuditKind::UpdateRefused,
        AuditKind::ApprovalRevoked,
    ];

    /// The wire name, as serde writes it (and as the database stores it).
    pub fn as_str(self) -> &'static str {
        match self {
            AuditKind::LaunchAllowed => "launch_allowed",
            AuditKind::LaunchWarnedConfirmed => "launch_warned_confirmed",
            AuditKind::LaunchTrusted => "launch_trusted",
            AuditKind::LaunchBlocked => "launch_blocked",
            AuditKind::LaunchForced => "launch_forced",
            AuditKind::LaunchEnded => "launch_ended",
            AuditKind::ConfirmDeclined => "confirm_declined",
            AuditKind::ConfirmUnavailable => "confirm_unavailable",
            AuditKind::PolicySynced => "policy_synced",
            AuditKind::PolicyRejected => "policy_rejected",
            AuditKind::ServerInstalled => "server_installed",
            AuditKind::ServerRemoved => "server_removed",
            AuditKind::ServerDropped => "server_dropped",
            AuditKind::ClientConfigChanged => "client_config_changed",
            AuditKind::ToolsChanged => "tools_changed",
            AuditKind::ArtifactModified => "artifact_modified",
            AuditKind::SettingsChanged => "settings_changed",
            AuditKind::UnroutedServerFound => "unrouted_server_found",
            AuditKind::ExtensionDisabled => "extension_disabled",
            AuditKind::ExtensionEnabled => "extension_enabled",
            AuditKind::ToolsRepinned => "tools_repinned",
            AuditKind::WarningNotShown => "warning_not_shown",
            AuditKind::UpdateInstalled => "update_installed",
            AuditKind::UpdateRefused => "update_refused",
            AuditKind::ApprovalRevoked => "approval_revoked",
        }
    }

    /// The kind with wire name `name`, if there is one.
    pub fn from_name(name: &str) -> Option<AuditKind> {
        AuditKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == name)
    }
}

impl std::fmt::Display for AuditKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One audit event, with exactly the field names of HUB_API.md B2. Every field is always
/// written (absent values as `null`, `codes` as an array), so the JSON shape never varies.
///
/// Never put tool arguments, environment values or secrets here: the log leaves the machine.
/// `detail` and `overrides` are for facts such as exit codes, durations, tool names, hashes
/// and the override flags used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// Made by the client, so re-sending to the hub is safe.
    pub id: Uuid,
    /// RFC 3339 in UTC on the wire, whatever offset the value has.
    #[serde(with = "crate::time_text::rfc3339_utc")]
    pub time: OffsetDateTime,
    pub device: String,
    /// The OS user name.
    pub user: String,
    pub kind: AuditKind,
    #[serde(default)]
    pub server: Option<String>,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub digest: Option<String>,
    #[serde(default)]
    pub verdict: Option<String>,
    /// Violation codes of the decision (POLICY.md), empty when there are none.
    #[serde(default)]
    pub codes: Vec<String>,
    #[serde(default)]
    pub overrides: Option<serde_json::Value>,
    #[serde(default)]
    pub detail: Option<serde_json::Value>,
    /// The device's host name, so an admin can tell devices apart.
    #[serde(default)]
    pub hostname: Option<String>,
    /// The Gatehouse version that made the event.
    #[serde(default)]
    pub app_version: Option<String>,
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use time::macros::datetime;

    use super::*;

    #[test]
    fn wire_names_are_serde_names_and_parse_back() {
        for kind in AuditKind::ALL {
            let json = serde_json::to_value(kind).unwrap();
            assert_eq!(json, serde_json::json!(kind.as_str()), "{kind:?}");
            assert_eq!(AuditKind::from_name(kind.as_str()), Some(kind));
        }
        let distinct: BTreeSet<&str> = AuditKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(
            distinct.len(),
            AuditKind::ALL.len(),
            "every kind of HUB_API.md B2 has its own name"
        );
        assert_eq!(AuditKind::from_name("launch_maybe"), None);
    }

    #[test]
    fn time_is_written_in_utc_whatever_the_offset() {
        let event = AuditEvent {
            id: Uuid::nil(),
            time: datetime!(2026-11-20 12:00:00 +02:00),
            device: "d".into(),
            user: "u".into(),
            kind: AuditKind::LaunchEnded,
            server: None,
            version: None,
            digest: None,
            verdict: None,
            codes: vec![],
            overrides: None,
            detail: Some(serde_json::json!({"exit_code": 0, "duration_ms": 12})),
            hostname: Some("ana-laptop".into()),
            app_version: Some("1.0.0".into()),
        };
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(json["time"], "2026-11-20T10:00:00Z");
        let back: AuditEvent = serde_json::from_value(json).unwrap();
        assert_eq!(back, event, "the JSON form round-trips");
    }
}
