import { useEffect, useState } from "react";
import { VerdictBadge } from "../components/Badges";
import { Icon } from "../components/Icon";
import { ErrorNotice, Loading } from "../components/Notice";
import { asUiError, events, ipc, type PolicyPreview, type UiError, type VerdictChange } from "../lib/ipc";

type Check =
  | { state: "idle" }
  | { state: "loading" }
  | { state: "ready"; preview: PolicyPreview }
  | { state: "failed"; error: UiError };

type Apply = { busy?: boolean; message?: string; error?: UiError };

/**
 * "Changes waiting on the hub": asks the hub for its current policy and shows, without
 * applying anything, the servers whose verdict it would change. "Apply now" is Sync now.
 */
export function HubChanges() {
  const [check, setCheck] = useState<Check>({ state: "idle" });
  const [apply, setApply] = useState<Apply>({});

  // A preview goes stale once another policy is in force (a sync from the header, the tray
  // or the background): it is dropped then, rather than offering an older policy.
  const shownFor = check.state === "ready" ? check.preview.current_serial : undefined;
  useEffect(() => {
    if (shownFor === undefined) return;
    let unlisten: (() => void) | undefined;
    let gone = false;
    events
      .onChanged(() => {
        void ipc
          .status()
          .then((status) => {
            // Against the preview shown now, which "Apply now" may have just replaced.
            if (gone) return;
            setCheck((shown) =>
              shown.state === "ready" && shown.preview.current_serial !== status.serial ? { state: "idle" } : shown,
            );
          })
          .catch(() => undefined);
      })
      .then((stop) => (gone ? stop() : (unlisten = stop)))
      .catch(() => undefined);
    return () => {
      gone = true;
      unlisten?.();
    };
  }, [shownFor]);

  async function checkHub() {
    setCheck({ state: "loading" });
    try {
      setCheck({ state: "ready", preview: await ipc.previewPolicy() });
    } catch (error) {
      setCheck({ state: "failed", error: asUiError(error) });
    }
  }

  async function applyNow() {
    setApply({ busy: true });
    try {
      const done = await ipc.syncNow();
      setApply({ message: done.message });
      // What was waiting is now in force: ask again, so the section says so.
      await checkHub();
    } catch (error) {
      setApply({ error: asUiError(error) });
    }
  }

  const busy = check.state === "loading" || apply.busy === true;
  return (
    <section className="card hub-changes" id="policy-changes" aria-labelledby="hub-changes-title">
      <div className="card-head">
        <h3 id="hub-changes-title">Changes waiting on the hub</h3>
        <button type="button" id="policy-preview" className="secondary" onClick={checkHub} disabled={busy}>
          <Icon name="sync" /> {check.state === "loading" ? "Checking…" : "Check the hub for changes"}
        </button>
      </div>
      {check.state === "idle" && (
        <p className="muted">See which servers the hub's newest policy would allow or block here, before it is applied.</p>
      )}
      {check.state === "loading" && <Loading what="the hub's policy" />}
      {check.state === "failed" && <ErrorNotice error={check.error} doing="check the hub for changes" />}
      {check.state === "ready" && <Outcome preview={check.preview} onApply={applyNow} applying={busy} />}
      {apply.message && (
        <div className="notice notice-ok" id="policy-apply-result" role="status">
          {apply.message}
        </div>
      )}
      {apply.error && <ErrorNotice error={apply.error} doing="apply the hub's policy" />}
    </section>
  );
}

function Outcome({ preview, onApply, applying }: { preview: PolicyPreview; onApply: () => void; applying: boolean }) {
  switch (preview.state) {
    case "up_to_date":
      return (
        <p className="preview-lead" id="policy-preview-result">
          <Icon name="check" /> Your policy is up to date.
        </p>
      );
    case "refused":
      // A sync would refuse it too; the policy in force stays.
      return (
        <div id="policy-preview-result">
          <ErrorNotice
            error={{
              code: preview.refused_code ?? "bundle_invalid",
              message: preview.refused_reason ?? "The hub's policy did not pass its checks.",
            }}
            doing="use the hub's policy"
          />
        </div>
      );
    case "newer":
      return (
        <div id="policy-preview-result">
          <p className="preview-lead">If the hub's newer policy (version {preview.hub_serial}) were applied:</p>
          {preview.changes.length === 0 ? (
            <p>No server's verdict would change.</p>
          ) : (
            <ul className="change-list">
              {preview.changes.map((change) => (
                <ChangeRow key={change.id} change={change} />
              ))}
            </ul>
          )}
          {preview.changes.length > 0 && (
            <p className="muted">
              {preview.unchanged === 1
                ? "1 other server keeps its verdict."
                : `${preview.unchanged} other servers keep their verdict.`}
            </p>
          )}
          <div className="actions">
            <button type="button" id="policy-apply" onClick={onApply} disabled={applying}>
              <Icon name="sync" /> {applying ? "Applying…" : "Apply now"}
            </button>
          </div>
        </div>
      );
  }
}

function ChangeRow({ change }: { change: VerdictChange }) {
  return (
    <li className={`change verdict-${change.verdict_after}`} data-server-id={change.id}>
      <div className="change-head">
        <div className="server-title">
          <h4>{change.name}</h4>
          <span className="server-sub">
            {change.name !== change.id && <>{change.id} · </>}
            {change.version ? `version ${change.version}` : "version not pinned"}
          </span>
        </div>
        <div className="change-verdicts">
          <span className="verdict-now">
            <VerdictBadge verdict={change.verdict_now} />
          </span>
          <span className="change-arrow" aria-hidden="true">→</span>
          <span className="sr-only">would become</span>
          <span className="verdict-after">
            <VerdictBadge verdict={change.verdict_after} />
          </span>
        </div>
      </div>
      {change.reasons.length > 0 && (
        <ul className="change-reasons">
          {change.reasons.map((reason, index) => (
            <li key={index} className={`reason reason-${change.verdict_after === "block" ? "block" : "warn"}`}>
              <Icon name={change.verdict_after === "block" ? "cross" : "question"} />
              <span>{reason}</span>
            </li>
          ))}
        </ul>
      )}
    </li>
  );
}
