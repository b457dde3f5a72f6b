import { useEffect, useState } from "react";
import { LevelBadge, OriginBadge, ScoreBadge, StandingBadge, VerdictBadge } from "../components/Badges";
import { Icon } from "../components/Icon";
import { ErrorNotice, Loading } from "../components/Notice";
import {
  asUiError,
  CLIENT_LABELS,
  INSTALL_STEPS,
  events,
  ipc,
  type CatalogEntryView,
  type CatalogSearch,
  type ClientAppChoice,
  type InstallDone,
  type InstallStep,
  type UiError,
} from "../lib/ipc";
import { useLoad } from "../lib/useLoad";
import { Reasons } from "./ServersView";

/** Search the organization's catalog, see the badges and the verdict, install. */
export function InstallView() {
  const [query, setQuery] = useState("");
  const [asked, setAsked] = useState("");
  const { load, reload } = useLoad(() => ipc.searchCatalog(asked), [asked]);
  const choices = useLoad(ipc.clientAppChoices);
  // One install at a time: the others wait, so progress is never ambiguous.
  const [installing, setInstalling] = useState<string | null>(null);

  function search(event: React.FormEvent) {
    event.preventDefault();
    if (query.trim() === asked) void reload();
    else setAsked(query.trim());
  }

  return (
    <section aria-labelledby="install-title">
      <div className="view-head">
        <h2 id="install-title">Install</h2>
        <p>
          Servers your organization's catalog offers. Each is checked against your policy before anything is downloaded.
        </p>
      </div>
      <form className="search" role="search" onSubmit={search}>
        <label htmlFor="catalog-query" className="visually-hidden">
          Search the catalog
        </label>
        <input
          id="catalog-query"
          type="search"
          value={query}
          placeholder="Search by name or what it does"
          onChange={(event) => setQuery(event.target.value)}
        />
        <button type="submit" id="catalog-search">
          Search
        </button>
      </form>
      {load.state === "loading" && <Loading what="the catalog" />}
      {load.state === "failed" && <ErrorNotice error={load.error} doing="search the catalog" />}
      {load.state === "ready" && (
        <Results
          search={load.value}
          asked={asked}
          choices={choices.load.state === "ready" ? choices.load.value : []}
          installing={installing}
          setInstalling={setInstalling}
          onInstalled={reload}
        />
      )}
    </section>
  );
}

function Results({
  search,
  asked,
  choices,
  installing,
  setInstalling,
  onInstalled,
}: {
  search: CatalogSearch;
  asked: string;
  choices: ClientAppChoice[];
  installing: string | null;
  setInstalling: (pkg: string | null) => void;
  onInstalled: () => void;
}) {
  if (search.source === "none") {
    return (
      <div className="empty" id="catalog-none">
        <Icon name="building" size={28} />
        <h3>No catalog yet</h3>
        <p>Connect Gatehouse to your organization's hub in Settings to see the servers it offers.</p>
      </div>
    );
  }
  return (
    <>
      {search.source === "cached" && (
        <div className="notice notice-warn" id="catalog-offline" role="status">
          <Icon name="clock" /> Showing the catalog from your last sync, because {search.problem ?? "the hub could not be asked"}.
        </div>
      )}
      {search.entries.length === 0 ? (
        <div className="empty" id="catalog-empty">
          <Icon name="server" size={28} />
          <h3>{asked ? `Nothing matches “${asked}”` : "The catalog is empty"}</h3>
          <p>{asked ? "Try another word from its name or what it does." : "Your organization has not published any server yet."}</p>
        </div>
      ) : (
        <ul className="server-list catalog">
          {search.entries.map((entry) => (
            <CatalogRow
              key={entry.package}
              entry={entry}
              choices={choices}
              installing={installing}
              setInstalling={setInstalling}
              onInstalled={onInstalled}
            />
          ))}
        </ul>
      )}
    </>
  );
}

