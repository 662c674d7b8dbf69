// The page: sign-in, then the chat, wired from the store to the views and the socket.

import { api, session, upload, whenUnauthorized } from "./api.js";
import { key } from "./format.js";
import { createSocket } from "./socket.js";
import { sound } from "./sound.js";
import { createStore } from "./store.js";
import { renderAuth } from "./views/auth.js";
import { forgetPictures } from "./views/avatar.js";
import { renderConversation } from "./views/conversation.js";
import { renderDirectory } from "./views/directory.js";
import { renderProfile } from "./views/profile.js";
import { renderSearch } from "./views/search.js";
import { renderSidebar } from "./views/sidebar.js";
import { showError, toast } from "./views/toasts.js";

const store = createStore();
let socket = null;
const readUpTo = new Map(); // conversation → seq last marked read

function showAuth(message) {
  socket?.disconnect();
  socket = null;
  session.token = null;
  store.reset();
  forgetPictures();
  document.getElementById("app").hidden = true;
  document.getElementById("auth").hidden = false;
  document.title = "Chat";
  if (message) toast(message, { kind: "error" });
}

async function start() {
  document.getElementById("auth").hidden = true;
  document.getElementById("app").hidden = false;
  try {
    store.setMe(await api.me());
    const [conversations] = await Promise.all([api.conversations(), directory.reload()]);
    store.setConversations(conversations);
    await refreshPresence();
  } catch (error) {
    if (error.status !== 401) showError(error);
    return;
  }
  socket = createSocket(store, {
    onSessionEnded: (message) => showAuth(message),
    onMessage: (message) => arrived(message),
    onNotification: (notification) => notified(notification),
    onUpdated: (update) => updated(update),
  });
}

async function refreshPresence() {
  const others = new Set();
  for (const conversation of store.state.conversations.values()) {
    for (const user of conversation.participants) if (user.id !== store.state.me.id) others.add(user.id);
  }
  if (!others.size) return;
  const statuses = await api.presence([...others].slice(0, 500)).catch(() => []);
  for (const { userId, status } of statuses) store.setPresence(userId, status);
}

/** A message in the conversation open here. */
function arrived(message) {
  const id = key(message.conversationId);
  store.noteChange(id, message.changeSeq);
  const reading = store.state.openId === id && document.visibilityState === "visible";
  store.addMessages(id, [message]);
  const theirs = message.senderId && key(message.senderId) !== store.state.me.id && message.messageType !== "SYSTEM";
  store.received(message, { countUnread: theirs && !reading });
  updateTitle();
}

/** A conversation of ours changed (a message, a read on another device, a delete): its count and preview. */
async function updated(update) {
  const id = key(update.conversationId);
  const reading = store.state.openId === id && document.visibilityState === "visible";
  if (!store.updated(update, { reading })) {
    store.setConversations(await api.conversations().catch(() => [...store.state.conversations.values()]));
    await refreshPresence();
  }
  updateTitle();
}

/** A message in a conversation not open here: a toast, the badge, the title. */
async function notified({ conversationId, message }) {
  const id = key(conversationId);
  if (!store.received(message, { countUnread: message.messageType !== "SYSTEM" })) {
    store.setConversations(await api.conversations().catch(() => [...store.state.conversations.values()]));
    await refreshPresence();
  }
  updateTitle();
  const sender = store.nameOf(message.senderId);
  toast(`${sender}: ${message.content}`, { onClick: () => open(id) });
  sound.chime();
}

/** A file into the conversation: shown at once with its progress, then as stored. */
async function sendFile(conversationId, file) {
  const clientMessageId = crypto.randomUUID();
  const pending = {
    id: "pending-" + clientMessageId, conversationId, seq: Infinity, senderId: store.state.me.id, content: file.name,
    messageType: "FILE", clientMessageId, createdAt: new Date().toISOString(), attachments: [], pending: true, progress: 0,
  };
  store.addMessages(conversationId, [pending]);
  try {
    const message = await upload(conversationId, file, clientMessageId, (progress) => {
      pending.progress = progress;
      store.addMessages(conversationId, [pending]);
    });
    store.addMessages(conversationId, [message]);
  } catch (error) {
    store.removeMessage(conversationId, pending.id);
    toast(error.status === 413 ? `${file.name} is too large to send. ${error.message}` : error.message, { kind: "error" });
  }
}

