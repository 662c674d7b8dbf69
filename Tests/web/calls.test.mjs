import assert from "node:assert/strict";
import { test } from "node:test";

import { CONVERSATION, GRACE, ME, recordedState } from "./support.mjs";

/** A call as `call_state` carries it: Grace calls the reader unless told otherwise. */
function call(status, states, { id = "CA11-1", caller = GRACE.id } = {}) {
  const parties = [caller, ...[ME.id, GRACE.id, "u3"].filter((user) => user !== caller)].slice(0, states.length);
  return {
    id, conversationId: CONVERSATION, media: "video", status, callerId: caller, startedAt: "2026-12-06T10:00:00.000Z",
    participants: parties.map((userId, i) => ({ userId, state: states[i], audio: true, video: true })),
  };
}

function signedIn() {
  const recorded = recordedState();
  recorded.state.signIn(ME);
  return recorded;
}

test("a call rings on the page until it is answered on another device of the reader", () => {
  const { state, of } = signedIn();
  state.calls.received(call("ringing", ["joined", "ringing"]));
  assert.deepEqual(state.calls.ringing().map((c) => c.id), ["CA11-1"]);
  // Answered on the reader's phone: this page stops ringing and is not in the call.
  state.calls.received(call("active", ["joined", "joined"]));
  assert.deepEqual(state.calls.ringing(), []);
  assert.equal(state.calls.here, null);
  assert.deepEqual(of("calls").map((c) => c.callId), ["ca11-1", "ca11-1"]);
});

test("a call that ends or is declined elsewhere stops ringing; others' calls never ring", () => {
  const { state, of } = signedIn();
  state.calls.received(call("ringing", ["joined", "ringing"]));
  state.calls.received(call("ended", ["joined", "missed"]));
  assert.deepEqual(state.calls.ringing(), []);
  state.calls.received(call("ringing", ["joined", "ringing"], { id: "CA11-2" }));
  state.calls.received(call("ringing", ["joined", "declined"], { id: "CA11-2" })); // a group: the reader declined on another device
  assert.deepEqual(state.calls.ringing(), []);
  // A call the reader placed (their own part is "joined") does not ring for them.
  state.calls.received(call("ringing", ["joined", "ringing"], { id: "CA11-3", caller: ME.id }));
  assert.deepEqual(state.calls.ringing(), []);
  assert.equal(of("calls").length, 4, "only the changes are told");
});

test("the call here follows the server and names the peers who joined", () => {
  const { state } = signedIn();
  const placed = call("ringing", ["joined", "ringing", "ringing"], { caller: ME.id });
  state.calls.joined(placed);
  assert.equal(state.calls.here.status, "ringing");
  assert.deepEqual(state.calls.peers(), []);
  state.calls.received(call("active", ["joined", "joined", "ringing"], { caller: ME.id }));
  assert.deepEqual(state.calls.peers(), [GRACE.id.toLowerCase()]);
  state.calls.received(call("ended", ["left", "left", "missed"], { caller: ME.id }));
  assert.equal(state.calls.here.status, "ended");
  assert.deepEqual(state.calls.peers(), []);
  state.calls.left();
  assert.equal(state.calls.here, null);
});

test("answering here takes the call out of the ringing ones; signing out forgets every call", () => {
  const { state } = signedIn();
  state.calls.received(call("ringing", ["joined", "ringing"]));
  state.calls.joined(call("active", ["joined", "joined"]));
  assert.deepEqual(state.calls.ringing(), []);
  assert.equal(state.calls.here.id, "CA11-1");
  // The call here is not rung again by its own state.
  state.calls.received(call("active", ["joined", "joined"]));
  assert.deepEqual(state.calls.ringing(), []);
  state.calls.received(call("ringing", ["joined", "ringing"], { id: "CA11-9" }));
  state.signOut();
  assert.deepEqual(state.calls.ringing(), []);
  assert.equal(state.calls.here, null);
});
