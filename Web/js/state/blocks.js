// Whom the signed-in user blocks: their messages in groups are hidden behind a line that
// says so, their typing is not shown, and a direct conversation with them takes no message.
// Topic "blocks": { userIds } whenever the set changes.

import { key } from "./ids.js";

export function createBlocks(emit) {
  let blocked = new Set();
  let users = new Map(); // id → the user, as the list of blocked people shows them

  function changed() {
    emit("blocks", { userIds: [...blocked] });
  }

  return {
    has: (userId) => blocked.has(key(userId)),
    /** The blocked users, by name (`{id, name}` when the page never saw more of one). */
    list: () => [...blocked].map((id) => users.get(id) ?? { id, name: "Someone" }).sort((a, b) => a.name.localeCompare(b.name)),
    /** Everyone blocked, as `GET /api/me/blocks` lists them. */
    setUsers(list) {
      blocked = new Set(list.map((user) => key(user.id)));
      users = new Map(list.map((user) => [key(user.id), { ...user, id: key(user.id) }]));
      changed();
    },
    /** Everyone blocked, by id (`blocks_updated` from another device); names kept where known. */
    setIds(ids) {
      const next = new Set(ids.map(key));
      if (next.size === blocked.size && [...next].every((id) => blocked.has(id))) return;
      blocked = next;
      changed();
    },
    add(user) {
      const id = key(user.id);
      users.set(id, { ...user, id });
      if (blocked.has(id)) return;
      blocked.add(id);
      changed();
    },
    remove(userId) {
      if (!blocked.delete(key(userId))) return;
      changed();
    },
    clear() {
      blocked = new Set();
      users = new Map();
    },
  };
}
