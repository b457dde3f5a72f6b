// Generated from the Rust tables by the bindings test (`make bindings`). Do not edit.
import type { AuditKind } from "./AuditKind";
import type { ClientApp } from "./ClientApp";
import type { InstallStep } from "./InstallStep";

/** The certification levels' names, by level (POLICY.md section 6). */
export const LEVEL_NAMES: readonly string[] = ["Integrity Verified", "Static Verified", "Security Certified", "Runtime Certified"];

/** Each client app's own name, for people. */
export const CLIENT_LABELS: Record<ClientApp, string> = {
  "claude-desktop": "Claude Desktop",
  "claude-code": "Claude Code",
  "cursor": "Cursor",
  "vscode": "VS Code",
  "windsurf": "Windsurf",
  "zed": "Zed",
  "cline": "Cline",
};

/** What each kind of activity is called where a person picks which to see. */
export const ACTIVITY_KINDS: Record<AuditKind, string> = {
  launch_allowed: "Started",
  launch_warned_confirmed: "Started after you confirmed",
  launch_trusted: "Started with warnings",
  launch_blocked: "Blocked",
  launch_forced: "Started anyway (--force)",
  launch_ended: "Stopped",
  confirm_declined: "You chose not to run",
  confirm_unavailable: "Nobody could be asked",
  policy_synced: "New policy",
  policy_rejected: "Policy refused",
  server_installed: "Added",
  server_removed: "Removed",
  server_dropped: "Fell below policy",
  client_config_changed: "App settings changed",
  tools_changed: "Tools changed",
  artifact_modified: "Installed files changed",
  settings_changed: "Hub settings changed",
  unrouted_server_found: "Servers outside Gatehouse",
  extension_disabled: "Extension turned off",
  extension_enabled: "Extension turned back on",
  tools_repinned: "Tool approvals carried over",
  warning_not_shown: "Warning not shown in the app",
  update_installed: "Gatehouse updated",
  update_refused: "Update refused",
  approval_revoked: "Approval taken back",
};

/** The steps of an install, in the order it goes through them. */
export const INSTALL_STEPS: readonly InstallStep["step"][] = ["resolving", "checking_policy", "fetching_manifest", "downloading", "unpacking", "registering", "adding_to_apps"];
