// The page: sign-in, then the chat, wired from the state to the views and the socket.
// Every conversation has an address (/chat/c/<id>): Back, reload and links work.

import { api, session, whenUnauthorized } from "./api.js";
import { createSessionKeeper } from "./session-renewal.js";
import { createCallController } from "./call.js";
import { createFileOutbox } from "./file-outbox.js";
import { callLine } from "./format.js";
import { isNews } from "./message-kinds.js";
import { shrinkPicture } from "./picture.js";
import { createSocket, pendingCopy } from "./socket.js";
import { sound } from "./sound.js";
import { key } from "./state/ids.js";
import { createState } from "./state/index.js";
import { renderAuth } from "./views/auth.js";
import { renderCalls } from "./views/calls.js";
import { forgetAttachments } from "./views/attachments.js";
import { forgetPictures } from "./views/avatar.js";
import { renderConversation } from "./views/conversation/index.js";
import { renderDirectory } from "./views/directory.js";
import { renderGroupPanel } from "./views/group-panel.js";
import { renderNewGroup } from "./views/new-group.js";
import { renderDevices } from "./views/devices.js";
import { renderVerifyBanner } from "./views/verify-banner.js";
import { renderEmailSetting } from "./views/email-setting.js";
import { renderPasswordChange } from "./views/password.js";
import { renderProfile } from "./views/profile.js";
import { renderReport } from "./views/report.js";
import { renderSearch } from "./views/search.js";
import { renderSidebar } from "./views/sidebar.js";
import { renderSkipLinks } from "./views/skip-links.js";
import { renderViewer } from "./views/viewer.js";
import { dismissToasts, showError, toast } from "./views/toasts.js";

const state = createState({ storage: window.localStorage });
let socket = null;
const files = createFileOutbox(state, { toast });
const readUpTo = new Map(); // conversation → seq last marked read
const calls = createCallController(state, {
  request: (event, payload) => (socket ? socket.request(event, payload) : Promise.reject(new Error("Not connected"))),
  iceServers: api.iceServers,
  notice: (text) => toast(text),
});

/** The conversation the address names, if any. */
function addressed() {
  const match = /^\/chat\/c\/([0-9a-fA-F-]{36})\/?$/.exec(location.pathname);
  return match ? key(match[1]) : null;
}

/** A password reset link's token, when the address is one (`/chat/reset/<token>`). */
function resetLink() {
  return /^\/chat\/reset\/([A-Za-z0-9_-]{43})\/?$/.exec(location.pathname)?.[1] ?? null;
}

/** A mail's unsubscribe link's token (`/chat/unsubscribe/<token>`). */
function unsubscribeLink() {
  return /^\/chat\/unsubscribe\/([A-Za-z0-9_-]{1,64})\/?$/.exec(location.pathname)?.[1] ?? null;
}

/** An address confirmation link's token (`/chat/verify/<token>`). */
function verifyLink() {
  return /^\/chat\/verify\/([A-Za-z0-9_-]{43})\/?$/.exec(location.pathname)?.[1] ?? null;
}

/**
 * Confirms the address of the link opened, then goes on as the page would: signed in, the
 * token is renewed (the old one said "not confirmed") and the banner goes.
 */
async function confirmAddress(token) {
  history.replaceState(null, "", "/chat");
  try {
    await api.verifyEmail(token);
  } catch (error) {
    return error;
  }
  return null;
}

/** The invite link's token, when the address is one (`/chat/join/<token>`). */
function invitation() {
  return /^\/chat\/join\/([A-Za-z0-9_-]{1,64})\/?$/.exec(location.pathname)?.[1] ?? null;
}

const keeper = createSessionKeeper({
  onRenewed: ({ token }) => socket?.renewToken(token),
  onEnded: () => showAuth("Your session ended; please sign in again."),
});

function showAuth(message, { forgetStored = false } = {}) {
  keeper.stop();
  calls.hangUp();
  socket?.disconnect();
  socket = null;
  session.token = null;
  if (forgetStored && state.me) files.forget(state.me.id);
  state.signOut({ forgetStored });
  readUpTo.clear();
  forgetPictures();
  forgetAttachments();
  document.getElementById("app").hidden = true;
  document.getElementById("auth").hidden = false;
  mainLandmark("auth");
  document.title = "Chat";
  auth.notice(message);
}

