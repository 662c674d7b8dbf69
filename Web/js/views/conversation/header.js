// The open conversation's header: who it is with (their picture and headline), or the
// group's title.

import { avatar } from "../avatar.js";
import { setText } from "../keyed.js";

export function createHeader(state) {
  const title = document.getElementById("conversation-title");
  const face = document.getElementById("conversation-face");
  const subtitle = document.getElementById("conversation-subtitle");
  let shown = null; // what the face shows, so that a redraw does not reload it

  return {
    draw(conversationId) {
      const conversation = state.conversations.get(conversationId);
      if (!conversation) return;
      const others = conversation.participants.filter((user) => user.id !== state.me.id);
      setText(title, conversation.title ?? others.map((user) => user.name).join(", "));
      const other = conversation.kind === "direct" ? others[0] : null;
      const faceKey = other ? `${other.id}|${other.name}|${other.avatarUrl ?? ""}` : "";
      if (faceKey !== shown) {
        shown = faceKey;
        face.replaceChildren(...(other ? [avatar(other)] : []));
      }
      setText(subtitle, other?.headline ?? "");
      subtitle.hidden = !other?.headline;
    },
  };
}
