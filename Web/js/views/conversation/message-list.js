// The open conversation's messages, own on the right, others' on the left, SYSTEM ones
// centred, a separator per day. Live events change only the nodes they touch (see
// keyed.js). The reader stays where they are: pinned to the newest message while at the
// bottom (pictures loading included), "N new messages ↓" when scrolled up, history loaded
// above without a jump; a message opened from search is brought into view.

import { day } from "../../format.js";
import { isLine, isNews } from "../../message-kinds.js";
import { key } from "../../state/ids.js";
import { element, reconcile, setText } from "../keyed.js";
import { confirmDelete, createEditor, toggleMenu } from "../message-actions.js";
import { copyCode } from "../rich-text.js";
import { createMessage, updateMessage } from "./message-item.js";

const PINNED_WITHIN = 40; // px from the bottom that still count as at the bottom
const LOAD_AHEAD = 600; // px from the top at which older messages are asked for

export function createMessageList(state, { onLoadOlder, onRead, onEdit, onDelete, onReact, onMarkUnread, onEditEnded, onReply, onShowOriginal, onBlock, onUnblock, onReport }) {
  const list = document.getElementById("messages");
  const jump = document.getElementById("new-messages");
  const announcer = document.getElementById("announcer");
  let conversationId = null;
  let pinned = true; // the reader is at the newest message
  let unseen = 0; // messages that came while the reader was scrolled up
  let loadingOlder = false;
  let keepingPlace = false;
  const revealed = new Set(); // messages of blocked senders the reader chose to see
  let atDivider = false; // opened at the unread divider, and the reader has not moved since
  let editing = null; // {messageId, draft, form}: the message edited in place
  let unreadAtOpen = 0; // what was unread when the conversation opened
  let readSeqAtOpen = null; // the reader's watermark then (the server counts unread to 100 only)
  let firstUnread = undefined; // the first of those (null: none), found once its messages are here

  const atBottom = () => list.scrollHeight - list.scrollTop - list.clientHeight < PINNED_WITHIN;
  const toBottom = () => { list.scrollTop = list.scrollHeight; };
  /** Where a reader who has not scrolled stays: at the unread divider they were opened at
   * (until they move, or a message comes), else at the newest message if they were there. */
  function stay() {
    if (atDivider) list.querySelector("[data-testid=unread-divider]")?.scrollIntoView({ block: "start" });
    else if (pinned) toBottom();
  }

  function draw() {
    if (!conversationId) return;
    if (!state.messages.loaded(conversationId)) {
      if (!list.querySelector(".message--skeleton")) list.replaceChildren(...[0, 1, 2].map(() => skeleton()));
      return;
    }
    const started = performance.now();
    const previousHeight = list.scrollHeight;
    const previousTop = list.scrollTop;
    const opening = firstUnread === undefined;
    if (opening) firstUnread = findFirstUnread();
    reconcile(list, rows(), {
      keyOf: (row) => row.key,
      create: (row) => (row.day ? separator(row.day) : row.unread ? unreadDivider() : row.loading ? loadingRow() : createMessage(row.message)),
      update: (node, row) => {
        // A message is brought up to date only when something it shows moved on.
        if (!row.message || node.drawnAs === row.signature) return;
        node.drawnAs = row.signature;
        updateMessage(node, row);
      },
    });
    if (opening && firstUnread) {
      atDivider = true;
      // Opened with unread messages: the view starts at the first of them, under the divider.
      list.querySelector("[data-testid=unread-divider]")?.scrollIntoView({ block: "start" });
      pinned = atBottom();
    } else if (loadingOlder || keepingPlace) {
      list.scrollTop = previousTop + (list.scrollHeight - previousHeight); // keep the reader's place
    } else {
      stay();
    }
    bringFocusedIntoView();
    // What a live event costs the page, for scripts/page_benchmark.py and the browser's profiler.
    performance.measure("chat:messages", { start: started });
    readIfSeen();
  }

  /** What the list shows: each day's separator, then its messages with how each is drawn. */
  function rows() {
    const rows = [];
    let lastDay = null;
    let lastSender = null;
    const me = state.me.id;
    const found = state.messages.focused?.conversationId === conversationId ? state.messages.focused.messageId : null;
    const conversation = state.conversations.get(conversationId);
    const named = conversation?.kind !== "direct";
    // In a group a message of one's own says how many of the others read it, and who.
    const others = (conversation?.participants ?? []).filter((user) => user.id !== me).length;
    if (loadingOlder) rows.push({ key: "loading", loading: true });
    for (const message of state.messages.list(conversationId)) {
      const today = dayOf(message.createdAt);
      if (today !== lastDay) {
        rows.push({ key: `day:${today}`, day: today });
        lastDay = today;
        lastSender = null; // a new day starts a new group
      }
      if (message.id === firstUnread) {
        rows.push({ key: "unread", unread: true });
        lastSender = null;
      }
      const mine = message.senderId === me;
      const row = {
        key: message.id,
        message,
        mine,
        grouped: !isLine(message) && message.senderId === lastSender,
        sender: mine ? state.me : state.userOf(message.senderId),
        read: mine && !message.pending && state.messages.isRead(conversationId, message.seq),
        readBy: mine && named && !message.pending ? state.messages.readers(conversationId, message.seq).map(state.nameOf) : null,
        others,
        found: message.id === found,
        editor: editing?.messageId === message.id ? editing.form : null,
        quoted: message.replyTo ? (key(message.replyTo.senderId) === me ? "You" : state.nameOf(message.replyTo.senderId)) : null,
        named,
        // In a group, what someone the reader blocked wrote is behind a line that says so.
        hidden: named && !mine && state.blocks.has(message.senderId) && !revealed.has(message.id),
      };
      row.signature = [message.revision, row.grouped, row.read, row.readBy?.join(","), row.found, !!row.editor, row.sender.name, row.sender.avatarUrl, row.quoted, named, row.hidden].join("|");
      rows.push(row);
      lastSender = isLine(message) ? null : message.senderId;
    }
    return rows;
  }

  /** The first of the messages unread at opening: others' news after the watermark, else the newest ones. */
  function findFirstUnread() {
    if (!unreadAtOpen) return null;
    const theirs = state.messages.list(conversationId)
      .filter((message) => !message.pending && message.senderId !== state.me.id && isNews(message));
    if (Number.isInteger(readSeqAtOpen)) return theirs.find((message) => message.seq > readSeqAtOpen)?.id ?? null;
    return theirs.length ? theirs[Math.max(0, theirs.length - unreadAtOpen)].id : null;
  }

  function bringFocusedIntoView() {
    const focused = state.messages.focused;
    if (focused?.conversationId !== conversationId || list.dataset.focusShown === focused.messageId) return;
    const node = list.querySelector(`[data-message-id="${focused.messageId}"]`);
    if (!node) return;
    list.dataset.focusShown = focused.messageId;
    pinned = false;
    node.scrollIntoView({ block: "center" });
  }

  /** Marks the conversation read up to its newest message when the reader can see it. */
  function readIfSeen() {
    if (!conversationId || document.visibilityState !== "visible" || !pinned) return;
    const newest = state.messages.newestSeq(conversationId);
    if (newest) onRead(conversationId, newest);
  }

  /** Others' new messages, said by the live region (the list itself is not one: every
   * reaction and menu would be read out). */
  function announce(ids) {
    const said = ids.map((id) => state.messages.get(conversationId, id)).filter(Boolean)
      .map((message) => `${state.nameOf(message.senderId)}: ${message.deletedAt ? "message deleted" : message.content.slice(0, 200) || "a file"}`);
    if (said.length) announcer.textContent = said.join(". ");
  }

  function showUnseen() {
    jump.hidden = unseen === 0;
    setText(jump, unseen === 1 ? "1 new message ↓" : `${unseen} new messages ↓`);
  }

  function startEditing(message) {
    const messageId = message.id;
    const finish = () => {
      editing = null;
      onEditEnded();
      draw();
    };
    editing = {
      messageId,
      draft: message.content,
      form: createEditor(message, {
        value: message.content,
        maxLength: state.session.policy?.maxMessageLength,
        onInput: (value) => { editing.draft = value; },
        onSave: (content) => {
          finish();
          onEdit(state.messages.get(conversationId, messageId), content);
        },
        onCancel: finish,
      }),
    };
    draw();
  }

  // One listener for every message's buttons.
  list.addEventListener("click", (event) => {
    const target = event.target.closest("[data-action]");
    if (target?.dataset.action === "copy-code") return copyCode(target);
    const node = target?.closest("[data-message-id]");
    const message = node && state.messages.get(conversationId, node.dataset.messageId);
    if (!message) return;
    const wrapper = target.closest(".message__actions");
    switch (target.dataset.action) {
      case "menu": {
        // Editable is a matter of time, blocked of what the reader did anywhere: both are
        // decided each time the menu opens.
        const edit = wrapper.querySelector("[data-action=edit]");
        if (edit) edit.hidden = !state.session.canEdit(message);
        const blocked = state.blocks.has(message.senderId);
        const block = wrapper.querySelector("[data-action=block]");
        if (block) block.hidden = blocked;
        const unblock = wrapper.querySelector("[data-action=unblock]");
        if (unblock) unblock.hidden = !blocked;
        return toggleMenu(wrapper);
      }
      case "report":
        toggleMenu(wrapper, false);
        return onReport(message);
      case "block":
        toggleMenu(wrapper, false);
        return onBlock(message.senderId);
      case "unblock":
        toggleMenu(wrapper, false);
        return onUnblock(message.senderId);
      case "reveal":
        revealed.add(message.id);
        return draw();
      case "react": {
        toggleMenu(wrapper, false);
        const mine = (message.reactions ?? []).some((reaction) => reaction.emoji === target.dataset.emoji && reaction.me);
        return onReact(message, target.dataset.emoji, !mine);
      }
      case "toggle-reaction": {
        const reaction = (message.reactions ?? []).find((each) => each.emoji === target.dataset.emoji);
        return onReact(message, target.dataset.emoji, !reaction?.me);
      }
      case "edit":
        toggleMenu(wrapper, false);
        return startEditing(message);
      case "delete":
        if (!confirmDelete(target)) return;
        toggleMenu(wrapper, false);
        return onDelete(message);
      case "mark-unread":
        toggleMenu(wrapper, false);
        return onMarkUnread(message);
      case "reply":
        toggleMenu(wrapper, false);
        return onReply(message);
      case "show-original":
        return onShowOriginal(conversationId, message.replyTo);
    }
  });
  // A picture that loads while the reader is at the bottom keeps them there; so does math
  // drawn, and the list growing shorter (the composer growing, a reply started).
  list.addEventListener("load", () => pinned && toBottom(), true);
  list.addEventListener("content-grew", () => pinned && toBottom());
  // Opened at the divider, a shorter list keeps the divider (its top) in view instead.
  new ResizeObserver(stay).observe(list);
  for (const moved of ["wheel", "touchstart", "keydown", "pointerdown"]) list.addEventListener(moved, () => { atDivider = false; }, { passive: true });
  list.addEventListener("scroll", async () => {
    pinned = atBottom();
    if (pinned && unseen) {
      unseen = 0;
      showUnseen();
      readIfSeen();
    }
    // Older messages are asked for before the reader reaches the top, so that scrolling
    // up rarely waits; while they come, the top of the list says so.
    if (list.scrollTop > LOAD_AHEAD || loadingOlder || !conversationId || !state.messages.hasMore(conversationId)) return;
    const first = state.messages.list(conversationId).find((message) => !message.pending);
    if (!first) return;
    loadingOlder = true;
    const atTop = list.scrollTop === 0;
    draw();
    if (atTop) list.scrollTop = 0; // the reader is at the very top: the loading line shows there
    try {
      await onLoadOlder(conversationId, first.seq);
    } finally {
      loadingOlder = false;
      keepingPlace = true; // the loading line goes: what is under it stays put
      draw();
      keepingPlace = false;
    }
  });
  jump.addEventListener("click", () => {
    atDivider = false;
    pinned = true;
    toBottom();
    unseen = 0;
    showUnseen();
    readIfSeen();
  });
  document.addEventListener("visibilitychange", readIfSeen);

  state.on("messages", (change) => {
    if (change.conversationId !== conversationId) return;
    const newer = change.added.filter((id) => {
      const message = state.messages.get(conversationId, id);
      return message && !message.pending && message.senderId !== state.me.id && !loadingOlder;
    });
    if (newer.length) atDivider = false;
    if (!pinned && newer.length) {
      unseen += newer.length;
      showUnseen();
    }
    draw();
    announce(newer);
  });
  state.on("receipts", (change) => change.conversationId === conversationId && draw());
  state.on("users", () => draw());
  state.on("blocks", () => draw());
  state.on("focus", () => {
    delete list.dataset.focusShown;
    draw();
  });

  return {
    /** Shows `id`'s messages (null: none). */
    show(id) {
      conversationId = id;
      editing = null;
      revealed.clear();
      unreadAtOpen = id ? (state.conversations.get(id)?.unreadCount ?? 0) : 0;
      readSeqAtOpen = id ? (state.conversations.get(id)?.lastReadSeq ?? null) : null;
      firstUnread = undefined;
      atDivider = false;
      pinned = true;
      unseen = 0;
      showUnseen();
      delete list.dataset.focusShown;
      list.replaceChildren();
      draw();
    },
    /** The reader sends: back to the newest message. */
    pin() {
      atDivider = false;
      pinned = true;
      toBottom();
    },
    get editing() { return editing !== null; },
  };
}

// A message's day, worked out once per message and day: the locale's date formatting is
// the dearest part of drawing a long list.
const days = new Map();
function dayOf(createdAt) {
  const today = new Date().toDateString();
  if (days.get("today") !== today) {
    days.clear();
    days.set("today", today);
  }
  if (!days.has(createdAt)) days.set(createdAt, day(createdAt));
  return days.get(createdAt);
}

/** A day's heading: a reader of the list (or a screen reader's heading keys) goes day by day. */
function separator(label) {
  const item = element("li", { className: "day" });
  item.append(element("h3", { className: "day__label", text: label }));
  return item;
}

function unreadDivider() {
  return element("li", { className: "unread-divider", testid: "unread-divider", text: "New messages" });
}

function loadingRow() {
  const item = element("li", { className: "loading-older", testid: "loading-older", text: "Loading earlier messages…" });
  item.setAttribute("role", "status");
  return item;
}

function skeleton() {
  const item = element("li", { className: "message message--skeleton" });
  item.setAttribute("aria-hidden", "true");
  return item;
}
