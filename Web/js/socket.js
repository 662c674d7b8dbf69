// The Socket.IO connection, with the official client's default options (long-polling,
// then the upgrade; reconnection with backoff). It feeds the state, and sends what the
// outbox holds: a message written offline (or before a reload) is shown pending and goes
// out with its clientMessageId once connected — a resend after a lost ack is stored once.
// After a reconnect it asks what changed since the last change it knows of. It watches the
// status of the experts the directory lists, who are not contacts yet.

import { session } from "./api.js";
import { ClientEvent, ServerEvent } from "./events.js";
import { key } from "./state/ids.js";

const ACK_TIMEOUT = 15_000;
const MOST_WATCHED = 100; // the server's bound on `watch_statuses`

const RESUME_EVERY = 30_000; // at most one renew-and-reconnect in this time, so a refusal cannot loop

export function createSocket(state, {
  onSessionEnded, renewSession, onNotification, onMessage, onUpdated, onGroupUpdated, onRefused, onWarned, onCallState, onCallSignal, onConnected,
}) {
  const socket = window.io({ auth: (callback) => callback({ token: session.token }) });
  const sending = new Set(); // clientMessageIds with a send in flight
  let joined = null;
  let watching = null; // the ids last asked to watch, joined by commas
  let resumedAt = -Infinity;

  /**
   * The server refused or ended this socket's token: expired (a tab asleep past its
   * renewal) it is renewed from the session and the socket connects again; revoked, or the
   * session over, it is time to sign in again.
   */
  async function resumeOrEnd() {
    const now = Date.now();
    if (now - resumedAt > RESUME_EVERY && await renewSession()) {
      resumedAt = now;
      state.setConnection("reconnecting");
      return socket.connect();
    }
    onSessionEnded("Your session ended; please sign in again.");
  }

  socket.on("connect", () => {
    state.setConnection("connected");
    if (state.conversations.openId) join(state.conversations.openId, { catchUp: true });
    deliverAll();
    watching = null;
    watchDirectory();
    onConnected();
  });
  state.on("directory", () => watchDirectory());
  socket.on("disconnect", (reason) => {
    joined = null;
    sending.clear();
    if (reason === "io server disconnect") return resumeOrEnd();
    state.setConnection(navigator.onLine ? "reconnecting" : "offline");
  });
  socket.on("connect_error", (error) => {
    const code = error?.data?.code;
    if (code === "invalid_token" || code === "unauthorized") return resumeOrEnd();
    state.setConnection(navigator.onLine ? "reconnecting" : "offline");
  });
  const offline = () => state.setConnection("offline");
  const online = () => socket.connected || state.setConnection("reconnecting");
  window.addEventListener("offline", offline);
  window.addEventListener("online", online);

  socket.on(ServerEvent.newMessage, (message) => onMessage(message));
  socket.on(ServerEvent.notification, (notification) => onNotification(notification));
  socket.on(ServerEvent.conversationUpdated, (update) => onUpdated(update));
  socket.on(ServerEvent.groupUpdated, (update) => onGroupUpdated(update));
  // Out of a group: the server took this socket out of its room; it is not joined here any more.
  socket.on(ServerEvent.conversationLeft, ({ conversationId, departure }) => {
    if (joined === key(conversationId)) joined = null;
    state.conversations.departed(conversationId, departure);
  });
  // Someone blocked is not shown typing (in a group; elsewhere the server passes them by).
  socket.on(ServerEvent.userTyping, ({ conversationId, userId, isTyping }) =>
    state.presence.setTyping(conversationId, userId, isTyping && !state.blocks.has(userId), state.nameOf(userId)));
  socket.on(ServerEvent.messagesRead, ({ conversationId, userId, seq }) => {
    if (key(userId) === state.me?.id) state.conversations.markRead(conversationId);
    else state.messages.setRead(conversationId, userId, seq);
  });
  socket.on(ServerEvent.userStatusChanged, ({ userId, status, lastSeenAt }) => state.presence.set(userId, status, lastSeenAt));
  socket.on(ServerEvent.userUpdated, (user) => state.userUpdated(user));
  socket.on(ServerEvent.blocksUpdated, ({ userIds }) => state.blocks.setIds(userIds));
  socket.on(ServerEvent.accountWarned, ({ message }) => onWarned(message));
  socket.on(ServerEvent.callState, (call) => onCallState(call));
  socket.on(ServerEvent.callPeerSignal, (signal) => onCallSignal(signal));
  socket.on(ServerEvent.messageUpdated, ({ conversationId, messageId, content, version, editedAt, changeSeq }) =>
    patch(conversationId, messageId, { content, version, editedAt, changeSeq }));
  socket.on(ServerEvent.messageDeleted, ({ conversationId, messageId, deletedAt, changeSeq }) =>
    patch(conversationId, messageId, { content: "", attachments: [], reactions: [], deletedAt, changeSeq }));
  socket.on(ServerEvent.reactionAdded, (change) => reacted(change, true));
  socket.on(ServerEvent.reactionRemoved, (change) => reacted(change, false));

  function patch(conversationId, messageId, fields) {
    state.messages.patch(conversationId, messageId, fields);
    state.conversations.patchLastMessage(conversationId, messageId, fields);
    state.noteChange(conversationId, fields.changeSeq);
  }

  function reacted(change, added) {
    state.messages.reacted(change, added, state.me?.id);
    state.noteChange(change.conversationId, change.changeSeq);
  }

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
    joined = null;
    // A group one has left is read, not joined.
    if (state.conversations.get(conversationId)?.departure) return;
    joined = conversationId;
    if (!socket.connected) return;
    await call(ClientEvent.joinConversation, { conversationId });
    if (!catchUp) return;
    // Every change since the last one known here: new messages, and edits, deletes and
    // reactions to older ones.
    let changesAfter = state.changeSeqOf(conversationId);
    for (let page = 0; page < 20; page++) {
      const missed = await call(ClientEvent.syncConversation, { conversationId, changesAfter, limit: 200 });
      state.messages.add(conversationId, missed.messages);
      state.messages.setChangeSeq(conversationId, missed.lastChangeSeq, state.changeSeqOf(conversationId));
      if (!missed.hasMore || !missed.messages.length) break;
      changesAfter = missed.lastChangeSeq;
    }
  }

  /** Follows the status of the experts listed (the first of them: the server bounds it), from who is online now. */
  function watchDirectory() {
    if (!socket.connected || !state.me) return;
    const userIds = state.directory.list().map((user) => user.id).filter((id) => id !== state.me.id).slice(0, MOST_WATCHED);
    if (userIds.join(",") === watching) return;
    watching = userIds.join(",");
    call(ClientEvent.watchStatuses, { userIds })
      .then(({ online }) => {
        const now = new Set(online.map(key));
        state.presence.setMany(userIds.map((id) => [id, now.has(id) ? "online" : "offline"]));
      })
      .catch(() => { watching = null; });
  }

  /** Asks for a change to a message; the ack's message replaces the one shown. */
  function change(event, payload) {
    return call(event, payload).then((ack) => state.messages.add(payload.conversationId, [ack.message]));
  }

  function deliver({ clientMessageId, conversationId, content, file, replyTo }) {
    if (!socket.connected || sending.has(clientMessageId) || file) return; // files go by upload (file-outbox.js)
    sending.add(clientMessageId);
    call(ClientEvent.sendMessage, { conversationId, content, clientMessageId, ...(replyTo ? { replyTo: replyTo.id } : {}) })
      .then((ack) => {
        state.outbox.remove(clientMessageId);
        state.messages.add(conversationId, [ack.message]);
      })
      .catch((error) => {
        if (error.retryable || !socket.connected) return; // stays in the outbox for the next connect
        state.outbox.remove(clientMessageId);
        state.messages.remove(conversationId, "pending-" + clientMessageId);
        onRefused(error);
      })
      .finally(() => sending.delete(clientMessageId));
  }

  function deliverAll() {
    for (const entry of state.outbox.list()) deliver(entry);
  }

  return {
    join,
    /** Queues a message (`replyTo`: the preview of what it answers): shown at once as pending, kept until stored, sent now or on reconnect. */
    send(conversationId, content, replyTo = null) {
      const entry = {
        clientMessageId: crypto.randomUUID(), conversationId, content, createdAt: new Date().toISOString(), ...(replyTo ? { replyTo } : {}),
      };
      state.outbox.add(entry);
      state.messages.add(conversationId, [pendingCopy(entry, state.me.id)]);
      deliver(entry);
    },
    edit: (conversationId, messageId, content) => change(ClientEvent.editMessage, { conversationId, messageId, content }),
    remove: (conversationId, messageId) => change(ClientEvent.deleteMessage, { conversationId, messageId }),
    react: (conversationId, messageId, emoji, add) =>
      change(add ? ClientEvent.addReaction : ClientEvent.removeReaction, { conversationId, messageId, emoji }),
    markUnread: (conversationId, messageId) => call(ClientEvent.markUnread, { conversationId, messageId }),
    /** Gives the socket the tab's renewed token, so that it goes on past the old one's expiry. */
    renewToken(token) {
      if (socket.connected) call(ClientEvent.renewToken, { token }).catch(() => {}); // else the next CONNECT carries it
    },
    /** A call event's ack (call.js names the events). */
    request: (event, payload) => call(event, payload),
    typing(conversationId, isTyping) {
      if (socket.connected) socket.emit(ClientEvent.typing, { conversationId, isTyping });
    },
    markRead(conversationId, seq) {
      if (socket.connected) call(ClientEvent.markRead, { conversationId, seq }).catch(() => {});
    },
    disconnect() {
      window.removeEventListener("offline", offline);
      window.removeEventListener("online", online);
      socket.disconnect();
    },
    get connected() { return socket.connected; },
  };
}

/** How a message waiting in the outbox shows: pending, last, in the user's own bubble. */
export function pendingCopy({ clientMessageId, conversationId, content, createdAt, file, replyTo }, senderId) {
  return {
    id: "pending-" + clientMessageId, conversationId, seq: Infinity, senderId, content, messageType: file ? "FILE" : "TEXT",
    clientMessageId, createdAt, attachments: [], pending: true, ...(replyTo ? { replyTo } : {}),
  };
}
