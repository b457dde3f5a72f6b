import { VerdictBadge } from "../components/Badges";
import { Icon } from "../components/Icon";
import type { ClientFileView, ExtensionView } from "../lib/ipc";

/** What an extension's switch says, in words. */
function state(extension: ExtensionView): string {
  if (extension.error) return "Cannot be read, so Gatehouse cannot judge it";
  if (extension.enabled) return "On";
  if (extension.disabled_by_gatehouse) return "Turned off by Gatehouse, because your organization's policy blocks it";
  return "Off (you turned it off)";
}

/**
 * For Settings: an app's extensions (Claude Desktop's one-click servers). The app starts them
 * itself, so Gatehouse cannot check them at each start; it judges them by name and turns off
 * the ones the policy blocks.
 */
export function ExtensionsRow({ file }: { file: ClientFileView }) {
  return (
    <li className="entry client-file extensions" data-client={file.client}>
      <div className="entry-head">
        <div className="entry-title">
          <strong>{file.label} extensions</strong>
          <span className="path">{file.path}</span>
          <span className="server-sub">
            {file.label} starts these itself. Gatehouse judges each by its name and turns off any your organization
            blocks.
          </span>
        </div>
      </div>
      <ul className="entry-list">
        {file.extensions.map((extension) => (
          <li key={extension.id} className="entry extension" data-extension={extension.id}>
            <div className="entry-title">
              <strong>{extension.display_name}</strong>
              {extension.version && <span className="server-sub"> version {extension.version}</span>}
            </div>
            <div className="entry-verdict">
              {extension.verdict && <VerdictBadge verdict={extension.verdict.verdict} />}
              <span className="muted extension-state">
                {extension.verdict?.verdict === "block" && <Icon name="cross" />} {state(extension)}
              </span>
              {extension.verdict?.reasons.map((reason) => (
                <p key={reason} className="entry-reason">
                  {reason}
                </p>
              ))}
              {extension.error && <p className="entry-violation">{extension.error}</p>}
            </div>
          </li>
        ))}
      </ul>
    </li>
  );
}
