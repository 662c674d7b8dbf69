// Files sent into conversations. A file goes into the outbox first (its bytes in
// IndexedDB, what is known of it with the other unsent messages), shows at once with its
// progress, and is uploaded under its clientMessageId: a file picked offline, or whose
// upload the connection cut, is sent when the page is connected again, after a reload
// too, and stored once. What the server refuses for good is taken out and explained.

import { upload } from "./api.js";
import { fileStore } from "./file-store.js";
import { pendingCopy } from "./socket.js";

const RETRY_AFTER = 3000; // ms before a refused-for-now upload is tried again while connected, doubling to a minute

export function createFileOutbox(state, { toast }) {
  const inMemory = new Map(); // clientMessageId → File, for this page's life (and when IndexedDB refuses)
  const uploading = new Set();
  const attempts = new Map(); // clientMessageId → uploads refused for now in a row

  function drop(entry, message) {
    state.outbox.remove(entry.clientMessageId);
    state.messages.remove(entry.conversationId, "pending-" + entry.clientMessageId);
    inMemory.delete(entry.clientMessageId);
    fileStore.remove(state.me.id, entry.clientMessageId).catch(() => {});
    if (message) toast(message, { kind: "error" });
  }

  async function deliver(entry) {
    if (uploading.has(entry.clientMessageId) || state.connection !== "connected" || !state.me) return;
    uploading.add(entry.clientMessageId);
    const pendingId = "pending-" + entry.clientMessageId;
    state.messages.patch(entry.conversationId, pendingId, { progress: 0 });
    try {
      const file = inMemory.get(entry.clientMessageId) ?? await fileStore.get(state.me.id, entry.clientMessageId).catch(() => undefined);
      if (!file) return drop(entry, `${entry.file.name} could not be kept in this browser; please send it again.`);
      const message = await upload(entry.conversationId, file, entry.clientMessageId,
        (progress) => state.messages.patch(entry.conversationId, pendingId, { progress }));
      state.outbox.remove(entry.clientMessageId);
      inMemory.delete(entry.clientMessageId);
      attempts.delete(entry.clientMessageId);
      fileStore.remove(state.me.id, entry.clientMessageId).catch(() => {});
      state.messages.add(entry.conversationId, [message]);
    } catch (error) {
      if (error.retryable || error.status === 0 || error.status >= 500 || error.status === 429) {
        // Kept: tried again in a while, and whenever the page is connected again.
        state.messages.patch(entry.conversationId, pendingId, { progress: undefined });
        const failed = (attempts.get(entry.clientMessageId) ?? 0) + 1;
        attempts.set(entry.clientMessageId, failed);
        setTimeout(() => state.outbox.has(entry.clientMessageId) && deliver(entry), Math.min(60_000, RETRY_AFTER * 2 ** (failed - 1)));
      } else {
        drop(entry, error.status === 413 ? `${entry.file.name} is too large to send. ${error.message}` : error.message);
      }
    } finally {
      uploading.delete(entry.clientMessageId);
    }
  }

  const deliverAll = () => state.outbox.list().filter((entry) => entry.file).forEach(deliver);
  state.on("connection", ({ state: value }) => value === "connected" && deliverAll());

  return {
    /** Shown at once, kept until stored, sent now or when connected. */
    async send(conversationId, file) {
      const entry = {
        clientMessageId: crypto.randomUUID(), conversationId, content: file.name, createdAt: new Date().toISOString(),
        file: { name: file.name, size: file.size, type: file.type },
      };
      inMemory.set(entry.clientMessageId, file);
      await fileStore.put(state.me.id, entry.clientMessageId, file).catch(() => {}); // refused: kept for this page's life
      state.outbox.add(entry);
      state.messages.add(conversationId, [pendingCopy(entry, state.me.id)]);
      deliver(entry);
    },
    deliverAll,
    /** Signing out on purpose: the user's kept files go too. */
    forget(userId) {
      inMemory.clear();
      return fileStore.forget(userId).catch(() => {});
    },
  };
}
