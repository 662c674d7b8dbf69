// Messages written and not yet stored, kept in `storage` per user until the server has
// them: a reload or a lost connection sends them later, under the same clientMessageId, so
// each is stored once. A file's entry carries `file` {name, size, type}; its bytes are kept
// apart (file-store.js). Topic "outbox" {}.

import { key } from "./ids.js";
import { keptPerUser } from "./kept.js";

export function createOutbox(emit, storage) {
  const kept = keptPerUser(storage, "chat.outbox");
  let pending = new Map(); // clientMessageId → {clientMessageId, conversationId, content, createdAt, replyTo?}
  const save = () => kept.save([...pending.values()], { empty: pending.size === 0 });

  return {
    load(userId) {
      const stored = kept.load(userId, []);
      pending = new Map();
      for (const entry of Array.isArray(stored) ? stored : []) {
        const file = entry?.file === undefined || (typeof entry.file?.name === "string" && Number.isFinite(entry.file.size));
        const reply = entry?.replyTo === undefined || typeof entry.replyTo?.id === "string";
        if (typeof entry?.clientMessageId === "string" && typeof entry.content === "string" && entry.conversationId && file && reply) {
          pending.set(entry.clientMessageId, { ...entry, conversationId: key(entry.conversationId) });
        }
      }
      emit("outbox");
    },
    /** Oldest first. */
    list: () => [...pending.values()],
    get size() { return pending.size; },
    has: (clientMessageId) => pending.has(clientMessageId),
    add(entry) {
      pending.set(entry.clientMessageId, { ...entry, conversationId: key(entry.conversationId) });
      save();
      emit("outbox");
    },
    /** Stored, or refused for good. */
    remove(clientMessageId) {
      if (!pending.delete(clientMessageId)) return;
      save();
      emit("outbox");
    },
    forget() {
      kept.forget();
      pending = new Map();
    },
  };
}
