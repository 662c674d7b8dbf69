import assert from "node:assert/strict";
import { test } from "node:test";

import { CONVERSATION, GRACE, recordedState } from "./support.mjs";

test("only a change of status is told", () => {
  const { state, of } = recordedState();
  state.presence.set(GRACE.id, "online");
  state.presence.set(GRACE.id, "online");
  state.presence.setMany([[GRACE.id, "online"], ["u2", "offline"]]);
  assert.deepEqual(of("presence").map((c) => c.userIds), [[GRACE.id.toLowerCase()], ["u2"]]);
  assert.equal(state.presence.statusOf(GRACE.id.toUpperCase()), "online");
});

test("typing names who types in which conversation", () => {
  const { state, of } = recordedState();
  state.presence.setTyping(CONVERSATION, GRACE.id, true, "Grace");
  state.presence.setTyping(CONVERSATION, "u2", true, "Ada");
  assert.deepEqual(state.presence.typists(CONVERSATION), ["Grace", "Ada"]);
  state.presence.setTyping(CONVERSATION, GRACE.id, false);
  state.presence.setTyping(CONVERSATION, GRACE.id, false); // not typing already: nothing to tell
  assert.deepEqual(state.presence.typists(CONVERSATION), ["Ada"]);
  assert.equal(of("typing").length, 3);
});

test("when someone was last online is kept, and a status without a time keeps it", () => {
  const { state, of } = recordedState();
  state.presence.set(GRACE.id, "offline", "2026-12-05T09:00:00.000Z");
  state.presence.set(GRACE.id, "offline", "2026-12-05T09:00:00.000Z"); // the same: nothing to tell
  state.presence.setMany([[GRACE.id, "offline"]]); // a directory page knows no time
  assert.equal(state.presence.lastSeenOf(GRACE.id), "2026-12-05T09:00:00.000Z");
  state.presence.set(GRACE.id, "offline", "2026-12-05T10:00:00.000Z");
  assert.equal(of("presence").length, 2);
  assert.equal(state.presence.lastSeenOf("nobody"), null);
});
