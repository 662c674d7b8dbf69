// The experts directory, for students: a search that asks the server as you type (name,
// headline or subject, any part of a word), an "online now" filter, and the next page
// loaded when the end of the list scrolls into view. The server orders it: online first.

import { avatar, presenceDot } from "./avatar.js";
import { element, reconcile, setText } from "./keyed.js";
import { verifiedBadge } from "./verified.js";

const TYPING_PAUSE = 250;

export function renderDirectory(state, { load, onPickExpert }) {
  const section = document.getElementById("experts-section");
  const list = document.getElementById("experts");
  const search = document.getElementById("expert-search");
  const onlineOnly = document.getElementById("expert-online");
  const status = document.getElementById("experts-status");
  const end = document.getElementById("experts-more");
  let generation = 0; // a newer query makes the answers to older ones moot
  let next = null;
  let loading = false;
  let typingTimer = null;

  async function query({ append = false } = {}) {
    if (append && (!next || loading)) return;
    const ticket = append ? generation : ++generation;
    loading = true;
    list.setAttribute("aria-busy", "true");
    try {
      const page = await load({ q: search.value.trim(), online: onlineOnly.checked, next: append ? next : null });
      if (ticket !== generation) return;
      next = page.next;
      state.presence.setMany(page.experts.filter((user) => typeof user.online === "boolean").map((user) => [user.id, user.online ? "online" : "offline"]));
      state.directory.set(page.experts, { append });
    } catch (error) {
      if (ticket === generation) status.textContent = error.message;
    } finally {
      if (ticket === generation) {
        loading = false;
        list.setAttribute("aria-busy", "false");
        // Still in view after this page (a tall window, a short page): the next one too.
        watcher.unobserve(end);
        watcher.observe(end);
      }
    }
  }

  const watcher = new IntersectionObserver((entries) => {
    if (entries.some((entry) => entry.isIntersecting)) query({ append: true });
  });

  function draw() {
    section.hidden = state.me?.role !== "student";
    const experts = state.directory.list();
    const q = search.value.trim();
    setText(status, experts.length ? "" : q ? `No experts match “${q}”` : onlineOnly.checked ? "No experts are online now" : "No experts yet");
    reconcile(list, experts, { keyOf: (expert) => expert.id, create, update });
  }

  function create() {
    const item = element("li");
    const button = element("button", { className: "item", testid: "expert-item" });
    button.type = "button";
    const text = element("span", { className: "item__text" });
    const heading = element("span", { className: "item__heading" });
    heading.append(element("span", { className: "item__title" }), verifiedBadge({ testid: "expert-verified" }));
    text.append(heading, element("span", { className: "item__preview" }));
    button.append(element("span", { className: "item__face" }), text);
    item.append(button);
    return item;
  }

  function update(item, expert) {
    const button = item.firstElementChild;
    button.dataset.userId = expert.id;
    setText(button.querySelector(".item__title"), expert.name);
    button.querySelector(".verified").hidden = !expert.verified;
    setText(button.querySelector(".item__preview"), [expert.headline, (expert.subjects ?? []).join(", ")].filter(Boolean).join(" · "));
    const face = button.querySelector(".item__face");
    const status = state.presence.statusOf(expert.id) ?? "offline";
    const faceKey = `${expert.name}|${expert.avatarUrl ?? ""}|${status}`;
    if (face.dataset.drawn !== faceKey) {
      face.dataset.drawn = faceKey;
      face.replaceChildren(avatar(expert), presenceDot(status));
    }
  }

  list.addEventListener("click", (event) => {
    const button = event.target.closest("[data-user-id]");
    if (button) onPickExpert(button.dataset.userId);
  });
  search.addEventListener("input", () => {
    clearTimeout(typingTimer);
    typingTimer = setTimeout(() => query(), TYPING_PAUSE);
  });
  search.addEventListener("keydown", (event) => {
    if (event.key !== "Enter") return;
    clearTimeout(typingTimer);
    query();
  });
  onlineOnly.addEventListener("change", () => query());
  state.on("directory", draw);
  state.on("presence", draw);
  state.on("me", draw);
  state.on("reset", () => list.replaceChildren());

  return {
    /** The first page again (signed in, or back from elsewhere). */
    reload() {
      if (state.me?.role !== "student") return draw();
      search.value = "";
      onlineOnly.checked = false;
      return query();
    },
  };
}
