// The signed-in user's conversations and the one open. Topics: "conversations"
// {ids} (those changed; `all` when the list was replaced), "open" {id, previous}.

import { key, keyedUser } from "./ids.js";
import { mergeProfile } from "./session.js";

export function createConversations(emit) {
  const byId = new Map();
  let openId = null;

  const keyedRoles = (roles) => roles?.map(({ userId, role }) => ({ userId: key(userId), role }));
  const normalize = (conversation) => ({
    ...conversation,
    id: key(conversation.id),
    participants: (conversation.participants ?? []).map(keyedUser),
    ...(conversation.roles ? { roles: keyedRoles(conversation.roles) } : {}),
    ...(conversation.formerParticipants ? { formerParticipants: conversation.formerParticipants.map(keyedUser) } : {}),
  });
  const changed = (...ids) => emit("conversations", { ids });

  return {
    get openId() { return openId; },
    get: (id) => byId.get(key(id)),
    has: (id) => byId.has(key(id)),
    /** Newest activity first. */
    list: () => [...byId.values()].sort((a, b) => String(b.updatedAt).localeCompare(String(a.updatedAt))),
    /** The first page of the list (replacing what was there), or with `append` the next one. */
    set(list, { append = false } = {}) {
      if (!append) byId.clear();
      const ids = [];
      for (const conversation of list) {
        const id = key(conversation.id);
        // One already here from a live event is newer than the page's copy.
        if (append && byId.has(id)) continue;
        byId.set(id, normalize(conversation));
        ids.push(id);
      }
      emit("conversations", { ids, all: !append });
    },
    upsert(conversation) {
      const id = key(conversation.id);
      byId.set(id, { ...byId.get(id), ...normalize(conversation) });
      changed(id);
      return id;
    },
    /** The conversation shown (null: none); its unread count goes, it is being read. */
    open(id) {
      const previous = openId;
      openId = id === null || id === undefined ? null : key(id);
      emit("open", { id: openId, previous });
    },
    /**
     * A message arrived: it becomes the conversation's last, and with `countUnread`
     * (someone else's, not being read here) one more unread. False when the conversation
     * is not known here (the list is to be fetched again).
     */
    received(message, { countUnread = false } = {}) {
      const id = key(message.conversationId);
      const conversation = byId.get(id);
      if (!conversation) return false;
      if (message.seq > (conversation.lastSeq ?? 0) && countUnread) conversation.unreadCount = (conversation.unreadCount ?? 0) + 1;
      if (message.seq >= (conversation.lastSeq ?? 0)) {
        conversation.lastMessage = message;
        conversation.lastSeq = message.seq;
        conversation.updatedAt = message.createdAt;
      }
      changed(id);
      return true;
    },
    /**
     * The server's view (`conversation_updated`): its count, unless it is being read here,
     * and the reader's watermark when it moved (a read or mark-unread, on any device).
     */
    updated({ conversationId, unreadCount, lastSeq, lastMessage, title, lastReadSeq }, { reading = false } = {}) {
      const id = key(conversationId);
      const conversation = byId.get(id);
      if (!conversation) return false;
      conversation.unreadCount = reading ? 0 : unreadCount;
      if (reading) conversation.lastReadSeq = Math.max(lastSeq ?? 0, conversation.lastSeq ?? 0);
      else if (lastReadSeq !== undefined && lastReadSeq !== null) conversation.lastReadSeq = lastReadSeq;
      if (title !== undefined && conversation.kind === "group") conversation.title = title; // renamed
      if (lastSeq >= (conversation.lastSeq ?? 0)) {
        conversation.lastSeq = lastSeq;
        if (lastMessage) {
          if (lastMessage.seq > (conversation.lastMessage?.seq ?? 0)) conversation.updatedAt = lastMessage.createdAt;
          conversation.lastMessage = lastMessage;
        }
      }
      changed(id);
      return true;
    },
    /** A group's members, roles, title or description changed (`group_updated`); false when it is not known here. */
    groupUpdated({ conversationId, title, description, pictureUrl, participants, roles, formerParticipants }) {
      const id = key(conversationId);
      const conversation = byId.get(id);
      if (!conversation) return false;
      // Only members hear it: one who had left is in again.
      byId.set(id, normalize({ ...conversation, title, description, pictureUrl, participants, roles, formerParticipants, departure: undefined }));
      changed(id);
      return true;
    },
    /** The reader left the group or was removed (`conversation_left`): it shows as ended, read through `departure.seq`. */
    departed(conversationId, departure) {
      const conversation = byId.get(key(conversationId));
      if (!conversation) return false;
      conversation.departure = departure;
      conversation.unreadCount = 0;
      changed(conversation.id);
      return true;
    },
    markRead(id) {
      const conversation = byId.get(key(id));
      if (!conversation) return;
      conversation.lastReadSeq = conversation.lastSeq;
      if (!conversation.unreadCount) return;
      conversation.unreadCount = 0;
      changed(key(id));
    },
    /** An edit or a delete of the conversation's last message shows in its preview. */
    patchLastMessage(conversationId, messageId, patch) {
      const conversation = byId.get(key(conversationId));
      if (!conversation?.lastMessage || key(conversation.lastMessage.id) !== key(messageId)) return;
      conversation.lastMessage = { ...conversation.lastMessage, ...patch };
      changed(conversation.id);
    },
    /** A participant's profile changed. */
    userUpdated(user) {
      const id = key(user.id);
      const ids = [];
      for (const conversation of byId.values()) {
        if (!conversation.participants.some((participant) => participant.id === id)) continue;
        conversation.participants = conversation.participants.map((participant) => (participant.id === id ? mergeProfile(participant, user) : participant));
        ids.push(conversation.id);
      }
      if (ids.length) changed(...ids);
    },
    /** The participant with this id, in any conversation (one who left a group too: their old messages keep a name). */
    participant(userId) {
      const id = key(userId);
      for (const conversation of byId.values()) {
        const user = conversation.participants.find((participant) => participant.id === id);
        if (user) return user;
      }
      for (const conversation of byId.values()) {
        const user = conversation.formerParticipants?.find((participant) => participant.id === id);
        if (user) return user;
      }
      return undefined;
    },
    unreadTotal() {
      let total = 0;
      for (const conversation of byId.values()) total += conversation.unreadCount ?? 0;
      return total;
    },
    clear() {
      byId.clear();
      openId = null;
    },
  };
}
