// A value kept in the browser's storage per user, as JSON, under `<prefix>.<user>`. What
// cannot be read is nothing kept; a write the storage refuses (full, a private window) is
// given up, and the value lives as long as the page.

import { key } from "./ids.js";

export function keptPerUser(storage, prefix) {
  let user = null;
  const name = () => `${prefix}.${user}`;
  return {
    /** Whose it is from now on; what is kept for them, or `fallback`. */
    load(userId, fallback) {
      user = key(userId);
      try {
        return JSON.parse(storage.getItem(name()) ?? "null") ?? fallback;
      } catch {
        return fallback;
      }
    },
    /** Keeps `value`, or with `empty` keeps nothing. */
    save(value, { empty = false } = {}) {
      if (!user) return;
      try {
        if (empty) storage.removeItem(name());
        else storage.setItem(name(), JSON.stringify(value));
      } catch {
        // Refused: kept in memory only.
      }
    },
    /** Takes the user's value out of the browser. */
    forget() {
      if (user) storage.removeItem(name());
      user = null;
    },
  };
}
