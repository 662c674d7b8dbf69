import assert from "node:assert/strict";
import { test } from "node:test";

import { GRACE, ME, message, recordedState } from "./support.mjs";

test("a message is editable by its sender within the server's edit window only", () => {
  const { state } = recordedState();
  state.signIn(ME);
  const mine = message(1, { senderId: ME.id });
  const sent = Date.parse(mine.createdAt);
  assert.equal(state.session.canEdit(mine, sent + 3_600_000), true, "no policy known: nothing held back");
  state.session.setPolicy({ maxMessageLength: 10000, editWindowSeconds: 900, maxReactionsPerMessage: 20 });
  assert.equal(state.session.canEdit(mine, sent + 899_000), true);
  assert.equal(state.session.canEdit(mine, sent + 900_000), false);
  assert.equal(state.session.canEdit(message(2, { senderId: GRACE.id }), sent), false, "someone else's");
  assert.equal(state.session.canEdit({ ...mine, deletedAt: mine.createdAt }, sent), false, "deleted");
  state.session.setPolicy({ maxMessageLength: 10000, maxReactionsPerMessage: 20 });
  assert.equal(state.session.canEdit(mine, sent + 86_400_000 * 365), true, "no window: always");
});

test("signing out forgets the policy", () => {
  const { state } = recordedState();
  state.signIn(ME);
  state.session.setPolicy({ maxMessageLength: 5, editWindowSeconds: 1, maxReactionsPerMessage: 1 });
  state.signOut();
  assert.equal(state.session.policy, null);
});
