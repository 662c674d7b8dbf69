import assert from "node:assert/strict";
import { after, beforeEach, test } from "node:test";

import { memoryStorage } from "./support.mjs";

// The browser's globals the keeper and the API use, made small: storage, a document that
// takes listeners, and a fetch that answers what each test says.
globalThis.sessionStorage = memoryStorage();
globalThis.localStorage = memoryStorage();
globalThis.document = { addEventListener() {}, visibilityState: "visible" };
// Web Locks as a browser grants them: one holder at a time, in the order asked.
let held = Promise.resolve();
globalThis.navigator = { locks: { request: (name, body) => { const run = held.then(body); held = run.catch(() => {}); return run; } } };
let answers = [];
const requests = [];
globalThis.fetch = async (path, options) => {
  requests.push({ path, method: options.method, authorization: options.headers.Authorization ?? null });
  const answer = answers.shift() ?? { status: 500, body: {} };
  if (answer.offline) throw new TypeError("Failed to fetch");
  return { ok: answer.status < 300, status: answer.status, statusText: "", text: async () => JSON.stringify(answer.body) };
};

const { api, session } = await import("../../Web/js/api.js");
const { createSessionKeeper } = await import("../../Web/js/session-renewal.js");

const renewed = (n) => ({ status: 200, body: { token: `token-${n}`, expiresAt: new Date(Date.now() + 900_000).toISOString(), user: {} } });
const refused = { status: 401, body: { error: { code: "invalid_token", message: "Your session has ended" } } };
const heard = [];
const keeper = createSessionKeeper({ onRenewed: (answer) => heard.push(answer.token), onEnded: () => heard.push("ended") });

after(() => keeper.end()); // its renewal timer would hold the process for minutes

beforeEach(() => {
  answers = [];
  requests.length = 0;
  heard.length = 0;
  keeper.end();
  session.token = null;
});

test("a tab with no session of the browser asks nothing, and says so", async () => {
  assert.equal(await keeper.resume(), false);
  assert.deepEqual(requests, [], "no refused request to log");
});

test("a new tab signs in from the browser's session", async () => {
  keeper.begin(renewed(0).body);
  session.token = null; // another tab: it has the browser's session, not a token
  answers = [renewed(1)];
  assert.equal(await keeper.resume(), true);
  assert.equal(session.token, "token-1");
  assert.deepEqual(requests.map((r) => `${r.method} ${r.path}`), ["POST /api/auth/refresh"]);
  assert.equal(requests[0].authorization, null, "the cookie speaks for the browser");
  assert.deepEqual(heard, ["token-1"]);
});

test("requests refused at once for an expired token renew once, then go again", async () => {
  keeper.begin(renewed(0).body);
  answers = [refused, refused, renewed(1), { status: 200, body: { n: 1 } }, { status: 200, body: { n: 2 } }];
  const [first, second] = await Promise.all([api.me(), api.policy()]);
  assert.deepEqual([first.n, second.n].sort(), [1, 2]);
  assert.equal(requests.filter((r) => r.path === "/api/auth/refresh").length, 1, "one renewal for both");
  assert.deepEqual(requests.slice(3).map((r) => r.authorization), ["Bearer token-1", "Bearer token-1"]);
});

test("a session that ended is said once, and the browser is no longer thought to hold one", async () => {
  keeper.begin(renewed(0).body);
  let signedOut = 0;
  const { whenUnauthorized } = await import("../../Web/js/api.js");
  whenUnauthorized(() => { signedOut += 1; });
  answers = [refused, refused];
  await assert.rejects(api.me(), (error) => error.status === 401);
  assert.equal(signedOut, 1);
  assert.equal(await keeper.resume(), false);
  assert.equal(requests.length, 2, "nothing more asked once the session is known gone");
});

test("a renewal that cannot reach the server is not an ending", async () => {
  keeper.begin(renewed(0).body);
  answers = [{ offline: true }];
  assert.equal(await keeper.renew(), false);
  assert.notEqual(localStorage.getItem("chat.sessionHeld"), null, "still held: tried again later");
  answers = [renewed(2)];
  assert.equal(await keeper.renew(), true);
  assert.equal(session.token, "token-2");
});