function updateTitle() {
  const unread = store.unreadTotal();
  document.title = unread ? `(${unread}) Chat` : "Chat";
}

async function open(conversationId) {
  store.open(conversationId);
  store.markReadLocally(conversationId);
  updateTitle();
  try {
    if (!store.state.messages.has(conversationId)) {
      const page = await api.history(conversationId);
      store.addMessages(conversationId, page.messages, { hasMore: page.hasMore });
    }
    await socket?.join(conversationId, { catchUp: true });
  } catch (error) {
    showError(error);
  }
}

renderAuth({
  onSignedIn: ({ token }) => {
    session.token = token;
    start();
  },
});
renderSidebar(store, { onOpen: open });
const directory = renderDirectory(store, {
  load: (query) => api.experts(query),
  onPickExpert: async (expertId) => {
    try {
      const conversation = await api.openWithExpert(expertId);
      store.upsertConversation(conversation);
      await refreshPresence();
      await open(key(conversation.id));
    } catch (error) {
      showError(error);
    }
  },
});
renderConversation(store, {
  onSend: (conversationId, content) => socket?.send(conversationId, content, showError),
  onUpload: (conversationId, file) => sendFile(conversationId, file),
  onTyping: (conversationId, isTyping) => socket?.typing(conversationId, isTyping),
  onLoadOlder: async (conversationId, before) => {
    const page = await api.history(conversationId, before).catch((error) => (showError(error), null));
    if (page) store.addMessages(conversationId, page.messages, { older: true, hasMore: page.hasMore });
  },
  onRead: (conversationId, seq) => {
    if (!socket?.connected || (readUpTo.get(conversationId) ?? 0) >= seq) return;
    readUpTo.set(conversationId, seq);
    store.markReadLocally(conversationId);
    updateTitle();
    socket?.markRead(conversationId, seq);
  },
  onBack: () => store.open(null),
  onEdit: (message, content) => socket?.edit(message.conversationId, message.id, content).catch(showError),
  onDelete: (message) => socket?.remove(message.conversationId, message.id).catch(showError),
  onReact: (message, emoji, add) => socket?.react(message.conversationId, message.id, emoji, add).catch(showError),
  onMarkUnread: async (message) => {
    // Back to the list, so that it is not read again at once; opening it reads it.
    readUpTo.delete(message.conversationId);
    store.open(null);
    try {
      store.updated(await socket.markUnread(message.conversationId, message.id), { reading: false });
      updateTitle();
    } catch (error) {
      showError(error);
    }
  },
});

renderProfile(store, { save: api.updateProfile, setPicture: api.setAvatar, removePicture: api.removeAvatar });

renderSearch(store, {
  search: (query, cursor) => api.search(query, cursor),
  onOpenMessage: async (message) => {
    const id = key(message.conversationId);
    await open(id);
    // A message older than what is loaded: the page from just before it.
    if (!store.state.messages.get(id)?.has(key(message.id))) {
      const page = await api.historyAfter(id, Math.max(0, message.seq - 10)).catch((error) => (showError(error), null));
      if (page) store.addMessages(id, page.messages);
    }
    store.focus(message.id);
  },
});

const connection = document.querySelector("[data-testid=connection-status]");
store.on("connection", ({ connection: state }) => {
  connection.dataset.state = state;
  connection.textContent = { connected: "Connected", reconnecting: "Reconnecting…", offline: "Offline" }[state];
});
document.getElementById("logout").addEventListener("click", () => showAuth());
const soundToggle = document.getElementById("sound-toggle");
soundToggle.checked = sound.enabled;
soundToggle.addEventListener("change", () => { sound.enabled = soundToggle.checked; });
whenUnauthorized(() => showAuth("Your session ended; please sign in again."));

if (session.token) start();
else showAuth();
