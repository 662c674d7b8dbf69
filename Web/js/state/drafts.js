// What the user has written and not sent, per conversation, and the message it answers
// (a reply started), kept in `storage` (the browser's localStorage) per user so that both
// survive switching conversations and reloading. Topic "drafts" {conversationId}.

import { key } from "./ids.js";
import { keptPerUser } from "./kept.js";

const MAX_DRAFTS = 100;

export function createDrafts(emit, storage) {
  const kept = keptPerUser(storage, "chat.drafts");
  let drafts = new Map(); // conversation → {text, replyTo (a message's preview, or null)}

  // Kept as the text alone when there is no reply, as older pages kept every draft.
  const save = () => kept.save(
    Object.fromEntries([...drafts].map(([id, { text, replyTo }]) => [id, replyTo ? { text, replyTo } : text])),
    { empty: drafts.size === 0 },
  );

  function put(conversationId, change) {
    const id = key(conversationId);
    const before = drafts.get(id) ?? { text: "", replyTo: null };
    const after = { ...before, ...change };
    if (after.text === before.text && after.replyTo?.id === before.replyTo?.id) return;
    drafts.delete(id); // the newest last, so the oldest goes first when there are too many
    if (after.text.trim() || after.replyTo) drafts.set(id, after);
    while (drafts.size > MAX_DRAFTS) drafts.delete(drafts.keys().next().value);
    save();
    emit("drafts", { conversationId: id });
  }

  return {
    /** The user's drafts, as kept. */
    load(userId) {
      const stored = kept.load(userId, {});
      drafts = new Map();
      for (const [conversationId, value] of Object.entries(stored && typeof stored === "object" ? stored : {})) {
        const text = typeof value === "string" ? value : value?.text;
        const replyTo = typeof value?.replyTo?.id === "string" ? { ...value.replyTo, id: key(value.replyTo.id) } : null;
        if (typeof text === "string" && (text || replyTo)) drafts.set(key(conversationId), { text, replyTo });
      }
    },
    get: (conversationId) => drafts.get(key(conversationId))?.text ?? "",
    set(conversationId, text) {
      put(conversationId, { text });
    },
    /** The message the draft answers, as replies show it (null: none). */
    replyTo: (conversationId) => drafts.get(key(conversationId))?.replyTo ?? null,
    setReplyTo(conversationId, preview) {
      put(conversationId, { replyTo: preview ?? null });
    },
    /** Sent: the text and the reply go. */
    clear(conversationId) {
      put(conversationId, { text: "", replyTo: null });
    },
    /** Whether anything is written and unsent. */
    get any() { return [...drafts.values()].some((draft) => draft.text.trim()); },
    /** Signing out: the user's drafts leave this browser. */
    forget() {
      kept.forget();
      drafts = new Map();
    },
  };
}
