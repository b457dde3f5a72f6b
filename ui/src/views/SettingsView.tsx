import { useState } from "react";
import { Icon } from "../components/Icon";
import { ErrorNotice, Loading } from "../components/Notice";
import { asUiError, ipc, type AppInfo, type SettingKey, type SettingsView as View, type UiError } from "../lib/ipc";
import { useLoad } from "../lib/useLoad";
import { ClientAppsCard } from "./ClientApps";
import { ProjectFoldersCard } from "./ProjectFolders";

type TextSetting = "hub_url" | "organization" | "area" | "registry_url";

const FIELDS: [TextSetting, string, string][] = [
  ["hub_url", "Hub address", "https://hub.example.com"],
  ["organization", "Organization", "acme-corp"],
  ["area", "Area", "optional, e.g. data-science"],
  ["registry_url", "Catalog address", "the hub address, unless your admin gave another"],
];

export function SettingsView({ onEnroll }: { onEnroll: (link: string) => void }) {
  const { load, reload } = useLoad(ipc.settings);
  return (
    <section aria-labelledby="settings-title">
      <div className="view-head">
        <h2 id="settings-title">Settings</h2>
        <p>Which hub this computer follows, your sign-in, the apps Gatehouse manages, and how Gatehouse starts.</p>
      </div>
      {load.state === "loading" && <Loading what="settings" />}
      {load.state === "failed" && <ErrorNotice error={load.error} doing="read the settings" />}
      <JoinWithLink onEnroll={onEnroll} />
      {load.state === "ready" && <SettingsBody view={load.value} reload={reload} />}
      <ClientAppsCard />
      <ProjectFoldersCard />
      <About />
    </section>
  );
}

/** Pasting the invitation link an admin sent, for when opening it did not start Gatehouse. */
function JoinWithLink({ onEnroll }: { onEnroll: (link: string) => void }) {
  const [text, setText] = useState("");
  return (
    <div className="card">
      <h3>Join your organization</h3>
      <p>
        Your admin sends an invitation link that starts with <code>gatehouse://</code>. Opening it sets everything up;
        if it does not open Gatehouse, paste it here.
      </p>
      <form
        className="field-row"
        onSubmit={(e) => {
          e.preventDefault();
          onEnroll(text.trim());
        }}
      >
        <input id="enroll-link" aria-label="Invitation link" placeholder="gatehouse://enroll?…" value={text} onChange={(e) => setText(e.target.value)} />
        <button type="submit" id="enroll-open" disabled={text.trim() === ""}>
          Continue
        </button>
      </form>
    </div>
  );
}

function SettingsBody({ view, reload }: { view: View; reload: () => void }) {
  const managed = view.locked.length > 0;
  return (
    <>
      <div className="card">
        <h3>Organization hub</h3>
        {managed && (
          <p className="locked-note">
            <Icon name="shield" /> Your organization manages some of these settings on this computer; they cannot be
            changed here.
          </p>
        )}
        {FIELDS.map(([key, label, placeholder]) => (
          <SettingField
            key={key}
            settingKey={key}
            label={label}
            placeholder={placeholder}
            value={view[key] ?? ""}
            locked={view.locked.includes(key)}
            onSaved={reload}
          />
        ))}
        <div className="field">
          <span className="field-label">Signing key</span>
          {view.hub_keys.length > 0 ? (
            <ul className="keys">
              {view.hub_keys.map((k) => (
                <li key={k}>
                  <PinnedKey text={k} />
                </li>
              ))}
            </ul>
          ) : (
            <span className="muted">None pinned: no policy from the hub is trusted until one is.</span>
          )}
        </div>
        {!view.locked.includes("hub_key") && (
          <SettingField settingKey="hub_key" label="Signing key from your admin" placeholder="only if your admin sent you one: paste it exactly" value="" locked={false} onSaved={reload} />
        )}
      </div>
      <SignIn view={view} reload={reload} />
      <div className="card">
        <h3>Starting</h3>
        <StartAtLogin enabled={view.start_at_login} reload={reload} />
      </div>
    </>
  );
}

/** A pinned key as a person compares it: its security code (fingerprint), the key itself folded away. */
function PinnedKey({ text }: { text: string }) {
  const code = /\(fingerprint ([0-9a-f ]+)\)/.exec(text)?.[1];
  if (!code) return <code>{text}</code>;
  return (
    <>
      Security code <code className="fingerprint">{code}</code>
      <details className="technical">
        <summary>Technical details</summary>
        <span className="technical-text">{text.replace(/ \(fingerprint [0-9a-f ]+\)$/, "")}</span>
      </details>
    </>
  );
}

