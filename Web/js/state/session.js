// Who is signed in, and what the server allows them (`/api/chat/policy`). Topic "me": {}
// whenever the user (or their profile) changes.

import { isLine } from "../message-kinds.js";
import { key, keyedUser } from "./ids.js";

export function createSession(emit) {
  let me = null;
  let policy = null; // null until known: nothing is held back
  return {
    get me() { return me; },
    get policy() { return policy; },
    setPolicy(value) {
      policy = value && typeof value === "object" ? value : null;
    },
    /** Whether the signed-in user may still edit `message`: theirs, not deleted, and within the edit window. */
    canEdit(message, now = Date.now()) {
      if (!me || key(message.senderId) !== me.id || message.deletedAt || message.pending || isLine(message)) return false;
      const window = policy?.editWindowSeconds;
      return typeof window !== "number" || now - Date.parse(message.createdAt) < window * 1000;
    },
    set(user) {
      me = keyedUser(user);
      emit("me");
    },
    /** A profile change of the signed-in user (`user_updated` carries no email: keep it). */
    updated(user) {
      if (!me || me.id !== keyedUser(user).id) return;
      me = { ...mergeProfile(me, user), email: me.email };
      emit("me");
    },
    clear() {
      me = null;
      policy = null;
    },
  };
}

/** A user's known fields with a profile change over them: what it leaves out is cleared. */
export function mergeProfile(known, user) {
  const changed = { ...known, ...keyedUser(user) };
  for (const field of ["avatarUrl", "headline", "subjects", "bio"]) if (!(field in user)) delete changed[field];
  return changed;
}
