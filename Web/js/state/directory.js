// The experts directory as loaded: the server's order (online first, then by name), a
// page at a time. Topic "directory" {}.

import { key, keyedUser } from "./ids.js";
import { mergeProfile } from "./session.js";

export function createDirectory(emit) {
  const experts = new Map();
  return {
    list: () => [...experts.values()],
    get: (id) => experts.get(key(id)),
    /** A first page (replacing what was there), or with `append` the next one. */
    set(users, { append = false } = {}) {
      if (!append) experts.clear();
      for (const user of users) experts.set(key(user.id), keyedUser(user));
      emit("directory");
    },
    userUpdated(user) {
      const id = key(user.id);
      if (!experts.has(id)) return;
      experts.set(id, mergeProfile(experts.get(id), user));
      emit("directory");
    },
    clear() {
      experts.clear();
    },
  };
}
