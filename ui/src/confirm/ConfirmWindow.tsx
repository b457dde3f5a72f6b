import { useEffect, useRef, useState } from "react";
import { Icon } from "../components/Icon";
import { ErrorNotice, Loading } from "../components/Notice";
import { asUiError, ipc, type ConfirmAnswer, type ConfirmView, type UiError } from "../lib/ipc";

/** The window a warn verdict raises: what is wrong, and Run once / Always / Don't run. */
export function ConfirmWindow({ number }: { number: number }) {
  const [view, setView] = useState<ConfirmView | null>(null);
  const [error, setError] = useState<UiError | null>(null);
  const [left, setLeft] = useState(0);
  const [sending, setSending] = useState(false);
  const dontRun = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    ipc
      .confirmRequest(number)
      .then((v) => {
        setView(v);
        setLeft(v.seconds_left);
      })
      .catch((e) => setError(asUiError(e)));
  }, [number]);

  useEffect(() => {
    if (!view) return;
    dontRun.current?.focus();
    const timer = window.setInterval(() => setLeft((s) => Math.max(0, s - 1)), 1000);
    return () => window.clearInterval(timer);
  }, [view]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") void answer("dont_run");
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  });

  async function answer(choice: ConfirmAnswer) {
    if (sending) return;
    setSending(true);
    try {
      await ipc.confirmAnswer(number, choice);
    } catch (e) {
      setError(asUiError(e));
      setSending(false);
    }
  }

  if (error) {
    return (
      <main className="confirm">
        <ErrorNotice error={error} doing="answer this question" />
      </main>
    );
  }
  if (!view) {
    return (
      <main className="confirm">
        <Loading what="the question" />
      </main>
    );
  }
  return (
    <main className="confirm" aria-labelledby="confirm-title" aria-describedby="confirm-reasons">
      <div className="confirm-head">
        <Icon name="question" size={26} />
        <div>
          <h1 id="confirm-title">Run {view.name}?</h1>
          <p className="muted" id="confirm-who">
            <strong>{view.requested_by ?? "An app on this computer"}</strong> wants to start{" "}
            <strong>{view.server_id}</strong>
            {view.version ? ` (version ${view.version})` : ""}. Your organization asks you to confirm it first.
          </p>
        </div>
      </div>
      <div className="reasons" id="confirm-reasons">
        <p className="reasons-lead">Why Gatehouse asks:</p>
        <ul>
          {view.reasons.map((reason, i) => (
            <li key={i} className="reason reason-warn">
              <Icon name="question" />
              <span>{reason}</span>
            </li>
          ))}
        </ul>
        <p className="reasons-lead">What it may do:</p>
        {view.may_do === null ? (
          <p className="muted" id="confirm-may-do">
            Nobody has said: it was added on this computer, not installed from your organization’s catalog. Like any
            program, it can do whatever you can.
          </p>
        ) : view.may_do.length === 0 ? (
          <p className="muted" id="confirm-may-do">
            Its package asks for no access to the internet, your files or your settings.
          </p>
        ) : (
          <ul id="confirm-may-do">
            {view.may_do.map((line, i) => (
              <li key={i}>{line}</li>
            ))}
          </ul>
        )}
      </div>
      <p className="countdown" role="timer" aria-live="off">
        <Icon name="clock" /> Without an answer, it will not run ({left} s).
      </p>
      <div className="confirm-actions">
        <button type="button" id="confirm-run-once" className="secondary" disabled={sending} onClick={() => answer("run_once")}>
          Run once
        </button>
        <button type="button" id="confirm-always" className="secondary" disabled={sending} onClick={() => answer("always")}>
          Always for this version
        </button>
        <button type="button" id="confirm-dont-run" ref={dontRun} disabled={sending} onClick={() => answer("dont_run")}>
          Don't run
        </button>
      </div>
    </main>
  );
}