/** One main landmark in the document, whichever view shows (a hidden second one still counts for some readers). */
function mainLandmark(id) {
  for (const view of ["auth", "pane"]) {
    const node = document.getElementById(view);
    if (view === id) node.setAttribute("role", "main");
    else node.removeAttribute("role");
  }
}

async function start() {
  document.getElementById("auth").hidden = true;
  document.getElementById("app").hidden = false;
  mainLandmark("pane");
  try {
    state.signIn(await api.me());
    const [{ conversations, next }, policy, blocked] = await Promise.all([
      api.conversations(),
      api.policy().catch(() => null),
      api.blocks().catch(() => []),
      directory.reload(),
    ]);
    state.session.setPolicy(policy);
    state.blocks.setUsers(blocked ?? []);
    if (policy?.maxMessageLength) document.getElementById("composer-input").maxLength = policy.maxMessageLength;
    state.conversations.set(conversations);
    sidebar.continueFrom(next);
    receipts(conversations);
    await refreshPresence();
  } catch (error) {
    if (error.status !== 401) showError(error);
    return;
  }
  // What waited to be sent shows in its conversation until it is stored.
  for (const entry of state.outbox.list()) state.messages.add(entry.conversationId, [pendingCopy(entry, state.me.id)]);
  socket = createSocket(state, {
    onSessionEnded: (message) => showAuth(message),
    renewSession: () => keeper.renew(),
    onWarned: (message) => toast(`A warning from the platform's team: ${message}`, { kind: "error", timeout: 30000 }),
    onMessage: (message) => arrived(message),
    onNotification: (notification) => notified(notification),
    onUpdated: (update) => updated(update),
    onGroupUpdated: async (update) => {
      const id = key(update.conversationId);
      const wasOut = !!state.conversations.get(id)?.departure;
      if (!state.conversations.groupUpdated(update)) return reloadConversations();
      await refreshPresence();
      // Added again to the group being read: back in its room.
      if (wasOut && state.conversations.openId === id) await socket?.join(id, { catchUp: true }).catch(() => {});
    },
    onRefused: showError,
    onCallState: (call) => calls.received(call),
    onCallSignal: (signal) => calls.signalled(signal),
    onConnected: () => calls.reconnected(),
  });
  updateTitle();
  const id = addressed();
  const token = invitation();
  if (token) await offerToJoin(token);
  else if (id) await open(id, { address: "keep" });
  // Signed in: the keyboard starts at the conversations (else the experts), not the page's top.
  else if (!document.activeElement || document.activeElement === document.body) {
    document.querySelector("#conversations .item, #expert-search")?.focus();
  }
}

/** Others' read positions, as a conversation lists them. */
function receipts(conversations) {
  for (const conversation of conversations) {
    for (const { userId, seq } of conversation.reads ?? []) {
      if (key(userId) !== state.me.id) state.messages.setRead(conversation.id, userId, seq);
    }
  }
}

/** The list from its first page again (a conversation we did not know of changed). */
async function reloadConversations() {
  const page = await api.conversations().catch(() => null);
  if (!page) return;
  state.conversations.set(page.conversations);
  sidebar.continueFrom(page.next);
  receipts(page.conversations);
  await refreshPresence();
}

async function refreshPresence() {
  const others = new Set();
  for (const conversation of state.conversations.list()) {
    for (const user of conversation.participants) if (user.id !== state.me.id) others.add(user.id);
  }
  if (!others.size) return;
  const statuses = await api.presence([...others].slice(0, 500)).catch(() => []);
  state.presence.setMany(statuses.map(({ userId, status, lastSeenAt }) => [userId, status, lastSeenAt]));
}

const isReading = (conversationId) => state.conversations.openId === key(conversationId) && document.visibilityState === "visible";

/** A message in the conversation open here. */
function arrived(message) {
  const id = key(message.conversationId);
  state.noteChange(id, message.changeSeq);
  state.messages.add(id, [message]);
  const theirs = message.senderId && key(message.senderId) !== state.me.id && isNews(message);
  state.conversations.received(message, { countUnread: theirs && !isReading(id) });
  updateTitle();
}

/** A conversation of ours changed (a read on another device, a delete): its count and preview. */
async function updated(update) {
  if (!state.conversations.updated(update, { reading: isReading(update.conversationId) })) await reloadConversations();
  updateTitle();
}

