import { useState } from "react";
import { ErrorNotice, Loading } from "../components/Notice";
import { asUiError, ipc, type ProjectFolder, type ProjectSource, type UiError } from "../lib/ipc";
import { useLoad } from "../lib/useLoad";

type Doing = { state: "idle" } | { state: "busy" } | { state: "failed"; doing: string; error: UiError };

/** Where Gatehouse learnt of a project folder, in words. */
const FOUND_BY: Record<ProjectSource, string> = {
  "claude-code": "Claude Code",
  vscode: "VS Code",
  cursor: "Cursor",
  windsurf: "Windsurf",
  zed: "Zed",
  settings: "you added it",
  "command-line": "named for one command",
};

/** For Settings: the project folders whose settings files Gatehouse reads, and adding one. */
export function ProjectFoldersCard() {
  const { load, reload } = useLoad(ipc.listProjectFolders);
  const [path, setPath] = useState("");
  const [doing, setDoing] = useState<Doing>({ state: "idle" });
  async function run(what: string, action: () => Promise<void>) {
    setDoing({ state: "busy" });
    try {
      await action();
      setDoing({ state: "idle" });
      reload();
    } catch (error) {
      setDoing({ state: "failed", doing: what, error: asUiError(error) });
    }
  }
  return (
    <div className="card" id="project-folders">
      <h3>Project folders</h3>
      <p>
        Projects can carry their own MCP servers. Gatehouse looks into the projects your apps opened recently, and into
        any folder you add here.
      </p>
      {load.state === "loading" && <Loading what="your projects" />}
      {load.state === "failed" && <ErrorNotice error={load.error} doing="find your projects" />}
      {load.state === "ready" && load.value.length === 0 && <p className="muted">No project folders yet.</p>}
      {load.state === "ready" && load.value.length > 0 && (
        <ul className="entry-list">
          {load.value.map((folder: ProjectFolder) => (
            <li key={folder.path} className="entry project-folder">
              <div className="entry-head">
                <div className="entry-title">
                  <span className="path">{folder.path}</span>
                  <span className="server-sub">
                    Found by: {folder.found_by.map((source) => FOUND_BY[source]).join(", ")}
                  </span>
                </div>
                {folder.found_by.includes("settings") && (
                  <button
                    type="button"
                    className="secondary remove-folder"
                    disabled={doing.state === "busy"}
                    onClick={() => run(`stop looking into ${folder.path}`, () => ipc.removeProjectFolder(folder.path))}
                  >
                    Stop looking here
                  </button>
                )}
              </div>
            </li>
          ))}
        </ul>
      )}
      <form
        className="field add-folder"
        onSubmit={(event) => {
          event.preventDefault();
          if (path.trim() === "") return;
          void run(`add ${path}`, async () => {
            await ipc.addProjectFolder(path);
            setPath("");
          });
        }}
      >
        <label className="field-label" htmlFor="project-folder-path">
          Another folder to look into
        </label>
        <div className="field-row">
          <input
            id="project-folder-path"
            value={path}
            placeholder="The folder's full path, such as /home/you/projects/shop"
            onChange={(event) => setPath(event.target.value)}
          />
          <button type="submit" disabled={doing.state === "busy" || path.trim() === ""}>
            Add folder
          </button>
        </div>
      </form>
      {doing.state === "failed" && <ErrorNotice error={doing.error} doing={doing.doing} />}
    </div>
  );
}
