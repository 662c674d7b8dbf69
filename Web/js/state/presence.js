// Who is online (and when the others were last), and who is typing where. Topics: "presence" {userIds}, "typing" {conversationId}.

import { key } from "./ids.js";

export function createPresence(emit) {
  const statuses = new Map(); // user → "online" | "offline"
  const lastSeen = new Map(); // user → when they were last online (ISO), as the server said
  const typing = new Map(); // conversation → Map(user → name)

  /** True when something changed; a status without a time keeps the time known. */
  function put(userId, status, seenAt) {
    const id = key(userId);
    const before = statuses.get(id);
    const seenBefore = lastSeen.get(id);
    statuses.set(id, status);
    if (seenAt) lastSeen.set(id, seenAt);
    return before !== status || (!!seenAt && seenAt !== seenBefore);
  }

  return {
    statusOf: (userId) => statuses.get(key(userId)),
    /** When an offline user was last online, if the server said. */
    lastSeenOf: (userId) => lastSeen.get(key(userId)) ?? null,
    set(userId, status, seenAt = null) {
      if (put(userId, status, seenAt)) emit("presence", { userIds: [key(userId)] });
    },
    /** [userId, status, lastSeenAt?] each. */
    setMany(entries) {
      const userIds = entries.filter(([userId, status, seenAt]) => put(userId, status, seenAt)).map(([userId]) => key(userId));
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
      lastSeen.clear();
      typing.clear();
    },
  };
}
