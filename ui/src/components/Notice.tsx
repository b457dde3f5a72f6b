import type { ErrorCode, UiError } from "../lib/ipc";

/**
 * What a person can do about each kind of failure. Every code the Rust side can send has an
 * entry (TypeScript checks that), so a new kind of failure is a decision here, not a guess.
 */
const HINTS: Record<ErrorCode | "ipc", string | null> = {
  data_dir: "Gatehouse cannot find its data folder; ask your admin for help.",
  local_policy: "Nothing runs until the policy file is fixed; it is named above.",
  managed_settings: "Your organization's settings file on this computer cannot be used; tell your admin.",
  no_policy: "Nothing runs until a policy from your organization arrives; check the connection in Settings.",
  no_key_pinned: "Join your organization again from the link your admin sent, so Gatehouse knows its signing key.",
  bundle_forged:
    "The policy that arrived is not signed by your organization. Gatehouse keeps the last valid policy; tell your admin.",
  bundle_unknown_key:
    "The policy that arrived is signed with a key this computer does not know. Gatehouse keeps the last valid policy; tell your admin.",
  bundle_rollback:
    "The policy that arrived is older than the one in force. Gatehouse keeps the newer one; tell your admin.",
  bundle_other_org:
    "The policy that arrived is for another organization. Gatehouse keeps the last valid policy; check the organization in Settings.",
  bundle_invalid:
    "The policy that arrived is not valid. Gatehouse keeps the last valid policy; tell your admin.",
  locked: "Your organization manages this setting.",
  invalid_input: null,
  not_found: null,
  conflict: null,
  storage: "Gatehouse could not read or write its own files; try again, or restart Gatehouse.",
  keyring: "Your computer's password store did not answer; unlock it and try again.",
  launch: "The server could not be started.",
  check: null,
  hub_not_configured: "Set up the connection to your organization in Settings.",
  hub_unreachable: "Gatehouse keeps enforcing the policy it has; it will try again.",
  registry_unreachable: "The package's registry could not be reached or did not have the certified file; nothing was installed. Try again later.",
  hub_refused: "Gatehouse keeps enforcing the policy it has; if this goes on, tell your admin.",
  sign_in: "Sign in again in Settings.",
  tampered:
    "The download did not match what your organization's registry published, so nothing was installed. Tell your admin.",
  bad_package: "This package cannot be installed as published; nothing was installed. Tell your admin.",
  unsupported_platform: "This package has nothing that runs on this kind of computer.",
  client_apps: "The app's settings file was left exactly as it was.",
  declined: null,
  enroll_key:
    "Do not join with this link: the hub did not show the key your admin vouched for. Tell your admin before trying again.",
  ipc: null,
};

/** What a person can do about `error`, in plain words, when that is known. */
export function hintFor(error: UiError): string | null {
  return HINTS[error.code];
}

/**
 * A failed load or action, in words, with what to do when we know it. The underlying
 * message (an address, an OS error) is kept under "Technical details" for whoever helps.
 */
export function ErrorNotice({ error, doing }: { error: UiError; doing: string }) {
  if (error.code === "declined") {
    // The person's own "Don't run": their answer, not a failure.
    return (
      <div className="notice notice-neutral" role="status">
        {error.message}
      </div>
    );
  }
  const hint = hintFor(error);
  return (
    <div className="notice notice-error" role="alert">
      <strong>Could not {doing}.</strong> {hint ?? error.message}
      {hint && (
        <details className="technical">
          <summary>Technical details</summary>
          <span className="technical-text">{error.message}</span>
        </details>
      )}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <div className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> Loading {what}…
    </div>
  );
}
