// What the state tests share: a storage like the browser's, and a recorder of changes.

import { createState } from "../../Web/js/state/index.js";

export function memoryStorage(initial = {}) {
  const items = new Map(Object.entries(initial));
  return {
    getItem: (name) => (items.has(name) ? items.get(name) : null),
    setItem: (name, value) => items.set(name, String(value)),
    removeItem: (name) => items.delete(name),
    get items() { return Object.fromEntries(items); },
  };
}

/** A state and every change it told, by topic. */
export function recordedState(storage = memoryStorage()) {
  const state = createState({ storage });
  const changes = [];
  for (const topic of ["me", "conversations", "open", "messages", "receipts", "focus", "presence", "typing", "directory", "drafts", "outbox", "users", "connection", "calls", "reset"]) {
    state.on(topic, (change) => changes.push({ topic, ...change }));
  }
  return { state, storage, changes, of: (topic) => changes.filter((change) => change.topic === topic) };
}

export const ME = { id: "AAAAAAAA-0000-0000-0000-000000000001", name: "Ada", email: "ada@example.com", role: "student" };
export const GRACE = { id: "AAAAAAAA-0000-0000-0000-000000000002", name: "Grace", role: "expert" };
export const CONVERSATION = "CCCCCCCC-0000-0000-0000-000000000001";

export function message(seq, fields = {}) {
  return {
    id: `MMMMMMMM-0000-0000-0000-${String(seq).padStart(12, "0")}`,
    conversationId: CONVERSATION,
    seq,
    senderId: GRACE.id,
    content: `message ${seq}`,
    messageType: "TEXT",
    createdAt: new Date(Date.UTC(2026, 11, 5, 10, seq)).toISOString(),
    attachments: [],
    ...fields,
  };
}

export function conversation(fields = {}) {
  return {
    id: CONVERSATION,
    kind: "direct",
    participants: [ME, GRACE],
    unreadCount: 0,
    lastSeq: 0,
    lastChangeSeq: 0,
    updatedAt: "2026-12-05T10:00:00.000Z",
    ...fields,
  };
}
