import assert from "node:assert/strict";
import { test } from "node:test";

import { replyPreview } from "../../Web/js/state/messages.js";
import { CONVERSATION, ME, memoryStorage, message, recordedState } from "./support.mjs";

const original = message(2, { content: "é".repeat(120) });
const reply = (seq, fields = {}) => message(seq, { replyTo: replyPreview(original), senderId: ME.id, ...fields });

test("a reply's preview is cut as the server cuts it, by code points", () => {
  const preview = replyPreview({ ...original, content: "👋🏽".repeat(60) });
  assert.equal([...preview.snippet].length, 100);
  assert.equal(preview.seq, 2);
  assert.deepEqual(replyPreview({ ...original, deletedAt: "2026-12-05T10:00:00Z", content: "" }).deleted, true);
  assert.equal("seq" in replyPreview({ ...original, seq: Infinity }), false); // a pending message has no place yet
});

test("an edit or a delete of the original changes the replies that show it", () => {
  const { state, of } = recordedState();
  state.signIn(ME);
  state.messages.add(CONVERSATION, [original, reply(3), message(4)]);
  const id = original.id.toLowerCase();
  const replyId = message(3).id.toLowerCase();
  assert.equal(state.messages.get(CONVERSATION, replyId).replyTo.snippet, "é".repeat(100));

  state.messages.patch(CONVERSATION, id, { content: "fixed" });
  assert.equal(state.messages.get(CONVERSATION, replyId).replyTo.snippet, "fixed");
  assert.deepEqual(of("messages").at(-1).changed, [id, replyId]);

  // The same edit again (an ack after the event) changes nothing more.
  const revision = state.messages.get(CONVERSATION, replyId).revision;
  state.messages.add(CONVERSATION, [{ ...original, content: "fixed" }]);
  assert.equal(state.messages.get(CONVERSATION, replyId).revision, revision);

  state.messages.add(CONVERSATION, [{ ...original, content: "", deletedAt: "2026-12-05T11:00:00.000Z" }]);
  const gone = state.messages.get(CONVERSATION, replyId).replyTo;
  assert.equal(gone.deleted, true);
  assert.equal(gone.snippet, "");
});

test("an original older than what is loaded still changes its replies", () => {
  const { state, of } = recordedState();
  state.signIn(ME);
  state.messages.add(CONVERSATION, [reply(30)]);
  assert.equal(state.messages.patch(CONVERSATION, original.id, { content: "", deletedAt: "2026-12-05T11:00:00.000Z" }), false);
  assert.equal(state.messages.get(CONVERSATION, message(30).id).replyTo.deleted, true);
  assert.deepEqual(of("messages").at(-1).changed, [message(30).id.toLowerCase()]);
  // An edit of a message nothing answers tells no one.
  const told = of("messages").length;
  state.messages.patch(CONVERSATION, message(99).id, { content: "x" });
  assert.equal(of("messages").length, told);
});

test("a reply started is kept with its draft, survives a reload, and goes with a send", () => {
  const storage = memoryStorage();
  const { state } = recordedState(storage);
  state.signIn(ME);
  const preview = replyPreview(original);
  state.drafts.setReplyTo(CONVERSATION, preview);
  assert.equal(state.drafts.any, false); // nothing written yet
  state.drafts.set(CONVERSATION, "good point");

  const reloaded = recordedState(storage).state;
  reloaded.signIn(ME);
  assert.equal(reloaded.drafts.get(CONVERSATION), "good point");
  assert.deepEqual(reloaded.drafts.replyTo(CONVERSATION), { ...preview, id: preview.id.toLowerCase() });
  reloaded.drafts.clear(CONVERSATION);
  assert.equal(reloaded.drafts.replyTo(CONVERSATION), null);
  assert.deepEqual(storage.items, {});
});

test("drafts kept by older pages (text alone) still load, and broken ones are dropped", () => {
  const storage = memoryStorage({
    [`chat.drafts.${ME.id.toLowerCase()}`]: JSON.stringify({ a: "old text", b: { text: "", replyTo: { id: "X" } }, c: { replyTo: "nope" }, d: 7 }),
  });
  const { state } = recordedState(storage);
  state.signIn(ME);
  assert.equal(state.drafts.get("a"), "old text");
  assert.equal(state.drafts.replyTo("b").id, "x");
  assert.equal(state.drafts.get("c"), "");
  assert.equal(state.drafts.get("d"), "");
});

test("an unsent reply waits in the outbox with what it answers", () => {
  const storage = memoryStorage();
  const { state } = recordedState(storage);
  state.signIn(ME);
  const entry = { clientMessageId: "c1", conversationId: CONVERSATION, content: "yes", createdAt: "2026-12-05T10:00:00.000Z", replyTo: replyPreview(original) };
  state.outbox.add(entry);
  const reloaded = recordedState(storage).state;
  reloaded.signIn(ME);
  assert.equal(reloaded.outbox.list()[0].replyTo.id, original.id);
});
