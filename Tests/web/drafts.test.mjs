import assert from "node:assert/strict";
import { test } from "node:test";

import { CONVERSATION, GRACE, ME, memoryStorage, recordedState } from "./support.mjs";

test("a draft belongs to its conversation and survives a reload, per user", () => {
  const storage = memoryStorage();
  const first = recordedState(storage).state;
  first.signIn(ME);
  first.drafts.set(CONVERSATION, "half a thought");
  first.drafts.set("C2", "   "); // blank is no draft
  assert.equal(first.drafts.get("C2"), "");

  const reloaded = recordedState(storage).state;
  reloaded.signIn(ME);
  assert.equal(reloaded.drafts.get(CONVERSATION), "half a thought");
  const someoneElse = recordedState(storage).state;
  someoneElse.signIn(GRACE);
  assert.equal(someoneElse.drafts.get(CONVERSATION), "");
});

test("signing out on purpose takes the user's drafts and outbox from the browser", () => {
  const storage = memoryStorage();
  const { state } = recordedState(storage);
  state.signIn(ME);
  state.drafts.set(CONVERSATION, "unsent");
  state.outbox.add({ clientMessageId: "c1", conversationId: CONVERSATION, content: "hello", createdAt: "2026-12-05T10:00:00.000Z" });
  assert.equal(Object.keys(storage.items).length, 2);
  state.signOut();
  assert.equal(Object.keys(storage.items).length, 2); // an expired session keeps them for the next sign-in
  state.signIn(ME);
  assert.equal(state.outbox.size, 1);
  state.signOut({ forgetStored: true });
  assert.deepEqual(storage.items, {});
});

test("the outbox keeps what waits, oldest first, and forgets what is stored", () => {
  const storage = memoryStorage();
  const { state, of } = recordedState(storage);
  state.signIn(ME);
  state.outbox.add({ clientMessageId: "c1", conversationId: CONVERSATION, content: "one", createdAt: "1" });
  state.outbox.add({ clientMessageId: "c2", conversationId: CONVERSATION, content: "two", createdAt: "2" });
  state.outbox.remove("c1");
  state.outbox.remove("c1"); // twice is once
  const reloaded = recordedState(storage).state;
  reloaded.signIn(ME);
  assert.deepEqual(reloaded.outbox.list().map((entry) => entry.content), ["two"]);
  assert.equal(reloaded.outbox.list()[0].conversationId, CONVERSATION.toLowerCase());
  assert.equal(of("outbox").length, 4); // the load, two adds, one removal
});

test("a file waits in the outbox by what is known of it, and a malformed one is not kept", () => {
  const storage = memoryStorage();
  const { state } = recordedState(storage);
  state.signIn(ME);
  const file = { name: "notes.pdf", size: 2048, type: "application/pdf" };
  state.outbox.add({ clientMessageId: "f1", conversationId: CONVERSATION, content: "notes.pdf", createdAt: "1", file });
  assert.equal(state.outbox.has("f1"), true);
  const kept = JSON.parse(storage.getItem(`chat.outbox.${ME.id.toLowerCase()}`));
  kept.push({ clientMessageId: "f2", conversationId: CONVERSATION, content: "x", createdAt: "2", file: { name: 7 } });
  storage.setItem(`chat.outbox.${ME.id.toLowerCase()}`, JSON.stringify(kept));
  const reloaded = recordedState(storage).state;
  reloaded.signIn(ME);
  assert.deepEqual(reloaded.outbox.list().map((entry) => [entry.clientMessageId, entry.file]), [["f1", file]]);
  assert.equal(reloaded.outbox.has("f2"), false);
});

test("what cannot be read or kept is no draft, and storage refusing writes loses nothing in memory", () => {
  const broken = memoryStorage({ [`chat.drafts.${ME.id.toLowerCase()}`]: "{not json", [`chat.outbox.${ME.id.toLowerCase()}`]: "[{\"x\":1}]" });
  const { state } = recordedState(broken);
  state.signIn(ME);
  assert.equal(state.drafts.get(CONVERSATION), "");
  assert.equal(state.outbox.size, 0);
  const full = { ...memoryStorage(), setItem() { throw new Error("QuotaExceededError"); } };
  const { state: other } = recordedState(full);
  other.signIn(ME);
  other.drafts.set(CONVERSATION, "still here");
  assert.equal(other.drafts.get(CONVERSATION), "still here");
});

test("drafts are bounded: the oldest goes first", () => {
  const { state } = recordedState();
  state.signIn(ME);
  for (let index = 0; index < 105; index++) state.drafts.set(`c${index}`, `draft ${index}`);
  assert.equal(state.drafts.get("c0"), "");
  assert.equal(state.drafts.get("c104"), "draft 104");
});
