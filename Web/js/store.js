// The page's state, changed only through these methods; views subscribe to the topics
// they draw ("me", "conversations", "experts", "messages", "typing", "connection", "open") and
// redraw when told. Messages are kept by id and read in seq order, so one that arrives
// twice (live, then from a catch-up) is one message.

import { key } from "./format.js";

export function createStore() {
  const listeners = new Map();
  const state = {
    me: null,
    experts: new Map(),
    conversations: new Map(),
    messages: new Map(), // conversation → Map(id → message)
    hasMore: new Map(),
    presence: new Map(), // user → "online" | "offline"
    typing: new Map(), // conversation → Map(user → name)
    reads: new Map(), // conversation → Map(user → seq), others' read positions
    changeSeqs: new Map(), // conversation → the changeSeq up to which every change is here
    openId: null,
    focusId: null, // a message to bring into view once drawn (opened from search)
    foundId: null, // and to keep outlined while its conversation stays open
    connection: "offline",
  };

  function emit(topic) {
    for (const listener of listeners.get(topic) ?? []) listener(state);
  }

  return {
    state,
    on(topic, listener) {
      if (!listeners.has(topic)) listeners.set(topic, new Set());
      listeners.get(topic).add(listener);
    },
    emit,
    reset() {
      state.me = null;
      for (const map of [state.experts, state.conversations, state.messages, state.hasMore, state.presence, state.typing, state.reads, state.changeSeqs]) {
        map.clear();
      }
      state.openId = null;
    },
    setMe(user) {
      state.me = { ...user, id: key(user.id) };
      emit("me");
    },
    /** The directory's experts in the server's order (online first); `append` adds a page. */
    setExperts(users, { append = false } = {}) {
      if (!append) state.experts.clear();
      for (const user of users) {
        state.experts.set(key(user.id), { ...user, id: key(user.id) });
        if (user.online !== undefined && user.online !== null) state.presence.set(key(user.id), user.online ? "online" : "offline");
      }
      emit("experts");
      emit("presence");
    },
    setConversations(list) {
      state.conversations.clear();
      for (const conversation of list) {
        state.conversations.set(key(conversation.id), normalizeConversation(conversation));
        for (const { userId, seq } of conversation.reads ?? []) this.setRead(conversation.id, userId, seq);
      }
      emit("conversations");
    },
    upsertConversation(conversation) {
      const id = key(conversation.id);
      for (const { userId, seq } of conversation.reads ?? []) this.setRead(conversation.id, userId, seq);
      state.conversations.set(id, { ...state.conversations.get(id), ...normalizeConversation(conversation) });
      emit("conversations");
      return id;
    },
    /** The conversation shown: its unread count is cleared (it is being read). */
    open(id) {
      state.openId = id;
      state.foundId = null;
      emit("open");
      emit("messages");
    },
    /** Brings a message of the open conversation into view, marked, at the next draw. */
    focus(messageId) {
      state.focusId = key(messageId);
      state.foundId = key(messageId);
      emit("messages");
    },
    setPresence(userId, status) {
      state.presence.set(key(userId), status);
      emit("presence");
    },
    /** Adds or replaces messages (stored ones replace the pending copy with their clientMessageId). */
    addMessages(conversationId, messages, { older = false, hasMore } = {}) {
      const id = key(conversationId);
      const byId = state.messages.get(id) ?? new Map();
      for (const message of messages) {
        if (message.clientMessageId) {
          for (const [existingId, existing] of byId) {
            if (existing.pending && existing.clientMessageId === message.clientMessageId) byId.delete(existingId);
          }
        }
        byId.set(key(message.id), { ...message, id: key(message.id), senderId: message.senderId ? key(message.senderId) : null });
      }
      state.messages.set(id, byId);
      if (hasMore !== undefined && (older || !state.hasMore.has(id))) state.hasMore.set(id, hasMore);
      emit("messages");
    },
    /** An edit or a delete: the fields it changed, on the message and the conversation's preview. */
    patchMessage(conversationId, messageId, patch) {
      const id = key(conversationId);
      const message = state.messages.get(id)?.get(key(messageId));
      if (message) Object.assign(message, patch);
      const conversation = state.conversations.get(id);
      if (conversation?.lastMessage && key(conversation.lastMessage.id) === key(messageId)) {
        conversation.lastMessage = { ...conversation.lastMessage, ...patch };
        emit("conversations");
      }
      this.noteChange(id, patch.changeSeq);
      emit("messages");
    },
    /** Someone chose or dropped an emoji: its count as the server has it, `me` if it was us. */
    reacted({ conversationId, messageId, userId, emoji, count, changeSeq }, added) {
      const message = state.messages.get(key(conversationId))?.get(key(messageId));
      this.noteChange(conversationId, changeSeq);
      if (!message) return;
      const reactions = [...(message.reactions ?? [])];
      const index = reactions.findIndex((reaction) => reaction.emoji === emoji);
      const me = key(userId) === state.me?.id ? added : (reactions[index]?.me ?? false);
      if (index === -1 && count > 0) reactions.push({ emoji, count, me });
      else if (index !== -1 && count > 0) reactions[index] = { emoji, count, me };
      else if (index !== -1) reactions.splice(index, 1);
      message.reactions = reactions;
      emit("messages");
    },
    /** Every change up to `changeSeq` is here if the one before it was: the watermark moves on. */
    noteChange(conversationId, changeSeq) {
      const id = key(conversationId);
      if (changeSeq === undefined) return;
      if (changeSeq === this.changeSeqOf(id) + 1) state.changeSeqs.set(id, changeSeq);
    },
    /** Where a catch-up starts: the last change known to be here. */
    changeSeqOf(conversationId) {
      const id = key(conversationId);
      return state.changeSeqs.get(id) ?? state.conversations.get(id)?.lastChangeSeq ?? 0;
    },
    setChangeSeq(conversationId, changeSeq) {
      const id = key(conversationId);
      state.changeSeqs.set(id, Math.max(this.changeSeqOf(id), changeSeq));
    },
    removeMessage(conversationId, messageId) {
      state.messages.get(key(conversationId))?.delete(messageId);
      emit("messages");
    },
    /** The conversation's messages in seq order; pending ones (not stored yet) last. */
    messagesOf(conversationId) {
      const list = [...(state.messages.get(key(conversationId))?.values() ?? [])];
      return list.sort((a, b) => (a.pending ? Infinity : a.seq) - (b.pending ? Infinity : b.seq) || a.createdAt.localeCompare(b.createdAt));
    },
    /**
     * A message arrived (`new_message` in the conversation this page has joined,
     * `notification` for the others): it becomes the conversation's last, and with
     * `countUnread` (someone else's, not being read here) one more unread. The server says
     * the count itself when it changes otherwise (`conversation_updated`: reads, deletes).
     */
    received(message, { countUnread = false } = {}) {
      const id = key(message.conversationId);
      const conversation = state.conversations.get(id);
      if (!conversation) return false;
      if (message.seq > (conversation.lastSeq ?? 0) && countUnread) conversation.unreadCount = (conversation.unreadCount ?? 0) + 1;
      if (message.seq >= (conversation.lastSeq ?? 0)) {
        conversation.lastMessage = message;
        conversation.lastSeq = message.seq;
        conversation.updatedAt = message.createdAt;
      }
      emit("conversations");
      return true;
    },
    /**
     * The server's view of a conversation in our list (`conversation_updated`): its unread
     * count and last message. One being read here counts nothing: it is marked read next.
     */
    updated({ conversationId, unreadCount, lastSeq, lastMessage }, { reading }) {
      const conversation = state.conversations.get(key(conversationId));
      if (!conversation) return false;
      conversation.unreadCount = reading ? 0 : unreadCount;
      if (lastSeq >= (conversation.lastSeq ?? 0)) {
        conversation.lastSeq = lastSeq;
        if (lastMessage) {
          if (lastMessage.seq > (conversation.lastMessage?.seq ?? 0)) conversation.updatedAt = lastMessage.createdAt;
          conversation.lastMessage = lastMessage;
        }
      }
      emit("conversations");
      return true;
    },
    markReadLocally(conversationId) {
      const conversation = state.conversations.get(key(conversationId));
      if (conversation && conversation.unreadCount) {
        conversation.unreadCount = 0;
        emit("conversations");
      }
    },
    setRead(conversationId, userId, seq) {
      const id = key(conversationId);
      if (key(userId) === state.me?.id) return this.markReadLocally(id);
      const reads = state.reads.get(id) ?? new Map();
      reads.set(key(userId), Math.max(reads.get(key(userId)) ?? 0, seq));
      state.reads.set(id, reads);
      emit("messages");
    },
    /** Whether someone else has read up to `seq` in the conversation. */
    isRead(conversationId, seq) {
      for (const read of state.reads.get(key(conversationId))?.values() ?? []) if (read >= seq) return true;
      return false;
    },
    setTyping(conversationId, userId, isTyping) {
      const id = key(conversationId);
      const typing = state.typing.get(id) ?? new Map();
      if (isTyping) typing.set(key(userId), userOf(state, key(userId))?.name ?? "Someone");
      else typing.delete(key(userId));
      state.typing.set(id, typing);
      emit("typing");
    },
    setConnection(value) {
      state.connection = value;
      emit("connection");
    },
    unreadTotal() {
      let total = 0;
      for (const conversation of state.conversations.values()) total += conversation.unreadCount ?? 0;
      return total;
    },
    nameOf: (userId) => userOf(state, key(userId))?.name ?? "Someone",
    userOf: (userId) => userOf(state, key(userId)) ?? { id: key(userId), name: "Someone" },
    /** A profile changed (`user_updated`, or the caller's own edit): every place it shows. */
    userUpdated(user) {
      const id = key(user.id);
      const merge = (known) => {
        const changed = { ...known, ...user, id };
        for (const field of ["avatarUrl", "headline", "subjects", "bio"]) if (!(field in user)) delete changed[field];
        return changed;
      };
      if (state.me?.id === id) state.me = { ...merge(state.me), email: state.me.email };
      for (const conversation of state.conversations.values()) {
        conversation.participants = conversation.participants.map((participant) => (participant.id === id ? merge(participant) : participant));
      }
      if (state.experts.has(id)) state.experts.set(id, merge(state.experts.get(id)));
      emit("me");
      emit("conversations");
      emit("experts");
      emit("messages");
    },
  };
}

function normalizeConversation(conversation) {
  return {
    ...conversation,
    id: key(conversation.id),
    participants: (conversation.participants ?? []).map((user) => ({ ...user, id: key(user.id) })),
  };
}

function userOf(state, userId) {
  if (state.me?.id === userId) return state.me;
  for (const conversation of state.conversations.values()) {
    const user = conversation.participants.find((participant) => participant.id === userId);
    if (user) return user;
  }
  return state.experts.get(userId);
}
