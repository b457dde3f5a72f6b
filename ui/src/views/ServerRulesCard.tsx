import type { PolicyView, RuleLine } from "../lib/ipc";

/**
 * The rules the organization set for particular servers: an area that lists a server by
 * name, or a rule of its own. They can block a server that the rules above allow, so they
 * are shown here rather than only in the server's reasons.
 */
export function ServerRulesCard({ servers }: { servers: PolicyView["servers"] }) {
  if (servers.length === 0) return null;
  return (
    <div className="card" id="policy-server-rules">
      <h3>Rules for particular servers</h3>
      <p className="muted">On top of the rules above, your organization set these for some servers by name.</p>
      {servers.map((server) => (
        <div key={server.server} className="server-rules" data-server={server.server}>
          <h4>
            <code>{server.server}</code>
            {server.area && <span className="muted"> · in the area {server.area}</span>}
          </h4>
          <table className="rules" aria-label={`Rules for ${server.server}`}>
            <tbody>
              <RuleRows rules={server.rules} />
            </tbody>
          </table>
        </div>
      ))}
    </div>
  );
}

/** One row per rule: what it is about, its value, who set it. */
export function RuleRows({ rules }: { rules: RuleLine[] }) {
  return (
    <>
      {rules.map((rule) => (
        <tr key={rule.key + rule.layer} data-rule={rule.key}>
          <th scope="row">{rule.label}</th>
          <td>{rule.value}</td>
          <td className="layer">{rule.set_by}</td>
        </tr>
      ))}
    </>
  );
}
