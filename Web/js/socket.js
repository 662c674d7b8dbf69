// The Socket.IO connection, with the official client's default options (long-polling,
// then the upgrade; reconnection with backoff). It feeds the store and keeps an outbox:
// a message typed while offline waits, marked pending, and goes out with its
// clientMessageId once connected — a resend after a lost ack is stored once. After a
// reconnect it asks what changed since the last change it knows of.

import { session } from "./api.js";
import { ClientEvent, ServerEvent } from "./events.js";

const ACK_TIMEOUT = 15_000;

export function createSocket(store, { onSessionEnded, onNotification, onMessage, onUpdated }) {
  const socket = window.io({ auth: (callback) => callback({ token: session.token }) });
  const outbox = new Map(); // clientMessageId → {conversationId, content}
  let joined = null;

  socket.on("connect", () => {
    store.setConnection("connected");
    if (store.state.openId) join(store.state.openId, { catchUp: true });
    for (const [clientMessageId, pending] of outbox) deliver(clientMessageId, pending);
  });
  socket.on("disconnect", (reason) => {
    joined = null;
    // The server ended the session (its token expired or was revoked): sign in again.
    if (reason === "io server disconnect") return onSessionEnded("Your session ended; please sign in again.");
    store.setConnection(navigator.onLine ? "reconnecting" : "offline");
  });
  socket.on("connect_error", (error) => {
    const code = error?.data?.code;
    if (code === "invalid_token" || code === "unauthorized") return onSessionEnded("Your session ended; please sign in again.");
    store.setConnection(navigator.onLine ? "reconnecting" : "offline");
  });
  window.addEventListener("offline", () => store.setConnection("offline"));
  window.addEventListener("online", () => socket.connected || store.setConnection("reconnecting"));

  socket.on(ServerEvent.newMessage, (message) => onMessage(message));
  socket.on(ServerEvent.notification, (notification) => onNotification(notification));
  socket.on(ServerEvent.conversationUpdated, (update) => onUpdated(update));
  socket.on(ServerEvent.userTyping, ({ conversationId, userId, isTyping }) => store.setTyping(conversationId, userId, isTyping));
  socket.on(ServerEvent.messagesRead, ({ conversationId, userId, seq }) => store.setRead(conversationId, userId, seq));
  socket.on(ServerEvent.userStatusChanged, ({ userId, status }) => store.setPresence(userId, status));
  socket.on(ServerEvent.userUpdated, (user) => store.userUpdated(user));
  socket.on(ServerEvent.messageUpdated, ({ conversationId, messageId, content, version, editedAt, changeSeq }) =>
    store.patchMessage(conversationId, messageId, { content, version, editedAt, changeSeq }));
  socket.on(ServerEvent.messageDeleted, ({ conversationId, messageId, deletedAt, changeSeq }) =>
    store.patchMessage(conversationId, messageId, { content: "", attachments: [], reactions: [], deletedAt, changeSeq }));
  socket.on(ServerEvent.reactionAdded, (change) => store.reacted(change, true));
  socket.on(ServerEvent.reactionRemoved, (change) => store.reacted(change, false));

  function call(event, payload) {
    return new Promise((resolve, reject) => {
      socket.timeout(ACK_TIMEOUT).emit(event, payload, (error, ack) => {
        if (error) return reject(Object.assign(new Error("No answer from the server"), { retryable: true }));
        if (ack?.error) return reject(Object.assign(new Error(ack.error.message), ack.error));
        resolve(ack);
      });
    });
  }

  /** Joins the conversation shown (leaving the last one); after a reconnect, fetches what was missed. */
  async function join(conversationId, { catchUp = false } = {}) {
    if (joined && joined !== conversationId) socket.emit(ClientEvent.leaveConversation, { conversationId: joined });
    joined = conversationId;
    if (!socket.connected) return;
    await call(ClientEvent.joinConversation, { conversationId });
    if (catchUp) {
      // Every change since the last one known here: new messages, and edits, deletes and
      // reactions to older ones.
      let changesAfter = store.changeSeqOf(conversationId);
      for (let page = 0; page < 20; page++) {
        const missed = await call(ClientEvent.syncConversation, { conversationId, changesAfter, limit: 200 });
        store.addMessages(conversationId, missed.messages);
        store.setChangeSeq(conversationId, missed.lastChangeSeq);
        if (!missed.hasMore || !missed.messages.length) break;
        changesAfter = missed.lastChangeSeq;
      }
    }
  }

  /** Asks for a change to a message; the ack's message replaces the one shown. */
  function change(event, payload) {
    return call(event, payload).then((ack) => store.addMessages(payload.conversationId, [ack.message]));
  }

  function deliver(clientMessageId, pending) {
    if (!socket.connected) return;
    call(ClientEvent.sendMessage, { conversationId: pending.conversationId, content: pending.content, clientMessageId })
      .then((ack) => {
        outbox.delete(clientMessageId);
        store.addMessages(pending.conversationId, [ack.message]);
      })
      .catch((error) => {
        if (error.retryable || !socket.connected) return; // stays in the outbox for the next connect
        outbox.delete(clientMessageId);
        store.removeMessage(pending.conversationId, "pending-" + clientMessageId);
        pending.onRefused?.(error);
      });
  }

  return {
    join,
    /** Queues a message: shown at once as pending, sent now or on reconnect. */
    send(conversationId, content, onRefused) {
      const clientMessageId = crypto.randomUUID();
      const pending = { conversationId, content, onRefused };
      store.addMessages(conversationId, [{
        id: "pending-" + clientMessageId, conversationId, seq: Infinity, senderId: store.state.me.id, content,
        messageType: "TEXT", clientMessageId, createdAt: new Date().toISOString(), attachments: [], pending: true,
      }]);
      outbox.set(clientMessageId, pending);
      deliver(clientMessageId, pending);
    },
    edit: (conversationId, messageId, content) => change(ClientEvent.editMessage, { conversationId, messageId, content }),
    remove: (conversationId, messageId) => change(ClientEvent.deleteMessage, { conversationId, messageId }),
    react: (conversationId, messageId, emoji, add) => change(add ? ClientEvent.addReaction : ClientEvent.removeReaction, { conversationId, messageId, emoji }),
    markUnread: (conversationId, messageId) => call(ClientEvent.markUnread, { conversationId, messageId }),
    typing(conversationId, isTyping) {
      if (socket.connected) socket.emit(ClientEvent.typing, { conversationId, isTyping });
    },
    markRead(conversationId, seq) {
      if (socket.connected) call(ClientEvent.markRead, { conversationId, seq }).catch(() => {});
    },
    disconnect() { socket.disconnect(); },
    get connected() { return socket.connected; },
    get pendingCount() { return outbox.size; },
  };
}
