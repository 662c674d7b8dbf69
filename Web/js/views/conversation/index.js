// The right pane: one conversation's header, messages, who is typing, and the composer.

import { replyPreview } from "../../state/messages.js";
import { listed } from "../../format.js";
import { setText } from "../keyed.js";
import { createComposerBanner } from "./composer-banner.js";
import { createComposer } from "./composer.js";
import { createHeader } from "./header.js";
import { createMessageList } from "./message-list.js";

export function renderConversation(state, actions) {
  const pane = document.getElementById("conversation");
  const empty = document.getElementById("pane-empty");
  const typingLine = document.getElementById("typing");
  const header = createHeader(state);
  const messages = createMessageList(state, {
    ...actions,
    onEditEnded: () => composer.focus(),
    onReply: (message) => composer.replyTo(replyPreview(message)),
  });
  const composer = createComposer(state, {
    ...actions,
    onSend: (conversationId, content, replyTo) => {
      messages.pin(); // the reader's own message is where they look next
      actions.onSend(conversationId, content, replyTo);
    },
  });

  const banner = createComposerBanner(state, actions);

  document.getElementById("back").addEventListener("click", actions.onBack);
  document.getElementById("group-info").addEventListener("click", () => actions.onGroupInfo(state.conversations.openId));

  function drawTyping() {
    const names = state.presence.typists(state.conversations.openId);
    setText(typingLine, names.length === 0 ? "" : names.length === 1 ? `${names[0]} is typing…` : `${listed(names)} are typing…`);
    typingLine.dataset.active = String(names.length > 0);
  }

  state.on("open", ({ id }) => {
    const conversation = id && state.conversations.get(id);
    pane.hidden = !conversation;
    empty.hidden = !!conversation;
    document.body.classList.toggle("is-reading", !!conversation);
    composer.show(conversation ? id : null);
    messages.show(conversation ? id : null);
    banner.draw(conversation ? id : null);
    drawTyping();
    if (!conversation) return;
    header.draw(id);
    composer.focus();
  });
  state.on("blocks", () => banner.draw(state.conversations.openId));
  state.on("conversations", ({ ids }) => {
    const id = state.conversations.openId;
    if (!id || !ids.includes(id)) return;
    header.draw(id);
    banner.draw(id);
  });
  state.on("typing", ({ conversationId }) => conversationId === state.conversations.openId && drawTyping());
  state.on("presence", () => state.conversations.openId && header.draw(state.conversations.openId));
  state.on("reset", () => {
    composer.show(null);
    messages.show(null);
  });
}
