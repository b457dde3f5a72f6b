import { useState } from "react";
import { VerdictBadge } from "../components/Badges";
import { Icon } from "../components/Icon";
import { ErrorNotice, Loading } from "../components/Notice";
import {
  asUiError,
  ipc,
  type ClientFileView,
  type EntryView,
  type UiError,
} from "../lib/ipc";
import { useLoad } from "../lib/useLoad";
import { ExtensionsRow } from "./Extensions";

type Doing = { state: "idle" } | { state: "busy" } | { state: "failed"; doing: string; error: UiError };

/** An entry that runs with no check at all: a local one that does not go through Gatehouse. */
function unchecked(entry: EntryView): boolean {
  return entry.kind === "local" && !entry.routed;
}

/**
 * For the Servers view: the servers client apps start WITHOUT Gatehouse, each with "Route
 * through Gatehouse". Shows nothing when every local entry is routed.
 */
export function UnroutedEntries() {
  const { load, reload } = useLoad(ipc.listClients);
  if (load.state !== "ready") return null;
  const rows = load.value.flatMap((file) =>
    file.entries.filter(unchecked).map((entry) => ({ file, entry })),
  );
  if (rows.length === 0) return null;
  return (
    <div className="card unrouted" id="unrouted">
      <h3>
        <Icon name="cross" /> Not checked by Gatehouse
      </h3>
      <p>
        Your apps start these servers directly, so your organization's policy is never checked for them. Route them
        through Gatehouse to check them every time they start.
      </p>
      <ul className="entry-list">
        {rows.map(({ file, entry }) => (
          <UnroutedRow key={`${file.path}/${entry.entry_path.join("/")}`} file={file} entry={entry} onChanged={reload} />
        ))}
      </ul>
    </div>
  );
}

function UnroutedRow({ file, entry, onChanged }: { file: ClientFileView; entry: EntryView; onChanged: () => void }) {
  const [doing, setDoing] = useState<Doing>({ state: "idle" });
  async function route() {
    setDoing({ state: "busy" });
    try {
      await ipc.routeEntry(file.client, file.path, entry.entry_path);
      setDoing({ state: "idle" });
      onChanged();
    } catch (error) {
      setDoing({ state: "failed", doing: `route ${entry.name} through Gatehouse`, error: asUiError(error) });
    }
  }
  return (
    <li className="entry" data-client={file.client} data-entry={entry.name}>
      <div className="entry-head">
        <div className="entry-title">
          <strong>{entry.name}</strong>
          <span className="server-sub">
            in {file.label}
            {(entry.project ?? file.project) && <> · project {entry.project ?? file.project}</>}
          </span>
          {entry.command && <code className="command">{entry.command}</code>}
        </div>
        <button type="button" className="route-entry" disabled={doing.state === "busy"} onClick={route}>
          <Icon name="shield" /> {doing.state === "busy" ? "Routing…" : "Route through Gatehouse"}
        </button>
      </div>
      {entry.verdict && (
        <div className="entry-verdict">
          <VerdictBadge verdict={entry.verdict.verdict} />
          <span className="muted"> is what Gatehouse would decide if this app started it through Gatehouse</span>
          {entry.verdict.reasons.map((reason) => (
            <p key={reason} className="entry-reason">
              {reason}
            </p>
          ))}
        </div>
      )}
      {entry.violations.map((v) => (
        <p key={v.code} className="entry-violation">
          <Icon name="cross" /> {v.message}
        </p>
      ))}
      {doing.state === "failed" && <ErrorNotice error={doing.error} doing={doing.doing} />}
    </li>
  );
}

