// The right pane: one conversation's messages (own on the right, others' on the left,
// SYSTEM ones centred), who is typing, and the composer. It follows the newest message
// unless the reader scrolled up, and loads older history when they reach the top.

import { clock, day } from "../format.js";
import { drawAttachment } from "./attachments.js";
import { avatar } from "./avatar.js";
import { drawEditor, drawMenu, drawReactions } from "./message-actions.js";

const TYPING_PAUSE = 2500;

export function renderConversation(store, { onSend, onUpload, onTyping, onLoadOlder, onRead, onBack, onEdit, onDelete, onReact, onMarkUnread }) {
  const pane = document.getElementById("conversation");
  const empty = document.getElementById("pane-empty");
  const title = document.getElementById("conversation-title");
  const face = document.getElementById("conversation-face");
  const subtitle = document.getElementById("conversation-subtitle");
  const list = document.getElementById("messages");
  const typingLine = document.getElementById("typing");
  const form = document.getElementById("composer");
  const input = document.getElementById("composer-input");
  const fileInput = document.getElementById("file-input");
  let typingSince = null;
  let typingTimer = null;
  let loadingOlder = false;
  let editingId = null; // the message being edited in place, and its text so far (a redraw keeps it)
  let editingDraft = "";

  document.getElementById("back").addEventListener("click", onBack);

  function drawHeader() {
    const { state } = store;
    const conversation = state.conversations.get(state.openId);
    pane.hidden = !conversation;
    empty.hidden = !!conversation;
    document.body.classList.toggle("is-reading", !!conversation);
    if (!conversation) return;
    const others = conversation.participants.filter((user) => user.id !== state.me.id);
    title.textContent = conversation.title ?? others.map((user) => user.name).join(", ");
    // A direct conversation shows who it is with: their picture and headline.
    const other = conversation.kind === "direct" ? others[0] : null;
    face.replaceChildren(...(other ? [avatar(other)] : []));
    subtitle.textContent = other?.headline ?? "";
    subtitle.hidden = !other?.headline;
  }

  function drawMessages() {
    const { state } = store;
    if (!state.openId) return;
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    const previousHeight = list.scrollHeight;
    const previousTop = list.scrollTop;
    const messages = store.messagesOf(state.openId);
    if (!messages.length && !state.messages.has(state.openId)) {
      list.replaceChildren(...[0, 1, 2].map(() => skeleton()));
      return;
    }
    let lastSender = null;
    let lastDay = null;
    const items = [];
    for (const message of messages) {
      const today = day(message.createdAt);
      if (today !== lastDay) {
        items.push(daySeparator(today));
        lastDay = today;
        lastSender = null; // a new day starts a new group
      }
      items.push(drawMessage(message, lastSender));
      lastSender = message.messageType === "SYSTEM" ? null : message.senderId;
    }
    list.replaceChildren(...items);
    const focused = state.focusId && list.querySelector(`[data-message-id="${state.focusId}"]`);
    if (focused) {
      state.focusId = null;
      focused.scrollIntoView({ block: "center" });
    } else if (loadingOlder) {
      list.scrollTop = previousTop + (list.scrollHeight - previousHeight); // keep the reader's place
    } else if (atBottom || previousHeight === 0) {
      list.scrollTop = list.scrollHeight;
    }
    readIfVisible();
  }

  function drawMessage(message, lastSender) {
    const { state } = store;
    const item = document.createElement("li");
    item.dataset.testid = "message";
    item.dataset.messageId = message.id;
    if (!message.pending) item.dataset.seq = String(message.seq);
    const content = document.createElement("div");
    content.className = "message__content";
    const text = document.createElement("p");
    text.className = "message__text";
    text.dataset.testid = "message-content";
    text.textContent = message.content;
    const files = message.attachments ?? [];
    const mine = message.senderId === state.me.id;
    if (message.deletedAt) {
      item.dataset.deleted = "true";
      text.textContent = "This message was deleted";
      text.classList.add("message__text--deleted");
      text.dataset.testid = "message-deleted";
      content.append(text);
    } else if (editingId === message.id) {
      content.append(drawEditor(message, {
        value: editingDraft,
        onInput: (value) => { editingDraft = value; },
        onSave: (edited, value) => {
          editingId = null;
          onEdit(edited, value);
          drawMessages();
        },
        onCancel: () => {
          editingId = null;
          drawMessages();
          input.focus();
        },
      }));
    } else {
      // A file's message says its name unless a caption was written: the name is shown once.
      if (!files.some((file) => file.name === message.content)) content.append(text);
      for (const file of files) content.append(drawAttachment(file));
    }
    if (message.pending && message.progress !== undefined) {
      const progress = document.createElement("progress");
      progress.max = 1;
      progress.value = message.progress;
      progress.setAttribute("aria-label", `Uploading ${message.content}`);
      content.append(progress);
    }
    if (message.messageType === "SYSTEM") {
      item.className = "message message--system";
      item.append(content);
      return item;
    }
    item.className = "message " + (mine ? "message--mine" : "message--theirs") + (message.senderId === lastSender ? " message--grouped" : "")
      + (message.id === state.foundId ? " message--found" : "");
    if (!mine && message.senderId !== lastSender) {
      const sender = store.userOf(message.senderId);
      const face = avatar(sender);
      face.classList.add("message__avatar");
      const name = document.createElement("span");
      name.className = "message__sender";
      name.textContent = sender.name;
      item.append(face, name);
    }
    const meta = document.createElement("span");
    meta.className = "message__meta";
    const time = document.createElement("time");
    time.dateTime = message.createdAt;
    time.textContent = clock(message.createdAt);
    meta.append(time);
    if (message.editedAt && !message.deletedAt) {
      const edited = document.createElement("span");
      edited.dataset.testid = "message-edited";
      edited.title = `Edited ${clock(message.editedAt)}`;
      edited.textContent = "edited";
      meta.append(edited);
    }
    if (mine) {
      const read = !message.pending && store.isRead(message.conversationId, message.seq);
      item.dataset.read = String(read);
      if (message.pending) item.dataset.pending = "true";
      const status = document.createElement("span");
      status.className = "message__status";
      status.textContent = message.pending ? (message.progress !== undefined ? `uploading ${Math.round(message.progress * 100)}%` : "sending…") : read ? "read" : "sent";
      meta.append(status);
    }
    item.append(content);
    if (!message.pending && !message.deletedAt) {
      if (message.reactions?.length) item.append(drawReactions(message, { onReact }));
      meta.append(drawMenu(message, {
        mine,
        onReact,
        onDelete,
        onMarkUnread,
        onEdit: (chosen) => {
          editingId = chosen.id;
          editingDraft = chosen.content;
          drawMessages();
        },
      }));
    }
    item.append(meta);
    return item;
  }

  function drawTyping() {
    const { state } = store;
    const names = [...(state.typing.get(state.openId)?.values() ?? [])];
    typingLine.textContent = names.length === 0 ? "" : names.length === 1 ? `${names[0]} is typing…` : `${names.join(", ")} are typing…`;
    typingLine.dataset.active = String(names.length > 0);
  }

  /** Marks the conversation read up to its newest message when the reader can see it. */
  function readIfVisible() {
    const { state } = store;
    if (!state.openId || document.visibilityState !== "visible") return;
    const newest = store.messagesOf(state.openId).filter((message) => !message.pending).pop();
    if (newest) onRead(state.openId, newest.seq);
  }

  function stopTyping() {
    clearTimeout(typingTimer);
    if (typingSince !== null) onTyping(store.state.openId, false);
    typingSince = null;
  }

  input.addEventListener("input", () => {
    if (!input.value.trim()) return stopTyping();
    if (typingSince === null) onTyping(store.state.openId, true);
    typingSince = Date.now();
    clearTimeout(typingTimer);
    typingTimer = setTimeout(stopTyping, TYPING_PAUSE);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const content = input.value;
    if (!content.trim() || !store.state.openId) return;
    stopTyping();
    input.value = "";
    list.scrollTop = list.scrollHeight;
    onSend(store.state.openId, content);
  });
  fileInput.addEventListener("change", () => {
    for (const file of fileInput.files) onUpload(store.state.openId, file);
    fileInput.value = "";
  });
  pane.addEventListener("dragover", (event) => {
    if ([...(event.dataTransfer?.types ?? [])].includes("Files")) event.preventDefault();
  });
  pane.addEventListener("drop", (event) => {
    if (!event.dataTransfer?.files.length || !store.state.openId) return;
    event.preventDefault();
    for (const file of event.dataTransfer.files) onUpload(store.state.openId, file);
  });
  list.addEventListener("scroll", async () => {
    const { state } = store;
    if (list.scrollTop > 40 || loadingOlder || !state.openId || state.hasMore.get(state.openId) === false) return;
    const first = store.messagesOf(state.openId).find((message) => !message.pending);
    if (!first) return;
    loadingOlder = true;
    try {
      await onLoadOlder(state.openId, first.seq);
    } finally {
      loadingOlder = false;
    }
  });
  document.addEventListener("visibilitychange", readIfVisible);

  store.on("open", () => {
    editingId = null;
    stopTyping();
    drawHeader();
    drawTyping();
    list.replaceChildren();
    drawMessages();
    if (!pane.hidden) input.focus();
  });
  store.on("conversations", drawHeader);
  store.on("messages", drawMessages);
  store.on("typing", drawTyping);
}

function daySeparator(label) {
  const item = document.createElement("li");
  item.className = "day";
  item.setAttribute("role", "separator");
  item.textContent = label;
  return item;
}

function skeleton() {
  const item = document.createElement("li");
  item.className = "message message--skeleton";
  item.setAttribute("aria-hidden", "true");
  return item;
}
