import { useEffect, useState } from "react";
import { Icon, type IconName } from "./components/Icon";
import { hintFor } from "./components/Notice";
import { asUiError, events, ipc, type Status, type UiError } from "./lib/ipc";
import { EnrollDialog } from "./enroll/EnrollDialog";
import { ageWords } from "./lib/time";
import { useLoad } from "./lib/useLoad";
import { ActivityView } from "./views/ActivityView";
import { InstallView } from "./views/InstallView";
import { PolicyView } from "./views/PolicyView";
import { ServersView, type Selection } from "./views/ServersView";
import { SettingsView } from "./views/SettingsView";

type ViewName = "servers" | "install" | "policy" | "activity" | "settings";

const VIEWS: [ViewName, string, IconName][] = [
  ["servers", "Servers", "server"],
  ["install", "Install", "download"],
  ["policy", "Policy", "policy"],
  ["activity", "Activity", "activity"],
  ["settings", "Settings", "settings"],
];

/** The server a new window was opened on (a notification's or the tray's click). */
function serverInAddress(): Selection | null {
  const match = /^#\/server\/(.+)$/.exec(window.location.hash);
  const id = match?.[1];
  if (id === undefined) return null;
  try {
    return { id: decodeURIComponent(id), request: 1 };
  } catch {
    return null;
  }
}

export function MainWindow() {
  const [view, setView] = useState<ViewName>("servers");
  const [selection, setSelection] = useState<Selection | null>(serverInAddress);
  const [enrollLink, setEnrollLink] = useState<string | null>(null);

  useEffect(() => {
    // An enrollment link the app was opened with, now or while it runs.
    const take = () =>
      void ipc
        .pendingEnrollment()
        .then((link) => link && setEnrollLink(link))
        .catch(() => undefined);
    take();
    let unlisten: (() => void) | undefined;
    let gone = false;
    events
      .onEnrollLink(take)
      .then((stop) => (gone ? stop() : (unlisten = stop)))
      .catch(() => undefined);
    return () => {
      gone = true;
      unlisten?.();
    };
  }, []);

  useEffect(() => {
    let unlisten: (() => void) | undefined;
    let gone = false;
    events
      .onOpenServer((id) => {
        // From a notification's click: whatever view is open, show this server. A new
        // request each time, so a second click on the same server scrolls to it again.
        setView("servers");
        setSelection((last) => ({ id, request: (last?.request ?? 0) + 1 }));
      })
      .then((stop) => (gone ? stop() : (unlisten = stop)))
      .catch(() => undefined);
    return () => {
      gone = true;
      unlisten?.();
    };
  }, []);

  return (
    <div className="shell">
      <header className="topbar">
        <img src="./icon.png" alt="" className="logo" />
        <div className="brand">
          <h1>Gatehouse</h1>
          <p className="tagline">Decides which MCP servers may run on this computer.</p>
        </div>
        <Connection />
      </header>
      <div className="body">
        <nav className="sidebar" aria-label="Sections">
          {VIEWS.map(([name, label, icon]) => (
            <button
              key={name}
              type="button"
              id={`nav-${name}`}
              className={view === name ? "nav current" : "nav"}
              aria-current={view === name ? "page" : undefined}
              onClick={() => setView(name)}
            >
              <Icon name={icon} size={16} /> {label}
            </button>
          ))}
        </nav>
        <main className="content">
          {view === "servers" && <ServersView selection={selection} />}
          {view === "install" && <InstallView />}
          {view === "policy" && <PolicyView />}
          {view === "activity" && <ActivityView />}
          {view === "settings" && <SettingsView onEnroll={setEnrollLink} />}
        </main>
      </div>
      {enrollLink && <EnrollDialog link={enrollLink} onClose={() => setEnrollLink(null)} />}
    </div>
  );
}

/** The connection line and Sync now, always in view. */
function Connection() {
  const { load, reload } = useLoad(ipc.status);
  const [sync, setSync] = useState<{ busy?: boolean; message?: string; error?: UiError }>({});

  async function syncNow() {
    setSync({ busy: true });
    try {
      const done = await ipc.syncNow();
      setSync({ message: done.message });
    } catch (error) {
      setSync({ error: asUiError(error) });
    }
    void reload();
  }

  const status = load.state === "ready" ? load.value : null;
  const configured = status?.hub_url != null;
  return (
    <div className="connection">
      <div className="connection-line" id="connection-status" role="status">
        {status ? connectionWords(status) : load.state === "failed" ? "Status unavailable" : "…"}
      </div>
      <button type="button" id="sync-now" className="light" onClick={syncNow} disabled={!configured || sync.busy}>
        <Icon name="sync" /> {sync.busy ? "Syncing…" : "Sync now"}
      </button>
      <div className="connection-notes" aria-live="polite">
        {sync.message && (
          <div className="connection-note" id="sync-result">
            {sync.message}
          </div>
        )}
        {sync.error && (
          <div className="connection-note error" id="sync-error" role="alert" title={sync.error.message}>
            Sync failed: {hintFor(sync.error) ?? sync.error.message}
          </div>
        )}
      </div>
    </div>
  );
}

function connectionWords(status: Status): string {
  if (!status.hub_url) return "Not connected to a hub";
  if (status.serial === null) {
    // Nothing was contacted yet, or the first attempt failed: never "Connected".
    if (status.last_attempt_at === null) return "Not synced yet";
    return status.online ? "Connected — waiting for the first policy" : "Cannot reach the hub — no policy yet";
  }
  if (status.online && !status.stale) return `Connected — policy version ${status.serial}`;
  const since = status.age_secs !== null ? `${ageWords(status.age_secs)} ago` : "earlier";
  return `${status.stale ? "Out of date" : "Offline"} — enforcing policy from ${since}`;
}
