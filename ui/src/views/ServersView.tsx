import { useEffect, useState } from "react";
import { LevelBadge, OriginBadge, ScoreBadge, StandingBadge, VerdictBadge, standingNote } from "../components/Badges";
import { Icon } from "../components/Icon";
import { ErrorNotice, Loading } from "../components/Notice";
import { asUiError, CLIENT_LABELS, ipc, type ReasonView, type ServerView, type UiError } from "../lib/ipc";
import { useLoad } from "../lib/useLoad";
import { Approval } from "./Approval";
import { UnroutedEntries } from "./ClientApps";

/** The server a notification's click asked to show; `request` changes with every click. */
export type Selection = { id: string; request: number };

export function ServersView({ selection }: { selection: Selection | null }) {
  const { load, reload } = useLoad(ipc.listServers);
  const listed = load.state === "ready";
  useEffect(() => {
    if (!selection || !listed) return;
    const row = document.getElementById(`server-${selection.id}`);
    row?.scrollIntoView({ block: "center" });
    // Keyboard and screen reader users land on it too.
    row?.focus({ preventScroll: true });
  }, [selection, listed]);

  return (
    <section aria-labelledby="servers-title">
      <div className="view-head">
        <h2 id="servers-title">Servers</h2>
        <p>Every MCP server Gatehouse manages on this computer, and whether your organization's policy lets it run.</p>
      </div>
      {load.state === "loading" && <Loading what="servers" />}
      {load.state === "failed" && <ErrorNotice error={load.error} doing="check your servers" />}
      {load.state === "ready" && load.value.length === 0 && (
        <div className="empty">
          <Icon name="server" size={28} />
          <h3>No servers yet</h3>
          <p>
            Servers you install from your organization's catalog, or that your apps (Claude, Cursor, VS Code…)
            start through Gatehouse, appear here with their certification and what policy says about them.
          </p>
        </div>
      )}
      {load.state === "ready" && (
        <ul className="server-list">
          {load.value.map((server) => (
            <ServerRow key={server.id} server={server} selected={selection?.id === server.id} onChanged={reload} />
          ))}
        </ul>
      )}
      <UnroutedEntries />
    </section>
  );
}

type Action =
  | { state: "idle" }
  | { state: "checking" }
  | { state: "checked"; tools: string[] }
  | { state: "confirm-remove" }
  | { state: "removing" }
  | { state: "switching" }
  | { state: "switched"; package: string }
  | { state: "failed"; doing: string; error: UiError };

