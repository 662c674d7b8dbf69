// A direct conversation with someone the reader blocked takes no message from either of
// them: the composer gives way to a line that says so, with the way to unblock.

import { setText } from "../keyed.js";

export function createBlockedBanner(state, { onUnblock }) {
  const banner = document.getElementById("blocked-banner");
  const text = document.getElementById("blocked-banner-text");
  const composer = document.getElementById("composer");
  let other = null; // the blocked person of the open conversation

  document.getElementById("blocked-unblock").addEventListener("click", () => other && onUnblock(other.id));

  return {
    draw(conversationId) {
      const conversation = conversationId ? state.conversations.get(conversationId) : null;
      const person = conversation?.kind === "direct" ? conversation.participants.find((user) => user.id !== state.me.id) : null;
      other = person && state.blocks.has(person.id) ? person : null;
      banner.hidden = !other;
      composer.hidden = !!other;
      if (other) setText(text, `You blocked ${other.name}. Neither of you can write here.`);
    },
  };
}
