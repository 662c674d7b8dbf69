// Who is online, and who is typing where. Topics: "presence" {userIds}, "typing" {conversationId}.

import { key } from "./ids.js";

export function createPresence(emit) {
  const statuses = new Map(); // user → "online" | "offline"
  const typing = new Map(); // conversation → Map(user → name)
  return {
    statusOf: (userId) => statuses.get(key(userId)),
    set(userId, status) {
      if (statuses.get(key(userId)) === status) return;
      statuses.set(key(userId), status);
      emit("presence", { userIds: [key(userId)] });
    },
    setMany(entries) {
      const userIds = [];
      for (const [userId, status] of entries) {
        if (statuses.get(key(userId)) === status) continue;
        statuses.set(key(userId), status);
        userIds.push(key(userId));
      }
      if (userIds.length) emit("presence", { userIds });
    },
    setTyping(conversationId, userId, isTyping, name) {
      const id = key(conversationId);
      const typists = typing.get(id) ?? new Map();
      if (isTyping) typists.set(key(userId), name);
      else if (!typists.delete(key(userId))) return;
      typing.set(id, typists);
      emit("typing", { conversationId: id });
    },
    /** The names of those typing in the conversation. */
    typists: (conversationId) => [...(typing.get(key(conversationId))?.values() ?? [])],
    clear() {
      statuses.clear();
      typing.clear();
    },
  };
}
