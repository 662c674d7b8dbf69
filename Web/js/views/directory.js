// The experts directory, for students: a search that asks the server as you type (name,
// headline or subject, any part of a word), an "online now" filter, and the next page
// loaded when the end of the list scrolls into view. The server orders it: online first.

import { avatar, presenceDot } from "./avatar.js";

const TYPING_PAUSE = 250;

export function renderDirectory(store, { load, onPickExpert }) {
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
      store.setExperts(page.experts, { append });
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
    const { state } = store;
    section.hidden = state.me?.role !== "student";
    const experts = [...state.experts.values()];
    const q = search.value.trim();
    status.textContent = experts.length ? "" : q ? `No experts match “${q}”` : onlineOnly.checked ? "No experts are online now" : "No experts yet";
    list.replaceChildren(...experts.map((expert) => {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "item";
      button.dataset.testid = "expert-item";
      button.dataset.userId = expert.id;
      const face = document.createElement("span");
      face.className = "item__face";
      face.append(avatar(expert), presenceDot(state.presence.get(expert.id)));
      const text = document.createElement("span");
      text.className = "item__text";
      const name = document.createElement("span");
      name.className = "item__title";
      name.textContent = expert.name;
      const about = document.createElement("span");
      about.className = "item__preview";
      about.textContent = [expert.headline, (expert.subjects ?? []).join(", ")].filter(Boolean).join(" · ");
      text.append(name, about);
      button.append(face, text);
      button.addEventListener("click", () => onPickExpert(expert.id));
      item.append(button);
      return item;
    }));
  }

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
  store.on("experts", draw);
  store.on("presence", draw);
  store.on("me", draw);

  return {
    /** The first page again (signed in, or back from elsewhere). */
    reload() {
      if (store.state.me?.role !== "student") return draw();
      search.value = "";
      onlineOnly.checked = false;
      return query();
    },
  };
}