/**
 * A message in a conversation not joined here: the badge and the title, and for news (not
 * a SYSTEM line: a welcome is no news) a toast and the chime.
 */
async function notified({ conversationId, message }) {
  const id = key(conversationId);
  const news = isNews(message);
  if (!state.conversations.received(message, { countUnread: news })) await reloadConversations();
  updateTitle();
  // Someone blocked is not announced: no toast, no chime.
  if (!news || isReading(id) || state.blocks.has(message.senderId)) return;
  const text = message.messageType === "CALL" ? callLine(message.call, false).text : message.content;
  toast(`${state.nameOf(message.senderId)}: ${text}`, { onClick: () => open(id), conversationId: id });
  sound.chime();
}

function updateTitle() {
  document.title = state.title();
}

/**
 * Opens a conversation (one not in the list, such as a link's or a search result's, is
 * asked for). `address`: "push" a history entry, "keep" the address as it is.
 */
async function open(conversationId, { address = "push" } = {}) {
  const id = key(conversationId);
  try {
    if (!state.conversations.has(id)) {
      state.conversations.upsert(await api.conversation(id));
      await refreshPresence();
    }
  } catch (error) {
    showError(error);
    if (address === "keep") history.replaceState(null, "", "/chat");
    return;
  }
  if (address === "push" && addressed() !== id) history.pushState({ conversationId: id }, "", `/chat/c/${id}`);
  state.conversations.open(id);
  state.conversations.markRead(id);
  dismissToasts(id);
  updateTitle();
  try {
    if (!state.messages.loaded(id)) {
      const page = await api.history(id);
      state.messages.add(id, page.messages, { hasMore: page.hasMore });
    }
    await socket?.join(id, { catchUp: true });
  } catch (error) {
    showError(error);
  }
}

/** An invite link opened: where it leads, and joining there if the reader says so. */
async function offerToJoin(token) {
  let preview;
  try {
    preview = await api.invitePreview(token);
  } catch (error) {
    history.replaceState(null, "", "/chat");
    return showError(error);
  }
  if (preview.isMember) return enter(preview.conversationId);
  const dialog = document.getElementById("join-dialog");
  document.getElementById("join-heading").textContent = `Join “${preview.title ?? "a group"}”?`;
  document.getElementById("join-detail").textContent =
    `${preview.memberCount} member${preview.memberCount === 1 ? "" : "s"}. You will read what is said from when you join.`;
  dialog.showModal();
  const joining = await new Promise((resolve) => {
    document.getElementById("join-cancel").onclick = () => resolve(false);
    document.getElementById("join-form").onsubmit = (event) => {
      event.preventDefault();
      resolve(true);
    };
    dialog.oncancel = () => resolve(false);
  });
  dialog.close();
  if (!joining) return history.replaceState(null, "", "/chat");
  try {
    const conversation = await api.joinByInvite(token);
    state.conversations.upsert(conversation);
    await refreshPresence();
    await enter(conversation.id);
  } catch (error) {
    history.replaceState(null, "", "/chat");
    showError(error);
  }
}

/** Opens the conversation in place of the address the page came by (an invite link). */
async function enter(conversationId) {
  history.replaceState({ conversationId: key(conversationId) }, "", `/chat/c/${key(conversationId)}`);
  await open(conversationId, { address: "keep" });
}

/** Back to the list (the phone's one pane), as the browser's Back does. */
function close() {
  if (history.state?.conversationId) history.back();
  else {
    history.replaceState(null, "", "/chat");
    state.conversations.open(null);
  }
}

window.addEventListener("popstate", () => {
  if (!state.me) return;
  const id = addressed();
  if (id) open(id, { address: "keep" });
  else state.conversations.open(null);
});

