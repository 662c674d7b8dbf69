// The left pane's conversations: newest activity first, with the last message, an unread
// badge and the other side's picture and dot, and the next page loaded when the end of the
// list scrolls into view. Each conversation's item is kept and changed in place; one
// listener opens whichever is clicked.

import { callLine, unreadShown, when } from "../format.js";
import { key } from "../state/ids.js";
import { avatar, groupAvatar, presenceDot } from "./avatar.js";
import { element, reconcile, setAttribute, setText } from "./keyed.js";

export function renderSidebar(state, { onOpen, loadMore, onLoaded }) {
  const list = document.getElementById("conversations");
  const end = document.getElementById("conversations-more");
  let next = null; // the next page's path, from the last page's `Link`
  let loading = false;

  async function more() {
    if (!next || loading) return;
    loading = true;
    try {
      const page = await loadMore(next);
      next = page.next;
      state.conversations.set(page.conversations, { append: true });
      onLoaded(page.conversations);
    } catch {
      // Tried again when the end comes into view again.
    } finally {
      loading = false;
      // Still in view after this page (a tall window): the next one too.
      watcher.unobserve(end);
      watcher.observe(end);
    }
  }
  const watcher = new IntersectionObserver((entries) => {
    if (entries.some((entry) => entry.isIntersecting)) more();
  });
  watcher.observe(end);

  function draw() {
    const conversations = state.conversations.list();
    if (!conversations.length) {
      if (!list.querySelector(".list__empty")) list.replaceChildren(element("li", { className: "list__empty", text: "No conversations yet" }));
      return;
    }
    reconcile(list, conversations, { keyOf: (conversation) => conversation.id, create, update });
  }

  function create() {
    const item = element("li");
    const button = element("button", { className: "item", testid: "conversation-item" });
    button.type = "button";
    const face = element("span", { className: "item__face" });
    const text = element("span", { className: "item__text" });
    text.append(element("span", { className: "item__title" }), element("span", { className: "item__preview" }));
    button.append(face, text, element("time", { className: "item__time" }));
    item.append(button);
    return item;
  }

  function update(item, conversation) {
    const button = item.firstElementChild;
    const me = state.me?.id;
    const others = conversation.participants.filter((user) => user.id !== me);
    const other = others[0];
    const open = conversation.id === state.conversations.openId;
    button.dataset.conversationId = conversation.id;
    button.className = "item" + (open ? " item--open" : "");
    setAttribute(button, "aria-current", open ? "true" : null);
    const name = conversation.title ?? others.map((user) => user.name).join(", ");
    setText(button.querySelector(".item__title"), name);
    setAttribute(button.querySelector(".item__title"), "title", name); // the whole name, where it is cut
    const last = conversation.lastMessage;
    const ended = conversation.departure ? (conversation.departure.reason === "removed" ? "You were removed" : "You left") : null;
    const preview = ended ?? (!last ? "" : last.deletedAt ? "Message deleted" : state.blocks.has(last.senderId) ? "Message from someone you blocked"
      : last.messageType === "CALL" ? callLine(last.call, key(last.senderId) === me).text : last.content);
    setAttribute(button, "data-ended", ended ? "true" : null);
    setText(button.querySelector(".item__preview"), preview);
    setText(button.querySelector(".item__time"), last ? when(last.createdAt) : "");

    const face = button.querySelector(".item__face");
    const status = other && conversation.kind === "direct" ? (state.presence.statusOf(other.id) ?? "offline") : "";
    const group = conversation.kind === "group";
    const faceKey = group ? `group|${conversation.title}|${conversation.pictureUrl ?? ""}` : `${other?.id}|${other?.name}|${other?.avatarUrl ?? ""}|${status}`;
    if (face.dataset.drawn !== faceKey) {
      face.dataset.drawn = faceKey;
      face.replaceChildren(group ? groupAvatar(conversation) : avatar(other), ...(status ? [presenceDot(status)] : []));
    }

    let badge = button.querySelector(".badge");
    if (conversation.unreadCount > 0) {
      if (!badge) button.append((badge = element("span", { className: "badge", testid: "unread-badge" })));
      setText(badge, unreadShown(conversation.unreadCount));
      setAttribute(badge, "aria-label", `${unreadShown(conversation.unreadCount)} unread`);
    } else {
      badge?.remove();
    }
  }

  list.addEventListener("click", (event) => {
    const button = event.target.closest("[data-conversation-id]");
    if (button) onOpen(button.dataset.conversationId);
  });
  state.on("conversations", draw);
  state.on("open", draw);
  state.on("presence", draw);
  state.on("me", draw);
  state.on("blocks", draw);
  state.on("reset", () => {
    next = null;
    list.replaceChildren();
  });

  return {
    /** Where the list goes on: the first page's `next`. */
    continueFrom(path) {
      next = path;
      watcher.unobserve(end);
      watcher.observe(end);
    },
  };
}
