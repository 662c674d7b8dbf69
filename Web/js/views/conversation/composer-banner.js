// What stands in the composer's place when the reader cannot write: a direct conversation
// with someone they blocked (with the way to unblock), or a group they left or were
// removed from (they read what came before, nothing after).

import { setText } from "../keyed.js";

const ENDED = {
  removed: "You were removed from this group. You can read what was said while you were in it.",
  left: "You left this group. You can read what was said while you were in it.",
};

export function createComposerBanner(state, { onUnblock }) {
  const blockedBanner = document.getElementById("blocked-banner");
  const blockedText = document.getElementById("blocked-banner-text");
  const endedBanner = document.getElementById("ended-banner");
  const composer = document.getElementById("composer");
  let other = null; // the blocked person of the open conversation

  document.getElementById("blocked-unblock").addEventListener("click", () => other && onUnblock(other.id));

  return {
    draw(conversationId) {
      const conversation = conversationId ? state.conversations.get(conversationId) : null;
      const person = conversation?.kind === "direct" ? conversation.participants.find((user) => user.id !== state.me.id) : null;
      other = person && state.blocks.has(person.id) ? person : null;
      const ended = conversation?.departure ? ENDED[conversation.departure.reason] ?? ENDED.left : null;
      blockedBanner.hidden = !other;
      endedBanner.hidden = !ended;
      composer.hidden = !!other || !!ended;
      if (other) setText(blockedText, `You blocked ${other.name}. Neither of you can write here.`);
      if (ended) setText(endedBanner, ended);
    },
  };
}