function ServerRow({ server, selected, onChanged }: { server: ServerView; selected: boolean; onChanged: () => void }) {
  const [action, setAction] = useState<Action>({ state: "idle" });

  async function check() {
    setAction({ state: "checking" });
    try {
      const outcome = await ipc.checkServer(server.id);
      setAction({ state: "checked", tools: outcome.tools });
      onChanged();
    } catch (error) {
      setAction({ state: "failed", doing: `run ${server.id}`, error: asUiError(error) });
    }
  }

  async function useCopy() {
    setAction({ state: "switching" });
    try {
      const installed = await ipc.useVerifiedCopy(server.id);
      setAction({ state: "switched", package: installed });
      onChanged();
    } catch (error) {
      setAction({ state: "failed", doing: `switch ${server.id} to its verified copy`, error: asUiError(error) });
    }
  }

  async function remove() {
    setAction({ state: "removing" });
    try {
      await ipc.removeServer(server.id);
      onChanged();
    } catch (error) {
      setAction({ state: "failed", doing: `remove ${server.id}`, error: asUiError(error) });
    }
  }

  const busy = action.state === "checking" || action.state === "removing" || action.state === "switching";
  return (
    <li
      id={`server-${server.id}`}
      className={`server verdict-${server.verdict}${selected ? " selected" : ""}`}
      data-server-id={server.id}
      aria-current={selected ? "true" : undefined}
      tabIndex={selected ? -1 : undefined}
    >
      <div className="server-head">
        <div className="server-title">
          <h3>{server.id}</h3>
          <span className="server-sub">
            {server.name !== null && server.name !== server.id && <>{server.name} · </>}
            {server.version ? `version ${server.version}` : "version not pinned"}
          </span>
        </div>
        <VerdictBadge verdict={server.verdict} approved={server.approved} />
      </div>
      <div className="badges">
        <StandingBadge standing={server.standing} copy={server.verified_copy} />
        {server.standing === "verified" ? (
          <>
            <LevelBadge level={server.cert_level} reasons={server.violations} />
            <ScoreBadge score={server.score} reasons={server.violations} />
            <OriginBadge origin={server.origin} reasons={server.violations} />
          </>
        ) : (
          // Named or unbound: the catalog's facts belong to code Gatehouse has not verified.
          <span className="badge badge-neutral badge-unverified">
            <Icon name="question" /> <span>Certification not verified</span>
          </span>
        )}
        {server.status !== "published" && server.status !== "unknown" && (
          <span className="badge badge-bad badge-status">
            <Icon name="cross" /> <span>{server.status.charAt(0).toUpperCase() + server.status.slice(1)}</span>
          </span>
        )}
      </div>
      {standingNote(server.standing, server.command) && (
        <p className="standing-note">
          <Icon name="question" /> {standingNote(server.standing, server.command)}
        </p>
      )}
      {server.copy_offered && (
        <div className="copy-offer">
          <span>Your organization certifies a copy of this package that Gatehouse can install and check.</span>
          <button type="button" className="use-copy" disabled={busy} onClick={useCopy}>
            <Icon name="badge" /> {action.state === "switching" ? "Installing the verified copy…" : "Use the verified copy"}
          </button>
        </div>
      )}
      {server.violations.length > 0 && <Reasons verdict={server.verdict} reasons={server.violations} />}
      <Approval server={server} />
      <dl className="server-facts">
        <dt>Used by</dt>
        <dd>
          {server.clients.length === 0
            ? "No app yet"
            : server.clients.map((c) => CLIENT_LABELS[c]).join(", ")}
        </dd>
        <dt>Tools at last run</dt>
        <dd className="tools">
          {server.tools.length === 0
            ? "Not run through Gatehouse yet"
            : server.tools.map((tool) => (
                <code key={tool} className="tool">
                  {tool}
                </code>
              ))}
        </dd>
        <dt>Starts</dt>
        <dd>
          <code className="command">{[server.command, ...server.args].join(" ")}</code>
        </dd>
      </dl>
      <div className="actions">
        <button type="button" className="check-now" onClick={check} disabled={busy || server.verdict === "block"}
          title={server.verdict === "block" ? "Policy blocks this server, so it cannot be run" : "Start it through Gatehouse and list its tools"}>
          <Icon name="sync" /> {action.state === "checking" ? "Checking…" : "Check now"}
        </button>
        {action.state === "confirm-remove" ? (
          <span className="confirm-remove">
            Remove {server.id} from Gatehouse?
            <button type="button" className="danger" onClick={remove}>
              Remove
            </button>
            <button type="button" className="secondary" onClick={() => setAction({ state: "idle" })}>
              Cancel
            </button>
          </span>
        ) : (
          <button type="button" className="secondary remove" disabled={busy} onClick={() => setAction({ state: "confirm-remove" })}>
            Remove
          </button>
        )}
      </div>
      {action.state === "checked" && (
        <div className="notice notice-ok" role="status">
          {server.id} answered and lists {action.tools.length} tool{action.tools.length === 1 ? "" : "s"}.
        </div>
      )}
      {action.state === "switched" && (
        <div className="notice notice-ok" role="status">
          {server.id} now runs the verified copy of {action.package}. Its apps need no change.
        </div>
      )}
      {action.state === "failed" && <ErrorNotice error={action.error} doing={action.doing} />}
    </li>
  );
}

export function Reasons({ verdict, reasons }: { verdict: string; reasons: ReasonView[] }) {
  return (
    <div className="reasons">
      <p className="reasons-lead">
        {verdict === "block" ? "Why it is blocked:" : verdict === "warn" ? "Why it asks first:" : "Noted:"}
      </p>
      <ul>
        {reasons.map((reason, index) => (
          <li key={index} className={`reason reason-${reason.severity}`}>
            <Icon name={reason.severity === "block" ? "cross" : "question"} />
            <span>
              {reason.message}
              <span className="layer"> Set by {layerWords(reason)}.</span>
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}

export function layerWords(reason: { layer: string; layer_label?: string | null }): string {
  switch (reason.layer) {
    case "mandatory":
      return "your organization (mandatory)";
    case "org":
      return "your organization";
    case "area":
      // The area may be the one that lists this server, not the computer's own.
      return reason.layer_label ? `the area ${reason.layer_label}` : "its area";
    case "server":
      return "your organization, for this server only";
    case "local":
      return "your own settings";
    default:
      return "Gatehouse";
  }
}
