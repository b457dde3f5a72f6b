import { Icon } from "../components/Icon";
import { ErrorNotice, Loading } from "../components/Notice";
import { ipc, type PolicyView as View } from "../lib/ipc";
import { useLoad } from "../lib/useLoad";
import { ageWords } from "../lib/time";
import { HubChanges } from "./HubChanges";
import { RuleRows, ServerRulesCard } from "./ServerRulesCard";

export function PolicyView() {
  const { load } = useLoad(ipc.policyView);
  return (
    <section aria-labelledby="policy-title">
      <div className="view-head">
        <h2 id="policy-title">Policy</h2>
        <p>The rules in force on this computer, and who set each one.</p>
      </div>
      {load.state === "loading" && <Loading what="the policy" />}
      {load.state === "failed" && <ErrorNotice error={load.error} doing="read the policy" />}
      {load.state === "ready" && <PolicyBody view={load.value} />}
    </section>
  );
}

function PolicyBody({ view }: { view: View }) {
  const snapshot = view.snapshot;
  return (
    <>
      <div className="card snapshot" id="policy-snapshot">
        {snapshot ? (
          <dl className="facts">
            <dt>Organization</dt>
            <dd>{snapshot.org}{view.area && <> · area {view.area}</>}</dd>
            <dt>Policy version</dt>
            <dd id="policy-serial">version {snapshot.serial}</dd>
            <dt>Confirmed by the hub</dt>
            <dd>
              {ageWords(snapshot.age_secs)} ago
              {snapshot.stale && (
                <span className="badge badge-bad">
                  <Icon name="clock" /> <span>Out of date</span>
                </span>
              )}
            </dd>
            <dt>Signed with</dt>
            <dd>
              key <code>{snapshot.key_id}</code>
              {snapshot.key_fingerprint && (
                <div className="fingerprint" title="SHA-256 of the signing key">
                  {snapshot.key_fingerprint}
                </div>
              )}
            </dd>
          </dl>
        ) : (
          <p>No hub is configured, so only your own settings (~/.mcp/config.yaml) and Gatehouse's defaults apply.</p>
        )}
      </div>
      {snapshot && <HubChanges />}
      <table className="rules" aria-label="Rules in force">
        <thead>
          <tr>
            <th scope="col">Rule</th>
            <th scope="col">In force</th>
            <th scope="col">Set by</th>
          </tr>
        </thead>
        <tbody>
          <RuleRows rules={view.rules} />
        </tbody>
      </table>
      <ServerRulesCard servers={view.servers} />
      {view.diagnostics.length > 0 && (
        <div className="card diagnostics">
          <h3>Ignored because they were looser than the rules in force</h3>
          <ul>
            {view.diagnostics.map((clamp, index) => (
              <li key={index}>{clamp.text}</li>
            ))}
          </ul>
        </div>
      )}
    </>
  );
}
