// Keeps this tab signed in from the browser's session. The access token lives minutes; the
// session's refresh token is an HttpOnly cookie no script reads, which renews it before it
// expires (and after a refusal, once). Tabs renew one at a time under a Web Lock, so none
// presents a refresh token another tab has just replaced, and a new tab signs in from the
// cookie without asking for the password.

import { api, session, whenTokenRefused } from "./api.js";

const LOCK = "chat.session";
// Whether this browser holds a session cookie, which no script can see: without one there is
// nothing to renew, and no refused request to log.
const HELD = "chat.sessionHeld";
const EARLY = 120_000; // before expiry: a hidden tab's timers may run a minute late
const RETRY = 3_000; // after a renewal that could not reach the server: well within the server's grace
const SOONEST = 5_000;

/** `onRenewed(answer)`: a new token (the socket takes it); `onEnded()`: the session is over. */
export function createSessionKeeper({ onRenewed, onEnded }) {
  let timer = null;
  let renewing = null;

  /**
   * When to renew: `EARLY` before expiry, or at 80 % of a shorter life; never sooner than
   * `SOONEST` (a clock far off, or a token already expired, cannot make it renew in a loop).
   */
  function schedule(delay = null) {
    clearTimeout(timer);
    const expires = session.expiresAt;
    if (!expires) return;
    const left = expires - Date.now();
    timer = setTimeout(renewOnTime, delay ?? Math.max(SOONEST, left - EARLY, left * 0.8));
  }

  async function renewOnTime() {
    const outcome = await renew();
    if (outcome === "unreachable" && session.token) schedule(RETRY);
    else if (outcome === "ended") onEnded();
  }

  /**
   * Renews this tab's token: "renewed", "ended" (the session is over) or "unreachable".
   * `stale`: the token a refused request carried; if the tab has another since, it was
   * renewed meanwhile.
   */
  function renew(stale = null) {
    if (stale && session.token && stale !== session.token) return Promise.resolve("renewed");
    if (localStorage.getItem(HELD) !== "yes") return Promise.resolve("ended");
    renewing ??= withLock(async () => {
      try {
        const answer = await api.refresh();
        session.keep(answer);
        schedule();
        onRenewed(answer);
        return "renewed";
      } catch (error) {
        if (error.status === 0 || error.retryable) return "unreachable";
        localStorage.removeItem(HELD);
        return "ended";
      }
    }).finally(() => { renewing = null; });
    return renewing;
  }

  whenTokenRefused(async (token) => (await renew(token)) === "renewed");
  // A tab coming back from the background renews at once if its timer slept through.
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && session.expiresAt && session.expiresAt - Date.now() < EARLY) renewOnTime();
  });

  return {
    /** A sign-in's answer: this tab's token, and the browser's session for its other tabs. */
    begin(answer) {
      session.keep(answer);
      localStorage.setItem(HELD, "yes");
      schedule();
    },
    /** Signed out: the session is gone for every tab. */
    end() {
      clearTimeout(timer);
      localStorage.removeItem(HELD);
    },
    /** Signs this tab in from the browser's session, if it has one: whether it did. */
    resume: async () => (await renew()) === "renewed",
    /** Renews now (the socket was refused an expired token): whether it did. */
    renew: async () => (await renew(session.token)) === "renewed",
    schedule: () => schedule(),
    stop: () => clearTimeout(timer),
  };
}

function withLock(body) {
  return navigator.locks?.request ? navigator.locks.request(LOCK, body) : body();
}
