// Topics and listeners: a slice tells what changed, precisely, and a view redraws only that.

export function createEmitter() {
  const listeners = new Map(); // topic → Set(listener)
  return {
    /** Calls `listener(change)` for each change on `topic`; returns the way to stop. */
    on(topic, listener) {
      if (!listeners.has(topic)) listeners.set(topic, new Set());
      listeners.get(topic).add(listener);
      return () => listeners.get(topic)?.delete(listener);
    },
    emit(topic, change = {}) {
      for (const listener of [...(listeners.get(topic) ?? [])]) listener(change);
    },
  };
}
