// The open conversation's header: who it is with (their picture, whether they are online
// or when they were last, their headline), or the group's title, its size and the way to
// its info panel. One line each, the full name on hover.

import { lastSeen } from "../../format.js";
import { avatar, groupAvatar, presenceDot } from "../avatar.js";
import { setAttribute, setText } from "../keyed.js";
import { verifiedBadge } from "../verified.js";

export function createHeader(state) {
  const title = document.getElementById("conversation-title");
  const face = document.getElementById("conversation-face");
  const subtitle = document.getElementById("conversation-subtitle");
  const status = document.getElementById("conversation-status");
  const groupInfo = document.getElementById("group-info");
  const verified = verifiedBadge({ testid: "conversation-verified" });
  verified.hidden = true;
  title.after(verified);
  let shown = null; // what the face shows, so that a redraw does not reload it

  return {
    draw(conversationId) {
      const conversation = state.conversations.get(conversationId);
      if (!conversation) return;
      const others = conversation.participants.filter((user) => user.id !== state.me.id);
      const name = conversation.title ?? others.map((user) => user.name).join(", ");
      setText(title, name);
      setAttribute(title, "title", name);
      const other = conversation.kind === "direct" ? others[0] : null;
      verified.hidden = !other?.verified;
      const online = other ? state.presence.statusOf(other.id) === "online" : false;
      const group = conversation.kind === "group";
      const faceKey = group ? `group|${conversation.title}|${conversation.pictureUrl ?? ""}` : other ? `${other.id}|${other.name}|${other.avatarUrl ?? ""}|${online}` : "";
      if (faceKey !== shown) {
        shown = faceKey;
        face.replaceChildren(...(group ? [groupAvatar(conversation)] : other ? [avatar(other), presenceDot(online ? "online" : "offline")] : []));
      }
      const seen = other && !online ? state.presence.lastSeenOf(other.id) : null;
      setText(status, !other ? "" : online ? "online" : seen ? lastSeen(seen) : "");
      status.hidden = !status.textContent;
      groupInfo.hidden = conversation.kind !== "group";
      const members = conversation.kind === "group" && !conversation.departure ? `${conversation.participants.length} members` : "";
      setText(subtitle, other?.headline ?? members);
      subtitle.hidden = !subtitle.textContent;
    },
  };
}
