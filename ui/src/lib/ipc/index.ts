// The only module that talks to the Rust side. Every command has a typed wrapper here, and
// every failure arrives as an IpcError whose `code` the UI branches on.
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { ActivityQuery } from "./bindings/ActivityQuery";
import type { ActivityRow } from "./bindings/ActivityRow";
import type { AppInfo } from "./bindings/AppInfo";
import type { CatalogEntryView } from "./bindings/CatalogEntryView";
import type { CatalogSearch } from "./bindings/CatalogSearch";
import type { ClientAppChoice } from "./bindings/ClientAppChoice";
import type { ClientFileView } from "./bindings/ClientFileView";
import type { ClampLine } from "./bindings/ClampLine";
import type { ConfirmAnswer } from "./bindings/ConfirmAnswer";
import type { ConfirmView } from "./bindings/ConfirmView";
import type { EntryView } from "./bindings/EntryView";
import type { EntryVerdict } from "./bindings/EntryVerdict";
import type { EntryViolation } from "./bindings/EntryViolation";
import type { EnrollOfferView } from "./bindings/EnrollOfferView";
import type { EnrollSignIn } from "./bindings/EnrollSignIn";
import type { ErrorCode } from "./bindings/ErrorCode";
import type { ExportDone } from "./bindings/ExportDone";
import type { FileOutcome } from "./bindings/FileOutcome";
import type { InstallDone } from "./bindings/InstallDone";
import type { InstallProgress } from "./bindings/InstallProgress";
import type { InstallStep } from "./bindings/InstallStep";
import type { IpcError } from "./bindings/IpcError";
import type { PolicyPreview } from "./bindings/PolicyPreview";
import type { PolicyView } from "./bindings/PolicyView";
import type { PreviewState } from "./bindings/PreviewState";
import type { ProbeOutcome } from "./bindings/ProbeOutcome";
import type { ReasonView } from "./bindings/ReasonView";
import type { RuleLine } from "./bindings/RuleLine";
import type { ServerView } from "./bindings/ServerView";
import type { SettingKey } from "./bindings/SettingKey";
import type { SettingsView } from "./bindings/SettingsView";
import type { SnapshotView } from "./bindings/SnapshotView";
import type { Status } from "./bindings/Status";
import type { SyncDone } from "./bindings/SyncDone";
import type { VerdictChange } from "./bindings/VerdictChange";
import type { AuditKind } from "./bindings/AuditKind";
import type { CatalogSource } from "./bindings/CatalogSource";
import type { ClientApp } from "./bindings/ClientApp";
import type { Code } from "./bindings/Code";
import type { EntryKind } from "./bindings/EntryKind";
import type { EntryProblem } from "./bindings/EntryProblem";
import type { Layer } from "./bindings/Layer";
import type { Origin } from "./bindings/Origin";
import type { ExtensionView } from "./bindings/ExtensionView";
import type { ProjectFolder } from "./bindings/ProjectFolder";
import type { ProjectSource } from "./bindings/ProjectSource";
import type { PublicationStatus } from "./bindings/PublicationStatus";
import type { ServerSource } from "./bindings/ServerSource";
import type { Severity } from "./bindings/Severity";
import type { Standing } from "./bindings/Standing";
import type { Verdict } from "./bindings/Verdict";

export type {
  EnrollOfferView,
  EnrollSignIn,
  AuditKind,
  CatalogSource,
  ClientApp,
  Code,
  EntryKind,
  EntryProblem,
  Layer,
  Origin,
  ExtensionView,
  ProjectFolder,
  ProjectSource,
  PublicationStatus,
  ServerSource,
  Severity,
  Standing,
  Verdict,
  ActivityQuery,
  ActivityRow,
  AppInfo,
  CatalogEntryView,
  CatalogSearch,
  ClampLine,
  ClientAppChoice,
  ClientFileView,
  ConfirmAnswer,
  ConfirmView,
  EntryView,
  EntryVerdict,
  EntryViolation,
  ErrorCode,
  ExportDone,
  FileOutcome,
  InstallDone,
  InstallProgress,
  InstallStep,
  IpcError,
  PolicyPreview,
  PolicyView,
  PreviewState,
  ProbeOutcome,
  ReasonView,
  RuleLine,
  ServerView,
  SettingKey,
  SettingsView,
  SnapshotView,
  Status,
  SyncDone,
  VerdictChange,
};

