// The only module that talks to the Rust side. Every command has a typed wrapper here, and
// every failure arrives as an IpcError whose `code` the UI branches on.
import { invoke } from "@tauri-apps/api/core";
import type { AppInfo } from "./bindings/AppInfo";
import type { ErrorCode } from "./bindings/ErrorCode";
import type { IpcError } from "./bindings/IpcError";

export type { AppInfo, ErrorCode, IpcError };

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

export const ipc = {
  appInfo: () => call<AppInfo>("app_info"),
};
