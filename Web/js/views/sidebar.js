// The left pane's conversations: newest activity first, with the last message, an unread
// badge and the other side's picture and dot.

import { when } from "../format.js";
import { avatar, presenceDot } from "./avatar.js";

export function renderSidebar(store, { onOpen }) {
  const conversations = document.getElementById("conversations");

  function drawConversations() {
    const { state } = store;
    const list = [...state.conversations.values()].sort((a, b) => String(b.updatedAt).localeCompare(String(a.updatedAt)));
    if (!list.length) {
      conversations.replaceChildren(emptyItem("No conversations yet"));
      return;
    }
    conversations.replaceChildren(...list.map((conversation) => {
      const other = conversation.participants.find((user) => user.id !== state.me?.id);
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "item" + (conversation.id === state.openId ? " item--open" : "");
      button.dataset.testid = "conversation-item";
      button.dataset.conversationId = conversation.id;
      if (conversation.id === state.openId) button.setAttribute("aria-current", "true");
      button.addEventListener("click", () => onOpen(conversation.id));

      const title = document.createElement("span");
      title.className = "item__title";
      title.textContent = conversation.title ?? conversation.participants.filter((user) => user.id !== state.me?.id).map((user) => user.name).join(", ");
      const preview = document.createElement("span");
      preview.className = "item__preview";
      const last = conversation.lastMessage;
      preview.textContent = !last ? "" : last.deletedAt ? "Message deleted" : last.content;
      const time = document.createElement("time");
      time.className = "item__time";
      if (conversation.lastMessage) time.textContent = when(conversation.lastMessage.createdAt);

      const face = avatar(other);
      const wrapper = document.createElement("span");
      wrapper.className = "item__face";
      wrapper.append(face);
      if (other && conversation.kind === "direct") wrapper.append(presenceDot(state.presence.get(other.id)));
      const text = document.createElement("span");
      text.className = "item__text";
      text.append(title, preview);
      button.append(wrapper, text, time);
      if (conversation.unreadCount > 0) {
        const badge = document.createElement("span");
        badge.className = "badge";
        badge.dataset.testid = "unread-badge";
        badge.textContent = String(conversation.unreadCount);
        badge.setAttribute("aria-label", `${conversation.unreadCount} unread`);
        button.append(badge);
      }
      item.append(button);
      return item;
    }));
  }

  store.on("conversations", drawConversations);
  store.on("open", drawConversations);
  store.on("presence", drawConversations);
  return { drawConversations };
}

function emptyItem(text) {
  const item = document.createElement("li");
  item.className = "list__empty";
  item.textContent = text;
  return item;
}
