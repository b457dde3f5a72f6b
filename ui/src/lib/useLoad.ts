import { useCallback, useEffect, useRef, useState } from "react";
import { asUiError, events, type UiError } from "./ipc";

export type Load<T> =
  | { state: "loading" }
  | { state: "ready"; value: T }
  | { state: "failed"; error: UiError };

/**
 * Loads `fetch` now, again when the app says something changed, and when `reload` is
 * called. A reload keeps showing the previous value until the new one arrives, so the view
 * does not flash back to its loading state.
 */
export function useLoad<T>(fetch: () => Promise<T>, deps: unknown[] = []) {
  const [load, setLoad] = useState<Load<T>>({ state: "loading" });
  const latest = useRef(0);
  const reload = useCallback(async () => {
    const ticket = ++latest.current;
    try {
      const value = await fetch();
      if (ticket === latest.current) setLoad({ state: "ready", value });
    } catch (error) {
      if (ticket === latest.current) setLoad({ state: "failed", error: asUiError(error) });
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  useEffect(() => {
    void reload();
    let unlisten: (() => void) | undefined;
    let gone = false;
    events
      .onChanged(() => void reload())
      .then((stop) => (gone ? stop() : (unlisten = stop)))
      .catch(() => undefined);
    return () => {
      gone = true;
      unlisten?.();
    };
  }, [reload]);
  return { load, reload };
}
