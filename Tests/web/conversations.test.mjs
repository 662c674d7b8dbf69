import assert from "node:assert/strict";
import { test } from "node:test";

import { CONVERSATION, GRACE, ME, conversation, message, recordedState } from "./support.mjs";

test("a message from someone else counts as unread unless it is being read, and becomes the last", () => {
  const { state, of } = recordedState();
  state.conversations.set([conversation({ lastSeq: 1 })]);
  assert.equal(state.conversations.received(message(2), { countUnread: true }), true);
  assert.equal(state.conversations.received(message(2), { countUnread: true }), true); // the same again
  assert.equal(state.conversations.received(message(3), { countUnread: false }), true);
  const known = state.conversations.get(CONVERSATION);
  assert.equal(known.unreadCount, 1);
  assert.equal(known.lastMessage.seq, 3);
  assert.equal(state.title(), "(1) Chat");
  assert.deepEqual(of("conversations").at(-1).ids, [CONVERSATION.toLowerCase()]);
  assert.equal(state.conversations.received(message(1, { conversationId: "unknown" })), false);
});

test("the server's count stands unless the conversation is being read here", () => {
  const { state } = recordedState();
  state.conversations.set([conversation({ lastSeq: 3, unreadCount: 3 })]);
  state.conversations.updated({ conversationId: CONVERSATION, unreadCount: 2, lastSeq: 3 });
  assert.equal(state.conversations.unreadTotal(), 2);
  state.conversations.updated({ conversationId: CONVERSATION, unreadCount: 2, lastSeq: 3 }, { reading: true });
  assert.equal(state.conversations.unreadTotal(), 0);
  assert.equal(state.title(), "Chat");
});

test("the list is newest first and opening one tells which was open before", () => {
  const { state, of } = recordedState();
  const older = conversation({ id: "C2", updatedAt: "2026-12-01T00:00:00.000Z" });
  state.conversations.set([older, conversation()]);
  assert.deepEqual(state.conversations.list().map((c) => c.id), [CONVERSATION.toLowerCase(), "c2"]);
  state.conversations.open("C2");
  state.conversations.open(CONVERSATION);
  assert.deepEqual(of("open").at(-1), { topic: "open", id: CONVERSATION.toLowerCase(), previous: "c2" });
  state.conversations.open(null);
  assert.equal(state.conversations.openId, null);
});

test("a profile change reaches the participant everywhere; a field left out is cleared", () => {
  const { state } = recordedState();
  state.signIn(ME);
  state.conversations.set([conversation({ participants: [ME, { ...GRACE, headline: "Calculus", avatarUrl: "/a/1" }] })]);
  state.directory.set([{ ...GRACE, headline: "Calculus" }]);
  state.userUpdated({ id: GRACE.id, name: "Grace H.", avatarUrl: "/a/2" });
  assert.equal(state.userOf(GRACE.id).name, "Grace H.");
  assert.equal(state.userOf(GRACE.id).avatarUrl, "/a/2");
  assert.equal(state.userOf(GRACE.id).headline, undefined);
  assert.equal(state.directory.get(GRACE.id).name, "Grace H.");
  state.userUpdated({ id: ME.id, name: "Ada L." });
  assert.equal(state.me.name, "Ada L.");
  assert.equal(state.me.email, ME.email); // user_updated carries none: the user's own is kept
  assert.equal(state.nameOf("nobody"), "Someone");
});

test("signing out leaves nothing of the user in memory", () => {
  const { state, of } = recordedState();
  state.signIn(ME);
  state.conversations.set([conversation()]);
  state.messages.add(CONVERSATION, [message(1)]);
  state.presence.set(GRACE.id, "online");
  state.signOut();
  assert.equal(state.me, null);
  assert.equal(state.conversations.list().length, 0);
  assert.equal(state.messages.loaded(CONVERSATION), false);
  assert.equal(state.presence.statusOf(GRACE.id), undefined);
  assert.equal(of("reset").length, 1);
});

test("a next page of the list adds what is not there; a live copy is kept over the page's", () => {
  const { state, of } = recordedState();
  state.conversations.set([conversation({ lastSeq: 1 })]);
  state.conversations.received(message(2), { countUnread: true });
  state.conversations.set([conversation({ lastSeq: 1 }), conversation({ id: "C9", updatedAt: "2026-11-01T00:00:00.000Z" })], { append: true });
  assert.equal(state.conversations.get(CONVERSATION).lastSeq, 2);
  assert.deepEqual(state.conversations.list().map((c) => c.id), [CONVERSATION.toLowerCase(), "c9"]);
  assert.deepEqual(of("conversations").at(-1), { topic: "conversations", ids: ["c9"], all: false });
});