const auth = renderAuth({
  onSignedIn: (answer) => {
    keeper.begin(answer);
    start();
  },
  // The link is spent: the address goes back to the page's own.
  onPasswordSet: () => history.replaceState(null, "", "/chat"),
});
const sidebar = renderSidebar(state, {
  onOpen: (id) => open(id),
  loadMore: (next) => api.conversations({ next }),
  onLoaded: (conversations) => {
    receipts(conversations);
    refreshPresence();
  },
});
const directory = renderDirectory(state, {
  load: (query) => api.experts(query),
  onPickExpert: async (expertId) => {
    try {
      const conversation = await api.openWithExpert(expertId);
      state.conversations.upsert(conversation);
      await refreshPresence();
      await open(conversation.id);
    } catch (error) {
      showError(error);
    }
  },
});
/** The page of history before `before`; false (the reader told why) when it could not be had. */
async function loadOlder(conversationId, before) {
  const page = await api.history(conversationId, before).catch((error) => (showError(error), null));
  if (page) state.messages.add(conversationId, page.messages, { older: true, hasMore: page.hasMore });
  return !!page;
}

/**
 * Brings a message of the open conversation into view, marked. One older than what is
 * loaded is paged back to (up to 20 pages, so that history has no hole); further back,
 * the page around it is fetched.
 */
async function showMessage(conversationId, messageId, seq) {
  const id = key(conversationId);
  for (let page = 0; page < 20 && !state.messages.get(id, messageId) && state.messages.hasMore(id); page++) {
    const oldest = state.messages.list(id).find((message) => !message.pending);
    if (!oldest || !(oldest.seq > seq)) break;
    if (!(await loadOlder(id, oldest.seq))) return;
  }
  if (!state.messages.get(id, messageId) && seq > 0) {
    const around = await api.historyAfter(id, Math.max(0, seq - 10)).catch((error) => (showError(error), null));
    if (around) state.messages.add(id, around.messages);
  }
  state.messages.focus(id, messageId);
}

/** Blocks `user`: in groups their messages are hidden, a direct conversation with them is closed to both. */
async function block(user) {
  try {
    await api.block(user.id);
    state.blocks.add(user);
    toast(`You blocked ${user.name}. They are not told.`);
  } catch (error) {
    showError(error);
  }
}

async function unblock(userId) {
  try {
    await api.unblock(userId);
    state.blocks.remove(userId);
  } catch (error) {
    showError(error);
  }
}

const reportDialog = renderReport({
  submit: async (message, reason, text) => {
    await api.report({ reason, text, conversationId: message.conversationId, messageId: message.id });
    toast("Thank you: the report is in, and the platform's team will look at it. They are not told who reported them.");
  },
});

/** A change to a group, answered with the group as the reader now sees it. */
const changeGroup = (request) => request.then((conversation) => state.conversations.upsert(conversation));
const groupPanel = renderGroupPanel(state, {
  update: (id, change) => changeGroup(api.updateGroup(id, change)),
  add: (id, userIds) => changeGroup(api.addMembers(id, userIds)),
  setRole: (id, userId, role) => changeGroup(api.setRole(id, userId, role)),
  remove: (id, userId) => changeGroup(api.removeMember(id, userId)),
  leave: (id) => changeGroup(api.removeMember(id, state.me.id)),
  setPicture: async (id, file) => changeGroup(api.setGroupPicture(id, await shrinkPicture(file))),
  removePicture: (id) => changeGroup(api.removeGroupPicture(id)),
  invites: api.invites,
  createInvite: api.createInvite,
  revokeInvite: api.revokeInvite,
});
renderNewGroup(state, {
  create: async (title, userIds) => {
    const conversation = await api.createGroup(title, userIds);
    state.conversations.upsert(conversation);
    await refreshPresence();
    await open(conversation.id);
  },
});

renderConversation(state, {
  onGroupInfo: (id) => groupPanel.open(id),
  onReport: (message) => reportDialog.open(message, state.nameOf(message.senderId)),
  onBlock: (userId) => block(state.userOf(userId)),
  onUnblock: unblock,
  onSend: (conversationId, content, replyTo) => socket?.send(conversationId, content, replyTo),
  onShowOriginal: (conversationId, original) => showMessage(conversationId, original.id, original.seq),
  onUpload: (conversationId, file) => files.send(conversationId, file),
  onTyping: (conversationId, isTyping) => socket?.typing(conversationId, isTyping),
  onLoadOlder: loadOlder,
  onRead: (conversationId, seq) => {
    if (!socket?.connected || (readUpTo.get(conversationId) ?? 0) >= seq) return;
    readUpTo.set(conversationId, seq);
    state.conversations.markRead(conversationId);
    updateTitle();
    socket.markRead(conversationId, seq);
  },
  onBack: close,
  onEdit: (message, content) => socket?.edit(message.conversationId, message.id, content).catch(showError),
  onDelete: (message) => socket?.remove(message.conversationId, message.id).catch(showError),
  onReact: (message, emoji, add) => socket?.react(message.conversationId, message.id, emoji, add).catch(showError),
  onMarkUnread: async (message) => {
    // Back to the list, so that it is not read again at once; opening it reads it.
    readUpTo.delete(key(message.conversationId));
    close();
    try {
      state.conversations.updated(await socket.markUnread(message.conversationId, message.id));
      updateTitle();
    } catch (error) {
      showError(error);
    }
  },
});

