// What the user has written and not sent, per conversation, kept in `storage` (the
// browser's localStorage) per user so that it survives switching conversations and
// reloading. Topic "drafts" {conversationId}.

import { key } from "./ids.js";
import { keptPerUser } from "./kept.js";

const MAX_DRAFTS = 100;

export function createDrafts(emit, storage) {
  const kept = keptPerUser(storage, "chat.drafts");
  let drafts = new Map(); // conversation → text

  return {
    /** The user's drafts, as kept. */
    load(userId) {
      const stored = kept.load(userId, {});
      drafts = new Map(Object.entries(typeof stored === "object" ? stored : {})
        .filter(([, text]) => typeof text === "string" && text)
        .map(([conversationId, text]) => [key(conversationId), text]));
    },
    get: (conversationId) => drafts.get(key(conversationId)) ?? "",
    set(conversationId, text) {
      const id = key(conversationId);
      if ((drafts.get(id) ?? "") === text) return;
      drafts.delete(id); // the newest last, so the oldest goes first when there are too many
      if (text.trim()) drafts.set(id, text);
      while (drafts.size > MAX_DRAFTS) drafts.delete(drafts.keys().next().value);
      kept.save(Object.fromEntries(drafts), { empty: drafts.size === 0 });
      emit("drafts", { conversationId: id });
    },
    clear(conversationId) {
      this.set(conversationId, "");
    },
    /** Whether anything is written and unsent. */
    get any() { return drafts.size > 0; },
    /** Signing out: the user's drafts leave this browser. */
    forget() {
      kept.forget();
      drafts = new Map();
    },
  };
}
