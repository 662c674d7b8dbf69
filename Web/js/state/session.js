// Who is signed in. Topic "me": {} whenever the user (or their profile) changes.

import { keyedUser } from "./ids.js";

export function createSession(emit) {
  let me = null;
  return {
    get me() { return me; },
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
    },
  };
}

/** A user's known fields with a profile change over them: what it leaves out is cleared. */
export function mergeProfile(known, user) {
  const changed = { ...known, ...keyedUser(user) };
  for (const field of ["avatarUrl", "headline", "subjects", "bio"]) if (!(field in user)) delete changed[field];
  return changed;
}