type RowState =
  | { state: "idle" }
  | { state: "choosing"; apps: string[] }
  | { state: "installing"; step: InstallStep | null }
  | { state: "done"; done: InstallDone }
  | { state: "failed"; error: UiError };

function CatalogRow({
  entry,
  choices,
  installing,
  setInstalling,
  onInstalled,
}: {
  entry: CatalogEntryView;
  choices: ClientAppChoice[];
  installing: string | null;
  setInstalling: (pkg: string | null) => void;
  onInstalled: () => void;
}) {
  const [row, setRow] = useState<RowState>({ state: "idle" });
  const busyElsewhere = installing !== null && installing !== entry.package;

  useEffect(() => {
    if (row.state !== "installing") return;
    let unlisten: (() => void) | undefined;
    let gone = false;
    events
      .onInstallProgress((progress) => {
        // Events may arrive after the command's answer: never undo a finished install.
        if (progress.package === entry.package)
          setRow((current) => (current.state === "installing" ? { state: "installing", step: progress.step } : current));
      })
      .then((stop) => (gone ? stop() : (unlisten = stop)))
      .catch(() => undefined);
    return () => {
      gone = true;
      unlisten?.();
    };
  }, [row.state, entry.package]);

  async function install(apps: string[]) {
    setInstalling(entry.package);
    setRow({ state: "installing", step: null });
    try {
      const done = await ipc.installServer(entry.package, apps);
      setRow({ state: "done", done });
      if (done.installed) onInstalled();
    } catch (error) {
      setRow({ state: "failed", error: asUiError(error) });
    } finally {
      setInstalling(null);
    }
  }

  const installed = entry.installed_version !== null;
  return (
    <li className={`server catalog-entry verdict-${entry.verdict}`} data-package={entry.package}>
      <div className="server-head">
        <div className="server-title">
          <h3>{entry.name}</h3>
          <span className="server-sub">
            {entry.version ? `version ${entry.version}` : "latest version"}
            {installed && (
              <span className="installed">
                {" "}
                · <Icon name="check" /> installed{entry.installed_version ? ` (version ${entry.installed_version})` : ""}
              </span>
            )}
          </span>
        </div>
        <VerdictBadge verdict={entry.verdict} />
      </div>
      {entry.description && <p className="description">{entry.description}</p>}
      <div className="badges">
        <StandingBadge standing={entry.standing} copy={entry.verified_copy} />
        <LevelBadge level={entry.cert_level} reasons={entry.violations} />
        <ScoreBadge score={entry.score} reasons={entry.violations} />
        <OriginBadge origin={entry.origin} reasons={entry.violations} />
        {entry.status !== "published" && entry.status !== "unknown" && (
          <span className="badge badge-bad badge-status">
            <Icon name="cross" /> <span>{entry.status.charAt(0).toUpperCase() + entry.status.slice(1)}</span>
          </span>
        )}
      </div>
      {!entry.signed && (
        <p className="unsigned-note">
          <Icon name="question" /> Not in your signed policy yet: these facts come from the hub and are checked again
          before it is installed.
        </p>
      )}
      {entry.violations.length > 0 && <Reasons verdict={entry.verdict} reasons={entry.violations} />}
      {row.state === "choosing" ? (
        <AppChooser
          entry={entry}
          choices={choices}
          chosen={row.apps}
          setChosen={(apps) => setRow({ state: "choosing", apps })}
          onInstall={() => void install(row.apps)}
          onCancel={() => setRow({ state: "idle" })}
        />
      ) : (
        <div className="actions">
          <button
            type="button"
            className="install"
            disabled={entry.not_installable !== null || installed || busyElsewhere || row.state === "installing"}
            onClick={() => setRow({ state: "choosing", apps: [] })}
          >
            <Icon name="server" /> {installed ? "Installed" : "Install…"}
          </button>
          {entry.not_installable && !installed && (
            <span className="not-installable">
              <Icon name="cross" /> {entry.not_installable}
            </span>
          )}
        </div>
      )}
      {row.state === "installing" && <Progress step={row.step} />}
      {row.state === "done" && <Outcome done={row.done} />}
      {row.state === "failed" && <ErrorNotice error={row.error} doing={`install ${entry.name}`} />}
    </li>
  );
}

