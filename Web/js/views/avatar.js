import { download } from "../api.js";
import { initials } from "../format.js";

// Pictures are served to signed-in users only, so an <img> cannot load them by URL: each
// is fetched once with the token and kept as a blob URL for every place it shows. Their
// URLs name their content, so a URL once loaded never needs loading again.
const pictures = new Map(); // avatarUrl → Promise<blob URL | null>

function picture(url) {
  if (!pictures.has(url)) {
    pictures.set(url, download(url).then((blob) => URL.createObjectURL(blob)).catch(() => {
      pictures.delete(url); // tried again the next time it is drawn
      return null;
    }));
  }
  return pictures.get(url);
}

/** Forgets the pictures loaded (signing out). */
export function forgetPictures() {
  for (const loading of pictures.values()) loading.then((url) => url && URL.revokeObjectURL(url));
  pictures.clear();
}

/**
 * A user's picture in a circle, or until it loads (and without one) their initials on a
 * colour that follows from their id.
 */
export function avatar(user, { size } = {}) {
  const element = document.createElement("span");
  element.className = "avatar" + (size ? ` avatar--${size}` : "");
  element.dataset.testid = "avatar";
  element.dataset.userId = String(user?.id ?? "");
  element.textContent = initials(user?.name ?? "?");
  element.setAttribute("aria-hidden", "true");
  let hash = 0;
  for (const character of String(user?.id ?? "")) hash = (hash * 31 + character.charCodeAt(0)) >>> 0;
  element.dataset.hue = String(hash % 8);
  if (user?.avatarUrl) {
    picture(user.avatarUrl).then((url) => {
      if (!url) return;
      const image = document.createElement("img");
      image.className = "avatar__image";
      image.dataset.testid = "avatar-image";
      image.dataset.src = user.avatarUrl;
      image.alt = "";
      image.src = url;
      element.replaceChildren(image);
    });
  }
  return element;
}

/** A group's picture, or its name's initials on a colour of its own. */
export function groupAvatar(conversation, options) {
  return avatar({ id: conversation.id, name: conversation.title ?? "Group", avatarUrl: conversation.pictureUrl }, options);
}

/** The online/offline dot of a user. */
export function presenceDot(status) {
  const dot = document.createElement("span");
  dot.className = "dot";
  dot.dataset.testid = "presence-dot";
  dot.dataset.status = status === "online" ? "online" : "offline";
  dot.setAttribute("role", "img");
  dot.setAttribute("aria-label", status === "online" ? "online" : "offline");
  return dot;
}