/** For Settings: every client app settings file, and routing it all (or giving it back). */
export function ClientAppsCard() {
  const { load, reload } = useLoad(ipc.listClients);
  return (
    <div className="card" id="client-apps">
      <h3>Client apps</h3>
      <p>
        The apps on this computer that start MCP servers. Gatehouse checks a server each time it starts only when the
        app starts it through Gatehouse.
      </p>
      {load.state === "loading" && <Loading what="your apps" />}
      {load.state === "failed" && <ErrorNotice error={load.error} doing="read your apps' settings" />}
      {load.state === "ready" && load.value.length === 0 && (
        <p className="muted" id="client-apps-none">
          No app settings were found (Claude Desktop, Claude Code, Cursor, VS Code, Windsurf, Zed, Cline).
        </p>
      )}
      {load.state === "ready" && load.value.length > 0 && (
        <>
          <ul className="entry-list">
            {load.value
              .filter((file) => file.project === null)
              .map((file) =>
                file.extensions.length > 0 ? (
                  <ExtensionsRow key={file.path} file={file} />
                ) : (
                  <ClientFileRow key={file.path} file={file} onChanged={reload} />
                ),
              )}
          </ul>
          {load.value.some((file) => file.project !== null) && (
            <>
              <h4>In your projects</h4>
              <p className="muted">
                Settings files kept inside project folders. Gatehouse routes a project only when you ask, because a
                project may be shared with other people.
              </p>
              <ul className="entry-list" id="project-files">
                {load.value
                  .filter((file) => file.project !== null)
                  .map((file) => (
                    <ClientFileRow key={file.path} file={file} onChanged={reload} />
                  ))}
              </ul>
            </>
          )}
        </>
      )}
    </div>
  );
}

function ClientFileRow({ file, onChanged }: { file: ClientFileView; onChanged: () => void }) {
  const [doing, setDoing] = useState<Doing>({ state: "idle" });
  const local = file.entries.filter((e) => e.kind === "local");
  const routed = local.filter((e) => e.routed).length;
  const remote = file.entries.length - local.length;

  async function act(what: "wire" | "unwire") {
    setDoing({ state: "busy" });
    try {
      if (what === "wire") await ipc.wireClientApp(file.client, file.project);
      else await ipc.unwireClientApp(file.client, file.project);
      setDoing({ state: "idle" });
      onChanged();
    } catch (error) {
      const doingWords = what === "wire" ? `route ${file.label} through Gatehouse` : `restore ${file.label}'s settings`;
      setDoing({ state: "failed", doing: doingWords, error: asUiError(error) });
    }
  }

  return (
    <li className="entry client-file" data-client={file.client}>
      <div className="entry-head">
        <div className="entry-title">
          <strong>{file.project ? `${file.label} · project ${baseName(file.project)}` : file.label}</strong>
          <span className="path">{file.path}</span>
          <span className="server-sub client-summary">
            {file.error
              ? "Cannot be read, so Gatehouse leaves it alone"
              : `${routed} of ${local.length} local server${local.length === 1 ? "" : "s"} through Gatehouse` +
                (remote > 0 ? ` · ${remote} remote (not checked)` : "")}
          </span>
        </div>
        <div className="actions">
          {!file.error && routed < local.length && (
            <button type="button" className="wire-app" disabled={doing.state === "busy"} onClick={() => act("wire")}>
              <Icon name="shield" /> Route all through Gatehouse
            </button>
          )}
          {!file.error && routed > 0 && (
            <button
              type="button"
              className="secondary unwire-app"
              disabled={doing.state === "busy"}
              onClick={() => act("unwire")}
            >
              Give back the original settings
            </button>
          )}
        </div>
      </div>
      {file.error && <p className="entry-violation">{file.error}</p>}
      {file.entries.flatMap((entry) =>
        entry.violations.map((v) => (
          <p key={`${entry.name}-${v.code}`} className="entry-violation">
            <Icon name="cross" /> {v.message}
          </p>
        )),
      )}
      {doing.state === "failed" && <ErrorNotice error={doing.error} doing={doing.doing} />}
    </li>
  );
}

/** The last part of a folder's path, the name a person knows the project by. */
function baseName(path: string): string {
  const parts = path.split(/[\\/]/).filter((part) => part !== "");
  return parts[parts.length - 1] ?? path;
}