test("a group renamed elsewhere takes its new title; a direct conversation keeps none", () => {
  const { state } = recordedState();
  state.conversations.set([conversation({ kind: "group", title: "Old name", lastSeq: 1 }), conversation({ id: "D1", kind: "direct", lastSeq: 1 })]);
  state.conversations.updated({ conversationId: CONVERSATION, unreadCount: 0, lastSeq: 2, title: "New name" });
  assert.equal(state.conversations.get(CONVERSATION).title, "New name");
  state.conversations.updated({ conversationId: "D1", unreadCount: 0, lastSeq: 1, title: "Sneaky" });
  assert.equal(state.conversations.get("D1").title ?? null, null);
});

test("a group's members and roles follow group_updated, and one who left keeps a name", () => {
  const { state, of } = recordedState();
  state.conversations.set([conversation({ kind: "group", title: "Club", roles: [{ userId: ME.id, role: "owner" }] })]);
  const former = { id: "F0000000-0000-4000-8000-000000000000", name: "Fay" };
  assert.equal(state.conversations.groupUpdated({
    conversationId: CONVERSATION, title: "Club 2", description: "Proofs", participants: [ME],
    roles: [{ userId: ME.id, role: "owner" }], formerParticipants: [former],
  }), true);
  const group = state.conversations.get(CONVERSATION);
  assert.equal(group.title, "Club 2");
  assert.equal(group.description, "Proofs");
  assert.deepEqual(group.roles, [{ userId: ME.id.toLowerCase(), role: "owner" }]);
  assert.equal(state.nameOf(former.id), "Fay");
  assert.deepEqual(of("conversations").at(-1).ids, [CONVERSATION.toLowerCase()]);
  assert.equal(state.conversations.groupUpdated({ conversationId: "unknown", participants: [], roles: [] }), false);
});

test("a group one left shows as ended, with nothing unread", () => {
  const { state } = recordedState();
  state.conversations.set([conversation({ kind: "group", unreadCount: 2 })]);
  assert.equal(state.conversations.departed(CONVERSATION, { reason: "removed", seq: 7 }), true);
  assert.equal(state.conversations.get(CONVERSATION).departure.reason, "removed");
  assert.equal(state.conversations.unreadTotal(), 0);
  assert.equal(state.conversations.departed("unknown", { reason: "left" }), false);
});

test("whom one may bring into a group: contacts and listed experts, not the blocked, not those in it", () => {
  const { state } = recordedState();
  state.signIn(ME);
  const kim = { id: "AAAAAAAA-0000-0000-0000-000000000003", name: "Kim", role: "student" };
  const lou = { id: "AAAAAAAA-0000-0000-0000-000000000004", name: "Lou", role: "expert" };
  const gone = { id: "AAAAAAAA-0000-0000-0000-000000000005", name: "Gone", role: "student" };
  state.conversations.set([
    conversation(),
    conversation({ id: "CCCCCCCC-0000-0000-0000-000000000002", kind: "group", participants: [ME, kim] }),
    conversation({ id: "CCCCCCCC-0000-0000-0000-000000000003", kind: "group", participants: [gone], departure: { reason: "removed" } }),
  ]);
  state.directory.set([lou, GRACE]);
  assert.deepEqual(state.contacts().map((user) => user.name), ["Grace", "Kim", "Lou"]);
  assert.deepEqual(state.contacts([kim.id]).map((user) => user.name), ["Grace", "Lou"]);
  state.blocks.setIds([lou.id]);
  assert.deepEqual(state.contacts().map((user) => user.name), ["Grace", "Kim"]);
});

test("the reader's watermark moves with their reads and mark-unreads, not with others' updates", () => {
  const { state } = recordedState();
  state.conversations.set([conversation({ lastSeq: 9, unreadCount: 4, lastReadSeq: 5 })]);
  const known = () => state.conversations.get(CONVERSATION);
  state.conversations.updated({ conversationId: CONVERSATION, unreadCount: 3, lastSeq: 9 }); // a delete: no watermark
  assert.equal(known().lastReadSeq, 5);
  state.conversations.updated({ conversationId: CONVERSATION, unreadCount: 6, lastSeq: 9, lastReadSeq: 2 }); // marked unread elsewhere
  assert.equal(known().lastReadSeq, 2);
  state.conversations.markRead(CONVERSATION);
  assert.equal(known().lastReadSeq, 9);
  assert.equal(known().unreadCount, 0);
  state.conversations.updated({ conversationId: CONVERSATION, unreadCount: 1, lastSeq: 10, lastReadSeq: 9 }, { reading: true });
  assert.equal(known().lastReadSeq, 10, "read here as it came");
});