export { ACTIVITY_KINDS, CLIENT_LABELS, INSTALL_STEPS, LEVEL_NAMES } from "./bindings/tables";

function isIpcError(value: unknown): value is IpcError {
  return (
    typeof value === "object" &&
    value !== null &&
    "code" in value &&
    "message" in value &&
    typeof (value as { message: unknown }).message === "string"
  );
}

/** Calls a command and normalises every failure into an IpcError. */
async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    if (isIpcError(error)) throw error;
    // Not one of ours: the IPC layer itself failed (denied, not registered). Keep the text
    // for a person, but give the UI a code it can branch on.
    throw { code: "ipc", message: String(error) } satisfies UiError;
  }
}

/** An IpcError from a command, or a failure of the IPC layer itself. */
export type UiError = IpcError | { code: "ipc"; message: string };

/** Turns whatever was thrown into a UiError. */
export function asUiError(error: unknown): UiError {
  if (isIpcError(error)) return error;
  return { code: "ipc", message: String(error) };
}

export const ipc = {
  appInfo: () => call<AppInfo>("app_info"),
  listServers: () => call<ServerView[]>("list_servers"),
  checkServer: (id: string) => call<ProbeOutcome>("check_server", { id }),
  removeServer: (id: string) => call<boolean>("remove_server", { id }),
  revokeApprovals: (id: string) => call<number>("revoke_approvals", { id }),
  useVerifiedCopy: (id: string) => call<string>("use_verified_copy", { id }),
  searchCatalog: (query: string) => call<CatalogSearch>("search_catalog", { query }),
  clientAppChoices: () => call<ClientAppChoice[]>("client_app_choices"),
  installServer: (pkg: string, clients: string[]) =>
    call<InstallDone>("install_server", { package: pkg, clients }),
  listClients: () => call<ClientFileView[]>("list_clients"),
  routeEntry: (client: string, path: string, entryPath: string[]) =>
    call<FileOutcome>("route_entry", { client, path, entryPath }),
  wireClientApp: (client: string, project: string | null = null) =>
    call<FileOutcome[]>("wire_client_app", { client, project }),
  unwireClientApp: (client: string, project: string | null = null) =>
    call<FileOutcome[]>("unwire_client_app", { client, project }),
  listProjectFolders: () => call<ProjectFolder[]>("list_project_folders"),
  addProjectFolder: (path: string) => call<void>("add_project_folder", { path }),
  removeProjectFolder: (path: string) => call<void>("remove_project_folder", { path }),
  policyView: () => call<PolicyView>("policy_view"),
  previewPolicy: () => call<PolicyPreview>("preview_policy"),
  activity: (query: ActivityQuery) => call<ActivityRow[]>("activity", { query }),
  exportActivity: (query: ActivityQuery) => call<ExportDone>("export_activity", { query }),
  status: () => call<Status>("status"),
  syncNow: () => call<SyncDone>("sync_now"),
  settings: () => call<SettingsView>("settings"),
  setSetting: (key: SettingKey, value: string) => call<void>("set_setting", { key, value }),
  signIn: (token: string) => call<void>("sign_in", { token }),
  signOut: () => call<void>("sign_out"),
  setStartAtLogin: (enabled: boolean) => call<void>("set_start_at_login", { enabled }),
  pendingEnrollment: () => call<string | null>("pending_enrollment"),
  enrollOffer: (link: string) => call<EnrollOfferView>("enroll_offer", { link }),
  enrollJoin: (link: string, signIn: EnrollSignIn) =>
    call<SyncDone>("enroll_join", { link, signIn }),
  confirmRequest: (num: number) => call<ConfirmView>("confirm_request", { number: num }),
  confirmAnswer: (num: number, answer: ConfirmAnswer) =>
    call<void>("confirm_answer", { number: num, answer }),
};

/** The app's events: something shown may have changed; show this server. */
export const events = {
  onChanged: (handler: () => void): Promise<UnlistenFn> =>
    listen("gatehouse://changed", () => handler()),
  onOpenServer: (handler: (id: string) => void): Promise<UnlistenFn> =>
    listen<string>("gatehouse://open-server", (event) => handler(event.payload)),
  onEnrollLink: (handler: () => void): Promise<UnlistenFn> =>
    listen("gatehouse://enroll", () => handler()),
  onInstallProgress: (handler: (progress: InstallProgress) => void): Promise<UnlistenFn> =>
    listen<InstallProgress>("gatehouse://install-progress", (event) => handler(event.payload)),
};
