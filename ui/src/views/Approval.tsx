import { useState } from "react";
import { Icon } from "../components/Icon";
import { ErrorNotice } from "../components/Notice";
import { asUiError, ipc, type ServerView, type UiError } from "../lib/ipc";
import "./approval.css";

/**
 * "Always for this version", where the person can see it and take it back: a server that
 * asks first says it runs without asking, and "Ask me again" forgets every such answer.
 */
export function Approval({ server }: { server: ServerView }) {
  const [state, setState] = useState<{ busy?: boolean; error?: UiError }>({});
  if (server.approvals === 0) return null;
  async function revoke() {
    setState({ busy: true });
    try {
      await ipc.revokeApprovals(server.id);
      setState({});
    } catch (error) {
      setState({ error: asUiError(error) });
    }
  }
  const version = server.version ? `version ${server.version}` : "this version";
  return (
    <div className="approval" data-approved={server.approved}>
      <Icon name="check" />
      <span className="approval-text">
        {server.approved
          ? `You chose to always run ${version}: it starts without asking.`
          : "You chose to always run an earlier version, or under earlier rules; this one asks again."}
      </span>
      <button type="button" className="secondary approval-revoke" onClick={revoke} disabled={state.busy}>
        Ask me again
      </button>
      {state.error && <ErrorNotice error={state.error} doing="take back your answer" />}
    </div>
  );
}