function AppChooser({
  entry,
  choices,
  chosen,
  setChosen,
  onInstall,
  onCancel,
}: {
  entry: CatalogEntryView;
  choices: ClientAppChoice[];
  chosen: string[];
  setChosen: (apps: string[]) => void;
  onInstall: () => void;
  onCancel: () => void;
}) {
  function toggle(name: string) {
    setChosen(chosen.includes(name) ? chosen.filter((n) => n !== name) : [...chosen, name]);
  }
  return (
    <fieldset className="app-chooser">
      <legend>Which apps should be able to use {entry.name}?</legend>
      <div className="app-choices">
        {choices.map((choice) => (
          <label key={choice.name} className="app-choice">
            <input
              type="checkbox"
              name="client-app"
              value={choice.name}
              checked={chosen.includes(choice.name)}
              onChange={() => toggle(choice.name)}
            />
            <span>{choice.label}</span>
            <span className="app-found">{choice.found ? "on this computer" : "settings file will be created"}</span>
          </label>
        ))}
      </div>
      <p className="hint">
        {chosen.length === 0
          ? "No app chosen: it is installed, and you can add it to an app later."
          : "Each chosen app starts it through Gatehouse, so your policy is checked every time."}
        {entry.verdict === "warn" && " Policy asks you to confirm before its first run."}
      </p>
      <div className="actions">
        <button type="button" className="install-confirm" onClick={onInstall}>
          Install {entry.version ? `version ${entry.version}` : ""}
        </button>
        <button type="button" className="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </fieldset>
  );
}

function stepWords(step: InstallStep): string {
  switch (step.step) {
    case "resolving":
      return "Finding it in your organization's registry";
    case "checking_policy":
      return `Checking version ${step.version} against your policy`;
    case "fetching_manifest":
      return "Fetching its description and checking its fingerprint";
    case "downloading":
      return step.total
        ? `Downloading: ${bytesWords(step.received)} of ${bytesWords(step.total)}`
        : `Downloading: ${bytesWords(step.received)}`;
    case "unpacking":
      return "Unpacking and checking its files";
    case "registering":
      return "Registering it with Gatehouse";
    case "adding_to_apps":
      return "Adding it to your apps";
  }
}

function bytesWords(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function Progress({ step }: { step: InstallStep | null }) {
  const index = step ? INSTALL_STEPS.indexOf(step.step) : 0;
  const fraction =
    step?.step === "downloading" && step.total
      ? (index + Math.min(step.received / step.total, 1)) / INSTALL_STEPS.length
      : index / INSTALL_STEPS.length;
  return (
    <div className="install-progress" role="status" aria-live="polite">
      <progress max={1} value={fraction} aria-label="Install progress" />
      <span className="install-step">
        <span className="spinner" aria-hidden="true" /> {step ? stepWords(step) : "Starting…"}
      </span>
    </div>
  );
}

function Outcome({ done }: { done: InstallDone }) {
  if (!done.installed) {
    return (
      <div className="notice notice-error install-refused" role="alert">
        <strong>Not installed.</strong> <span className="preline">{done.message}</span>
      </div>
    );
  }
  return (
    <div className="notice notice-ok install-done" role="status">
      <strong>{done.message}</strong>{" "}
      {done.added_to.length > 0
        ? `Added to ${done.added_to.map((app) => CLIENT_LABELS[app]).join(", ")}: restart ${done.added_to.length === 1 ? "it" : "them"} to use it.`
        : "It is in your Servers list; no app uses it yet."}
      {done.warnings.length > 0 && (
        <div className="hint">
          It will ask before its first run, because: {done.warnings.join(" ")}
        </div>
      )}
    </div>
  );
}