function SettingField(props: {
  settingKey: SettingKey;
  label: string;
  placeholder: string;
  value: string;
  locked: boolean;
  onSaved: () => void;
}) {
  const [text, setText] = useState(props.value);
  const [state, setState] = useState<{ busy?: boolean; error?: UiError; saved?: boolean }>({});
  const id = `setting-${props.settingKey}`;
  async function save(e: React.FormEvent) {
    e.preventDefault();
    setState({ busy: true });
    try {
      await ipc.setSetting(props.settingKey, text);
      setState({ saved: true });
      props.onSaved();
    } catch (error) {
      setState({ error: asUiError(error) });
    }
  }
  return (
    <form className="field" onSubmit={save}>
      <label htmlFor={id} className="field-label">
        {props.label}
        {props.locked && (
          <span className="lock" title="Set by your organization">
            <Icon name="shield" /> managed
          </span>
        )}
      </label>
      <div className="field-row">
        <input id={id} value={text} placeholder={props.placeholder} disabled={props.locked} onChange={(e) => { setText(e.target.value); setState({}); }} />
        {!props.locked && (
          <button type="submit" className="secondary" disabled={state.busy || text === props.value}>
            {state.saved ? "Saved" : "Save"}
          </button>
        )}
      </div>
      {state.error && <ErrorNotice error={state.error} doing={`save ${props.label.toLowerCase()}`} />}
    </form>
  );
}

function SignIn({ view, reload }: { view: View; reload: () => void }) {
  const [token, setToken] = useState("");
  const [state, setState] = useState<{ busy?: boolean; error?: UiError }>({});
  async function run(action: () => Promise<void>) {
    setState({ busy: true });
    try {
      await action();
      setToken("");
      setState({});
      reload();
    } catch (error) {
      setState({ error: asUiError(error) });
    }
  }
  return (
    <div className="card">
      <h3>Sign in</h3>
      {view.token_from_environment ? (
        <p>Your administrator set up how this computer signs in; there is nothing to do here.</p>
      ) : view.signed_in === null ? (
        <p className="muted">Set the hub address and organization first.</p>
      ) : view.signed_in ? (
        <div className="field-row">
          <span><Icon name="check" /> Signed in. Your token is kept in the system keyring.</span>
          <button type="button" className="secondary" disabled={state.busy} onClick={() => run(ipc.signOut)}>
            Sign out
          </button>
        </div>
      ) : (
        <form className="field-row" onSubmit={(e) => { e.preventDefault(); void run(() => ipc.signIn(token)); }}>
          <input type="password" aria-label="Token" placeholder="paste the token from your organization" value={token} onChange={(e) => setToken(e.target.value)} />
          <button type="submit" disabled={state.busy || token.trim() === ""}>
            Sign in
          </button>
        </form>
      )}
      {state.error && <ErrorNotice error={state.error} doing="sign in" />}
    </div>
  );
}

function StartAtLogin({ enabled, reload }: { enabled: boolean; reload: () => void }) {
  const [error, setError] = useState<UiError | null>(null);
  return (
    <>
      <label className="check">
        <input
          type="checkbox"
          checked={enabled}
          onChange={async (e) => {
            setError(null);
            try {
              await ipc.setStartAtLogin(e.target.checked);
              reload();
            } catch (err) {
              setError(asUiError(err));
            }
          }}
        />
        Start Gatehouse when I log in (recommended: servers that need your confirmation can only ask while it runs)
      </label>
      {error && <ErrorNotice error={error} doing="change how Gatehouse starts" />}
    </>
  );
}

function About() {
  const [info, setInfo] = useState<{ value?: AppInfo; error?: UiError; busy?: boolean }>({});
  async function loadInfo() {
    setInfo({ busy: true });
    try {
      setInfo({ value: await ipc.appInfo() });
    } catch (error) {
      setInfo({ error: asUiError(error) });
    }
  }
  return (
    <div className="card" aria-labelledby="about-title">
      <h3 id="about-title">About this installation</h3>
      <p>Where Gatehouse keeps its policy cache, backups and logs on this computer.</p>
      <button id="show-app-info" type="button" className="secondary" onClick={loadInfo} disabled={info.busy}>
        {info.busy ? "Loading…" : "Show app details"}
      </button>
      {info.value && (
        <dl className="facts" id="app-info">
          <dt>Version</dt>
          <dd id="app-version">{info.value.version}</dd>
          <dt>Data folder</dt>
          <dd id="app-data-dir" className="path">
            {info.value.data_dir}
          </dd>
        </dl>
      )}
      {info.error && <ErrorNotice error={info.error} doing="read the app details" />}
    </div>
  );
}
