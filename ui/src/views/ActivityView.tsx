import { useState } from "react";
import { ErrorNotice, Loading } from "../components/Notice";
import {
  ACTIVITY_KINDS,
  asUiError,
  ipc,
  type ActivityQuery,
  type AuditKind,
  type ExportDone,
  type UiError,
} from "../lib/ipc";
import type { Code } from "../lib/ipc";
import { localTime } from "../lib/time";
import { useLoad } from "../lib/useLoad";

/** What each policy finding means, in a few words. Typed, so a new code needs its words here. */
const CODE_WORDS: Record<Code, string> = {
  artifact_modified: "its installed files were changed",
  status_blocked: "revoked or quarantined by your organization",
  status_deprecated: "no longer maintained",
  deny_listed: "on your organization's list of servers never allowed",
  not_allow_listed: "not on the list of servers allowed here",
  origin_not_allowed: "from a publisher your organization does not allow here",
  cert_level_below_min: "certification level below what your organization requires",
  cert_level_unknown: "no certification known for this version",
  score_below_min: "security score below what your organization requires",
  score_unknown: "no security score known for this version",
  policy_stale: "the policy on this computer is out of date",
  force_not_permitted: "running it anyway is not permitted",
};

/** "Everything", then each kind of activity with its name from the Rust table. */
const KINDS: [AuditKind | "", string][] = [
  ["", "Everything"],
  ...(Object.entries(ACTIVITY_KINDS) as [AuditKind, string][]),
];

const PERIODS: [string, string][] = [
  ["", "Any time"],
  ["1", "Last hour"],
  ["24", "Last 24 hours"],
  ["168", "Last 7 days"],
  ["720", "Last 30 days"],
];

export function ActivityView() {
  const [server, setServer] = useState("");
  const [kind, setKind] = useState<AuditKind | "">("");
  const [period, setPeriod] = useState("");
  const query: ActivityQuery = {
    server: server.trim() || null,
    kind: kind || null,
    since_hours: period ? Number(period) : null,
  };
  const { load } = useLoad(() => ipc.activity(query), [server, kind, period]);
  const [exported, setExported] = useState<{ done?: ExportDone; error?: UiError; busy?: boolean }>({});

  async function exportLog() {
    setExported({ busy: true });
    try {
      setExported({ done: await ipc.exportActivity(query) });
    } catch (error) {
      setExported({ error: asUiError(error) });
    }
  }

  return (
    <section aria-labelledby="activity-title">
      <div className="view-head">
        <h2 id="activity-title">Activity</h2>
        <p>What Gatehouse decided and did, newest first. Your organization receives the same record.</p>
      </div>
      <form className="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Server
          <input id="activity-server" value={server} placeholder="any server" onChange={(e) => setServer(e.target.value)} />
        </label>
        <label>
          What happened
          <select id="activity-kind" value={kind} onChange={(e) => setKind(e.target.value as AuditKind | "")}>
            {KINDS.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <label>
          When
          <select id="activity-period" value={period} onChange={(e) => setPeriod(e.target.value)}>
            {PERIODS.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <button type="button" id="export-activity" className="secondary" onClick={exportLog} disabled={exported.busy}>
          {exported.busy ? "Exporting…" : "Export for your admin"}
        </button>
      </form>
      {exported.done && (
        <div className="notice notice-ok" role="status" id="export-done">
          Saved {exported.done.count} record{exported.done.count === 1 ? "" : "s"} to <code>{exported.done.path}</code>
        </div>
      )}
      {exported.error && <ErrorNotice error={exported.error} doing="export the activity" />}
      {load.state === "loading" && <Loading what="activity" />}
      {load.state === "failed" && <ErrorNotice error={load.error} doing="read the activity" />}
      {load.state === "ready" && load.value.length === 0 && (
        <div className="empty">
          <h3>Nothing here</h3>
          <p>No activity matches these filters.</p>
        </div>
      )}
      {load.state === "ready" && load.value.length > 0 && (
        <table className="activity" aria-label="Activity">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">What happened</th>
              <th scope="col">Server</th>
            </tr>
          </thead>
          <tbody>
            {load.value.map((row) => (
              <tr key={row.id} data-kind={row.kind}>
                <td className="when">{localTime(row.time)}</td>
                <td>
                  {row.summary}
                  {row.codes.length > 0 && (
                    <div className="codes">Why: {row.codes.map((code) => (CODE_WORDS as Record<string, string>)[code] ?? code).join("; ")}</div>
                  )}
                </td>
                <td>
                  {row.server ?? "—"}
                  {row.version && <span className="muted"> {row.version}</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
