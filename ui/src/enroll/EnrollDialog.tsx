import { useEffect, useState } from "react";
import { Icon } from "../components/Icon";
import { ErrorNotice, Loading } from "../components/Notice";
import { asUiError, ipc, type EnrollOfferView, type EnrollSignIn, type UiError } from "../lib/ipc";
import "./enroll.css";

type Offer =
  | { state: "loading" }
  | { state: "ready"; offer: EnrollOfferView }
  | { state: "failed"; error: UiError };

/**
 * "Join <org>?" for an enrollment link from the admin: the organization, its hub, and the
 * signing key's fingerprint to compare with what the admin sent; then sign in and join.
 * Gatehouse has already checked that the hub's key has this fingerprint.
 */
export function EnrollDialog({ link, onClose }: { link: string; onClose: () => void }) {
  const [offer, setOffer] = useState<Offer>({ state: "loading" });
  const [joined, setJoined] = useState<string | null>(null);

  useEffect(() => {
    let gone = false;
    setOffer({ state: "loading" });
    ipc
      .enrollOffer(link)
      .then((value) => !gone && setOffer({ state: "ready", offer: value }))
      .catch((error) => !gone && setOffer({ state: "failed", error: asUiError(error) }));
    return () => {
      gone = true;
    };
  }, [link]);

  return (
    <div className="enroll-backdrop">
      <section className="enroll-dialog" role="dialog" aria-modal="true" aria-labelledby="enroll-title" id="enroll-dialog">
        {offer.state === "loading" && <Loading what="the invitation" />}
        {offer.state === "failed" && (
          <>
            <h2 id="enroll-title">This invitation cannot be used</h2>
            <ErrorNotice error={offer.error} doing="read the invitation" />
            <div className="enroll-actions">
              <button type="button" className="secondary" id="enroll-cancel" onClick={onClose}>
                Close
              </button>
            </div>
          </>
        )}
        {offer.state === "ready" && joined === null && (
          <JoinForm link={link} offer={offer.offer} onJoined={setJoined} onCancel={onClose} />
        )}
        {offer.state === "ready" && joined !== null && (
          <>
            <h2 id="enroll-done">
              <Icon name="check" /> You joined {offer.offer.organization}
            </h2>
            <p>
              Gatehouse now follows {offer.offer.organization}’s policy: every MCP server on this computer is checked
              against it before it starts. {joined}
            </p>
            <div className="enroll-actions">
              <button type="button" id="enroll-finish" onClick={onClose} autoFocus>
                Done
              </button>
            </div>
          </>
        )}
      </section>
    </div>
  );
}

function JoinForm(props: {
  link: string;
  offer: EnrollOfferView;
  onJoined: (message: string) => void;
  onCancel: () => void;
}) {
  const { offer } = props;
  const [how, setHow] = useState<"password" | "token">("password");
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [token, setToken] = useState("");
  const [state, setState] = useState<{ busy?: boolean; error?: UiError }>({});
  const ready = how === "password" ? username.trim() !== "" && password !== "" : token.trim() !== "";

  async function join(e: React.FormEvent) {
    e.preventDefault();
    setState({ busy: true });
    const signIn: EnrollSignIn =
      how === "password" ? { kind: "password", username, password } : { kind: "token", token };
    try {
      const done = await ipc.enrollJoin(props.link, signIn);
      setPassword("");
      setToken("");
      props.onJoined(done.message);
    } catch (error) {
      setState({ error: asUiError(error) });
    }
  }

  return (
    <form onSubmit={join}>
      <h2 id="enroll-title">Join {offer.organization}?</h2>
      <p>
        Your organization’s admin invited this computer. Once it joins, Gatehouse follows{" "}
        {offer.organization}’s rules for which MCP servers may run here.
      </p>
      <dl className="facts enroll-facts">
        <dt>Organization</dt>
        <dd id="enroll-org">{offer.organization}</dd>
        {offer.area && (
          <>
            <dt>Group</dt>
            <dd id="enroll-area">{offer.area}</dd>
          </>
        )}
        <dt>Address</dt>
        <dd className="path">{offer.hub_url}</dd>
      </dl>
      <div className="enroll-code">
        <div className="enroll-code-label">
          <Icon name="shield" /> Security code
        </div>
        <div className="enroll-code-value" id="enroll-fingerprint" aria-label={`Security code ${offer.fingerprint}`}>
          {offer.fingerprint}
        </div>
        <p className="muted">
          Compare it with the code your admin sent you. If they differ, do not join: choose “Not now” and tell your
          admin.
        </p>
      </div>
      {offer.leaving && (
        <div className="notice notice-warn" id="enroll-leaving">
          This computer follows {offer.leaving} now. Joining {offer.organization} replaces it, and {offer.leaving} is
          told about the change first.
        </div>
      )}
      <fieldset className="enroll-sign-in">
        <legend>Sign in to {offer.organization}</legend>
        <div className="enroll-choice" role="radiogroup" aria-label="How to sign in">
          <label>
            <input type="radio" name="enroll-how" checked={how === "password"} onChange={() => setHow("password")} />{" "}
            With your user name and password
          </label>
          <label>
            <input type="radio" name="enroll-how" id="enroll-with-token" checked={how === "token"} onChange={() => setHow("token")} />{" "}
            With a sign-in code from your admin
          </label>
        </div>
        {how === "password" ? (
          <>
            <label className="field-label" htmlFor="enroll-username">
              User name
            </label>
            <input id="enroll-username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} autoFocus />
            <label className="field-label" htmlFor="enroll-password">
              Password
            </label>
            <input id="enroll-password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} />
          </>
        ) : (
          <>
            <label className="field-label" htmlFor="enroll-token">
              Sign-in code
            </label>
            <input id="enroll-token" type="password" value={token} onChange={(e) => setToken(e.target.value)} />
          </>
        )}
      </fieldset>
      {state.error && <ErrorNotice error={state.error} doing={`join ${offer.organization}`} />}
      <div className="enroll-actions">
        <button type="button" className="secondary" id="enroll-cancel" onClick={props.onCancel} disabled={state.busy}>
          Not now
        </button>
        <button type="submit" id="enroll-join" disabled={!ready || state.busy}>
          {state.busy ? "Joining…" : `Join ${offer.organization}`}
        </button>
      </div>
    </form>
  );
}