renderCalls(state, calls, { onError: showError });
renderSkipLinks(state);
renderViewer();
const devices = renderDevices({
  list: api.sessions,
  end: api.endSession,
  endEverywhere: async () => {
    await api.logoutEverywhere();
    keeper.end();
    document.getElementById("profile").close();
    showAuth("You signed out on every device.", { forgetStored: true });
  },
});
const password = renderPasswordChange({
  change: async (current, next) => {
    await api.changePassword(current, next);
    devices.load(); // the others are gone from the list
  },
});
renderProfile(state, {
  save: api.updateProfile,
  setPicture: async (file) => api.setAvatar(await shrinkPicture(file)),
  removePicture: api.removeAvatar,
  unblock,
  onOpen: () => {
    devices.load();
    password.reset();
  },
});

renderSearch(state, {
  search: (query, cursor) => api.search(query, cursor),
  onOpenMessage: async (message) => {
    await open(message.conversationId);
    await showMessage(message.conversationId, message.id, message.seq);
  },
});

const connection = document.querySelector("[data-testid=connection-status]");
state.on("connection", ({ state: value }) => {
  connection.dataset.state = value;
  connection.textContent = { connected: "Connected", reconnecting: "Reconnecting…", offline: "Offline" }[value];
});
document.getElementById("logout").addEventListener("click", () => {
  // Signing out on purpose takes this user's drafts and unsent messages from the browser.
  const unsent = state.outbox.size;
  if ((unsent || state.drafts.any) && !confirm(unsent ? `${unsent} message${unsent === 1 ? " is" : "s are"} not sent yet. Sign out and lose ${unsent === 1 ? "it" : "them"}?` : "Sign out and lose what you have written and not sent?")) return;
  history.replaceState(null, "", "/chat");
  // The session ends on the server: this browser's other tabs and its sockets with it.
  api.logout().catch(() => {});
  keeper.end();
  showAuth(null, { forgetStored: true });
});
const soundToggle = document.getElementById("sound-toggle");
soundToggle.checked = sound.enabled;
soundToggle.addEventListener("change", () => { sound.enabled = soundToggle.checked; });
whenUnauthorized(() => showAuth("Your session ended; please sign in again."));

renderVerifyBanner(state, { resend: api.resendVerification, onError: showError });
renderEmailSetting(state, { save: api.setEmailNotifications, onError: showError });

// A reset link asks for the new password whoever is signed in (setting it signs everyone
// out); a confirmation link confirms, then the page goes on; a tab reloaded keeps its token;
// a new one signs in from the browser's session, if any.
async function boot() {
  if (resetLink()) {
    showAuth();
    return auth.showReset(resetLink());
  }
  const unsubscribing = unsubscribeLink();
  let stopped = null;
  if (unsubscribing) {
    history.replaceState(null, "", "/chat");
    stopped = await api.unsubscribe(unsubscribing).then(({ message }) => message, (error) => error.message);
  }
  const confirming = verifyLink();
  const refused = confirming ? await confirmAddress(confirming) : null;
  let signedIn = !!session.token;
  if (signedIn) {
    // Confirmed: the tab's token still says otherwise; a renewed one does not.
    if (confirming && !refused) await keeper.renew();
    keeper.schedule();
  } else {
    signedIn = await keeper.resume();
  }
  if (!signedIn) {
    showAuth(refused?.message ?? null);
    if (confirming && !refused) auth.note("Your email address is confirmed: sign in.");
    if (stopped) auth.note(stopped);
    return;
  }
  start();
  if (stopped) toast(stopped);
  if (refused) showError(refused);
  else if (confirming) toast("Your email address is confirmed.");
}
boot();
