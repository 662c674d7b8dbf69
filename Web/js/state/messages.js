// Messages by conversation, keyed by id and read in `seq` order (one that arrives twice,
// live and from a catch-up, is one message); pending ones (not stored yet) last. Also what
// others have read, and the change watermark a catch-up starts from.
// Topics: "messages" {conversationId, added, changed, removed} (ids), "receipts"
// {conversationId}, "focus" {conversationId, messageId}.

import { key } from "./ids.js";

/** Characters of the original a reply shows, as the server cuts them (code points). */
const SNIPPET = 100;

/** How a reply shows `message`, the same shape the server gives `replyTo`. */
export function replyPreview(message) {
  return {
    id: message.id,
    senderId: message.senderId ?? null,
    messageType: message.messageType,
    snippet: message.deletedAt ? "" : [...message.content].slice(0, SNIPPET).join(""),
    deleted: !!message.deletedAt,
    ...(message.seq !== undefined && Number.isFinite(message.seq) ? { seq: message.seq } : {}),
  };
}

export function createMessages(emit) {
  const byConversation = new Map(); // conversation → Map(id → message)
  const more = new Map(); // conversation → whether older messages remain
  const changeSeqs = new Map(); // conversation → the changeSeq up to which every change is here
  const reads = new Map(); // conversation → Map(user → seq), others' read positions
  let focused = null; // {conversationId, messageId}: a message opened from search
  let revisions = 0; // each stored version of a message gets the next: a view redraws a message only when it moved on

  const normalize = (message) => ({
    ...message,
    id: key(message.id),
    senderId: message.senderId ? key(message.senderId) : null,
    ...(message.replyTo ? { replyTo: { ...message.replyTo, id: key(message.replyTo.id) } } : {}),
    revision: ++revisions,
  });
  /** The replies to `original` show it as it now is (edited, deleted): their ids go in `changed`. */
  function refreshReplies(known, original, changed) {
    const now = replyPreview(original);
    for (const message of known.values()) {
      const shown = message.replyTo;
      if (shown?.id !== original.id || (shown.snippet === now.snippet && shown.deleted === now.deleted)) continue;
      message.replyTo = { ...shown, snippet: now.snippet, deleted: now.deleted };
      message.revision = ++revisions;
      if (!changed.includes(message.id)) changed.push(message.id);
    }
  }
  const messagesOf = (conversationId) => {
    const id = key(conversationId);
    if (!byConversation.has(id)) byConversation.set(id, new Map());
    return byConversation.get(id);
  };

  return {
    /** Whether any page of the conversation was loaded. */
    loaded: (conversationId) => byConversation.has(key(conversationId)),
    get: (conversationId, messageId) => byConversation.get(key(conversationId))?.get(key(messageId)),
    /** The conversation's messages in seq order; pending ones last, in the order written. */
    list(conversationId) {
      const list = [...(byConversation.get(key(conversationId))?.values() ?? [])];
      return list.sort((a, b) => (a.pending ? Infinity : a.seq) - (b.pending ? Infinity : b.seq) || a.createdAt.localeCompare(b.createdAt));
    },
    /** The newest stored message's seq (what reading it all means). */
    newestSeq(conversationId) {
      let newest = 0;
      for (const message of byConversation.get(key(conversationId))?.values() ?? []) if (!message.pending) newest = Math.max(newest, message.seq);
      return newest;
    },
    hasMore: (conversationId) => more.get(key(conversationId)) !== false,
    /**
     * Adds or replaces messages; a stored one replaces the pending copy with its
     * `clientMessageId`. `hasMore` is taken from the first page and from older ones.
     */
    add(conversationId, messages, { older = false, hasMore } = {}) {
      const id = key(conversationId);
      const known = messagesOf(id);
      const change = { conversationId: id, added: [], changed: [], removed: [] };
      for (const message of messages.map(normalize)) {
        if (message.clientMessageId && !message.pending) {
          for (const [existingId, existing] of known) {
            if (existing.pending && existing.clientMessageId === message.clientMessageId) {
              known.delete(existingId);
              change.removed.push(existingId);
            }
          }
        }
        const before = known.get(message.id);
        (before ? change.changed : change.added).push(message.id);
        known.set(message.id, message);
        if (before && (before.content !== message.content || before.deletedAt !== message.deletedAt)) refreshReplies(known, message, change.changed);
      }
      if (hasMore !== undefined && (older || !more.has(id))) more.set(id, hasMore);
      emit("messages", change);
    },
    /** Fields of one message changed (an edit, a delete, upload progress); its replies follow. */
    patch(conversationId, messageId, fields) {
      const known = byConversation.get(key(conversationId));
      const message = known?.get(key(messageId));
      const rewritten = "content" in fields || "deletedAt" in fields;
      const changed = message ? [message.id] : [];
      if (message) Object.assign(message, fields, { revision: ++revisions });
      // An original older than what is loaded still changes the replies that are.
      if (known && rewritten) refreshReplies(known, message ?? { id: key(messageId), content: "", ...fields }, changed);
      if (changed.length) emit("messages", { conversationId: key(conversationId), added: [], changed, removed: [] });
      return !!message;
    },
    /** Someone chose or dropped an emoji: its count as the server has it, `me` if it was `meId`. */
    reacted({ conversationId, messageId, userId, emoji, count }, added, meId) {
      const message = byConversation.get(key(conversationId))?.get(key(messageId));
      if (!message) return;
      const reactions = [...(message.reactions ?? [])];
      const index = reactions.findIndex((reaction) => reaction.emoji === emoji);
      const me = key(userId) === meId ? added : (reactions[index]?.me ?? false);
      if (index === -1 && count > 0) reactions.push({ emoji, count, me });
      else if (index !== -1 && count > 0) reactions[index] = { emoji, count, me };
      else if (index !== -1) reactions.splice(index, 1);
      message.reactions = reactions;
      message.revision = ++revisions;
      emit("messages", { conversationId: key(conversationId), added: [], changed: [message.id], removed: [] });
    },
    remove(conversationId, messageId) {
      if (!byConversation.get(key(conversationId))?.delete(key(messageId))) return;
      emit("messages", { conversationId: key(conversationId), added: [], changed: [], removed: [key(messageId)] });
    },

    /** Every change up to `changeSeq` is here if the one before it was: the watermark moves on. */
    noteChange(conversationId, changeSeq, known) {
      if (changeSeq === undefined) return;
      if (changeSeq === (changeSeqs.get(key(conversationId)) ?? known ?? 0) + 1) changeSeqs.set(key(conversationId), changeSeq);
    },
    /** Where a catch-up starts: the last change known to be here (`known`, the list's, by default). */
    changeSeqOf: (conversationId, known = 0) => changeSeqs.get(key(conversationId)) ?? known,
    setChangeSeq(conversationId, changeSeq, known) {
      changeSeqs.set(key(conversationId), Math.max(changeSeqs.get(key(conversationId)) ?? known ?? 0, changeSeq));
    },

    /** Someone else read up to `seq` (a receipt never moves back). */
    setRead(conversationId, userId, seq) {
      const id = key(conversationId);
      const positions = reads.get(id) ?? new Map();
      const before = positions.get(key(userId)) ?? 0;
      if (seq <= before) return;
      positions.set(key(userId), seq);
      reads.set(id, positions);
      emit("receipts", { conversationId: id });
    },
    /** Whether someone else has read up to `seq`. */
    isRead(conversationId, seq) {
      for (const read of reads.get(key(conversationId))?.values() ?? []) if (read >= seq) return true;
      return false;
    },
    /** Who else has read up to `seq` (their ids, as the receipts came). */
    readers(conversationId, seq) {
      return [...(reads.get(key(conversationId)) ?? new Map())].filter(([, read]) => read >= seq).map(([userId]) => userId);
    },

    /** Brings a message into view, marked, when its conversation is drawn. */
    focus(conversationId, messageId) {
      focused = { conversationId: key(conversationId), messageId: key(messageId) };
      emit("focus", focused);
    },
    get focused() { return focused; },

    clear() {
      for (const map of [byConversation, more, changeSeqs, reads]) map.clear();
      focused = null;
    },
  };
}
