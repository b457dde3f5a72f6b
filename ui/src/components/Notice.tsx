import type { UiError } from "../lib/ipc";

/** A failed load or action, in words, with what to do when we know it. */
export function ErrorNotice({ error, doing }: { error: UiError; doing: string }) {
  const hint: Partial<Record<string, string>> = {
    policy: "Gatehouse keeps enforcing the last valid policy; open Settings to check the hub.",
    sign_in: "Sign in again in Settings.",
    hub: "Gatehouse keeps enforcing the policy it has; it will try again.",
    locked: "Your organization manages this setting.",
  };
  return (
    <div className="notice notice-error" role="alert">
      <strong>Could not {doing}.</strong> {error.message}
      {hint[error.code] && <div className="hint">{hint[error.code]}</div>}
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
