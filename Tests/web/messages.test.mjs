import assert from "node:assert/strict";
import { test } from "node:test";

import { CONVERSATION, GRACE, ME, message, recordedState } from "./support.mjs";

const conversationId = CONVERSATION.toLowerCase();

test("a message that arrives twice is one message, in seq order, ids in lower case", () => {
  const { state, of } = recordedState();
  state.messages.add(CONVERSATION, [message(2), message(1)]);
  state.messages.add(CONVERSATION, [message(2, { content: "again" })]);
  assert.deepEqual(state.messages.list(CONVERSATION).map((m) => m.seq), [1, 2]);
  assert.equal(state.messages.list(CONVERSATION)[1].content, "again");
  assert.equal(state.messages.list(CONVERSATION)[0].id, message(1).id.toLowerCase());
  assert.equal(state.messages.list(CONVERSATION)[0].senderId, GRACE.id.toLowerCase());
  const [first, second] = of("messages");
  assert.deepEqual([first.added.length, first.changed.length], [2, 0]);
  assert.deepEqual(second, { topic: "messages", conversationId, added: [], changed: [message(2).id.toLowerCase()], removed: [] });
});

test("the stored message takes its pending copy's place, told as one removed and one added", () => {
  const { state, of } = recordedState();
  state.messages.add(CONVERSATION, [{ ...message(0), id: "pending-c1", seq: Infinity, clientMessageId: "c1", pending: true }]);
  state.messages.add(CONVERSATION, [message(5, { clientMessageId: "c1", senderId: ME.id })]);
  assert.deepEqual(state.messages.list(CONVERSATION).map((m) => m.id), [message(5).id.toLowerCase()]);
  assert.deepEqual(of("messages")[1].removed, ["pending-c1"]);
  assert.equal(state.messages.newestSeq(CONVERSATION), 5);
});

test("pending messages come last, in the order written", () => {
  const { state } = recordedState();
  const pending = (n, minute) => ({ ...message(0), id: `pending-${n}`, seq: Infinity, pending: true, createdAt: `2026-12-05T11:0${minute}:00.000Z` });
  state.messages.add(CONVERSATION, [pending("b", 2), message(3), pending("a", 1), message(1)]);
  assert.deepEqual(state.messages.list(CONVERSATION).map((m) => m.id.slice(-1)), ["1", "3", "a", "b"]);
  assert.equal(state.messages.newestSeq(CONVERSATION), 3);
});

test("whether older messages remain comes from the first page and older ones, not from live ones", () => {
  const { state } = recordedState();
  assert.equal(state.messages.hasMore(CONVERSATION), true);
  state.messages.add(CONVERSATION, [message(10)], { hasMore: true });
  state.messages.add(CONVERSATION, [message(11)], { hasMore: false });
  assert.equal(state.messages.hasMore(CONVERSATION), true);
  state.messages.add(CONVERSATION, [message(9)], { older: true, hasMore: false });
  assert.equal(state.messages.hasMore(CONVERSATION), false);
});

test("reactions follow the server's count; `me` only from the user's own", () => {
  const { state, of } = recordedState();
  state.messages.add(CONVERSATION, [message(1)]);
  const change = { conversationId: CONVERSATION, messageId: message(1).id, emoji: "👍" };
  state.messages.reacted({ ...change, userId: GRACE.id, count: 1 }, true, ME.id.toLowerCase());
  state.messages.reacted({ ...change, userId: ME.id, count: 2 }, true, ME.id.toLowerCase());
  assert.deepEqual(state.messages.get(CONVERSATION, message(1).id).reactions, [{ emoji: "👍", count: 2, me: true }]);
  state.messages.reacted({ ...change, userId: GRACE.id, count: 1 }, false, ME.id.toLowerCase());
  assert.deepEqual(state.messages.get(CONVERSATION, message(1).id).reactions, [{ emoji: "👍", count: 1, me: true }]);
  state.messages.reacted({ ...change, userId: ME.id, count: 0 }, false, ME.id.toLowerCase());
  assert.deepEqual(state.messages.get(CONVERSATION, message(1).id).reactions, []);
  assert.ok(of("messages").slice(1).every((c) => c.changed.length === 1 && c.added.length === 0));
});

test("a receipt never moves back, and only a move is told", () => {
  const { state, of } = recordedState();
  state.messages.setRead(CONVERSATION, GRACE.id, 4);
  state.messages.setRead(CONVERSATION, GRACE.id, 2);
  state.messages.setRead(CONVERSATION, GRACE.id, 4);
  assert.equal(state.messages.isRead(CONVERSATION, 4), true);
  assert.equal(state.messages.isRead(CONVERSATION, 5), false);
  assert.equal(of("receipts").length, 1);
});

test("the change watermark moves only over consecutive changes, from the list's", () => {
  const { state } = recordedState();
  state.conversations.set([{ id: CONVERSATION, participants: [], lastChangeSeq: 7 }]);
  assert.equal(state.changeSeqOf(CONVERSATION), 7);
  state.noteChange(CONVERSATION, 9); // 8 is missing: a catch-up must ask from 7
  assert.equal(state.changeSeqOf(CONVERSATION), 7);
  state.noteChange(CONVERSATION, 8);
  state.noteChange(CONVERSATION, 9);
  assert.equal(state.changeSeqOf(CONVERSATION), 9);
  state.messages.setChangeSeq(CONVERSATION, 5);
  assert.equal(state.changeSeqOf(CONVERSATION), 9);
});

test("every stored version of a message has a newer revision, so a view can skip what did not move", () => {
  const { state } = recordedState();
  state.messages.add(CONVERSATION, [message(1), message(2)]);
  const revision = (seq) => state.messages.get(CONVERSATION, message(seq).id).revision;
  const [first, second] = [revision(1), revision(2)];
  assert.ok(second > first);
  state.messages.patch(CONVERSATION, message(1).id, { content: "edited" });
  assert.ok(revision(1) > second);
  const patched = revision(1);
  state.messages.reacted({ conversationId: CONVERSATION, messageId: message(1).id, userId: GRACE.id, emoji: "👍", count: 1 }, true, ME.id);
  assert.ok(revision(1) > patched);
  assert.equal(revision(2), second); // untouched
});

test("a group's readers of a message are those whose receipt reached it", () => {
  const { state } = recordedState();
  state.messages.setRead("G1", "ADA", 5);
  state.messages.setRead("G1", "grace", 3);
  assert.deepEqual(state.messages.readers("g1", 4), ["ada"]);
  assert.deepEqual(state.messages.readers("G1", 3).sort(), ["ada", "grace"]);
  assert.deepEqual(state.messages.readers("G1", 6), []);
});
