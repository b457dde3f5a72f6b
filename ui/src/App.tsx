import { useState } from "react";
import { ipc, type AppInfo, type UiError } from "./lib/ipc";

type Load<T> =
  | { state: "idle" }
  | { state: "loading" }
  | { state: "ready"; value: T }
  | { state: "failed"; error: UiError };

export function App() {
  const [info, setInfo] = useState<Load<AppInfo>>({ state: "idle" });

  async function loadInfo() {
    setInfo({ state: "loading" });
    try {
      setInfo({ state: "ready", value: await ipc.appInfo() });
    } catch (error) {
      setInfo({ state: "failed", error: error as UiError });
    }
  }

  return (
    <div className="shell">
      <header className="topbar">
        <img src="./icon.png" alt="" className="logo" />
        <div>
          <h1>Gatehouse</h1>
          <p className="tagline">Decides which MCP servers may run on this computer.</p>
        </div>
      </header>
      <main>
        <section className="card" aria-labelledby="about-title">
          <h2 id="about-title">About this installation</h2>
          <p>Where Gatehouse keeps its policy cache, backups and logs on this computer.</p>
          <button id="show-app-info" type="button" onClick={loadInfo} disabled={info.state === "loading"}>
            {info.state === "loading" ? "Loading…" : "Show app details"}
          </button>
          {info.state === "ready" && (
            <dl className="facts" id="app-info">
              <dt>Version</dt>
              <dd id="app-version">{info.value.version}</dd>
              <dt>Data folder</dt>
              <dd id="app-data-dir" className="path">{info.value.data_dir}</dd>
            </dl>
          )}
          {info.state === "failed" && (
            <p className="error" role="alert" id="app-info-error">
              Could not read the app details: {info.error.message}
            </p>
          )}
        </section>
      </main>
    </div>
  );
}
