import { initials } from "../format.js";

/** A user's initials in a circle whose colour follows from their id. */
export function avatar(user) {
  const element = document.createElement("span");
  element.className = "avatar";
  element.textContent = initials(user?.name ?? "?");
  element.setAttribute("aria-hidden", "true");
  let hash = 0;
  for (const character of String(user?.id ?? "")) hash = (hash * 31 + character.charCodeAt(0)) >>> 0;
  element.dataset.hue = String(hash % 8);
  return element;
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
