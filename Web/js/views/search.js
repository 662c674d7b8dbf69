// Message search in the left pane: as the reader types (after a pause), the matches from
// all their conversations replace the lists, best first, each with its conversation, its
// time and a passage with the matching words marked; a click opens the message in its
// conversation. Escape, or an empty box, brings the lists back.

import { when } from "../format.js";
import { key } from "../state/ids.js";
import { avatar } from "./avatar.js";

const PAUSE = 300;

export function renderSearch(state, { search, onOpenMessage }) {
  const input = document.getElementById("search-input");
  const form = document.getElementById("search-form");
  const section = document.getElementById("search-section");
  const results = document.getElementById("search-results");
  const status = document.getElementById("search-status");
  const more = document.getElementById("search-more");
  const lists = [document.getElementById("conversations-section"), document.getElementById("experts-section")];
  let timer = null;
  let asked = 0; // answers to older questions are dropped
  let cursor = null;

  function showResults(active) {
    section.hidden = !active;
    for (const list of lists) list.classList.toggle("is-hidden-by-search", active);
  }

  async function run(query, { append = false } = {}) {
    const question = ++asked;
    status.textContent = "Searching…";
    try {
      const page = await search(query, append ? cursor : null);
      if (question !== asked) return;
      cursor = page.nextCursor ?? null;
      const items = page.results.map((hit) => drawHit(hit));
      if (append) results.append(...items);
      else results.replaceChildren(...items);
      more.hidden = !cursor;
      const shown = results.children.length;
      status.textContent = shown === 0 ? `No messages match “${query}”.` : `${shown}${cursor ? "+" : ""} found`;
    } catch (error) {
      if (question === asked) status.textContent = error.message;
    }
  }

  function drawHit({ message, snippet }) {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "item search__hit";
    button.dataset.testid = "search-result";
    button.dataset.messageId = key(message.id);
    const title = document.createElement("span");
    title.className = "item__title";
    title.textContent = `${conversationTitle(message.conversationId)} · ${state.nameOf(message.senderId)}`;
    const time = document.createElement("time");
    time.className = "item__time";
    time.dateTime = message.createdAt;
    time.textContent = when(message.createdAt);
    const passage = document.createElement("span");
    passage.className = "item__preview search__snippet";
    passage.dataset.testid = "search-snippet";
    for (const part of snippet) {
      const piece = document.createElement(part.match ? "mark" : "span");
      piece.textContent = part.text;
      passage.append(piece);
    }
    const face = avatar(state.userOf(message.senderId), { size: "small" });
    face.classList.add("search__face");
    button.append(face, title, time, passage);
    button.addEventListener("click", () => onOpenMessage(message));
    item.append(button);
    return item;
  }

  function conversationTitle(conversationId) {
    const conversation = state.conversations.get(conversationId);
    if (!conversation) return "A conversation";
    return conversation.title ?? conversation.participants.filter((user) => user.id !== state.me?.id).map((user) => user.name).join(", ");
  }

  function clear() {
    clearTimeout(timer);
    asked++;
    cursor = null;
    results.replaceChildren();
    status.textContent = "";
    more.hidden = true;
    showResults(false);
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    const query = input.value.trim();
    if (!query) return clear();
    showResults(true);
    timer = setTimeout(() => run(query), PAUSE);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      input.value = "";
      clear();
    }
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(timer);
    if (input.value.trim()) run(input.value.trim());
  });
  more.addEventListener("click", () => run(input.value.trim(), { append: true }));
  return { clear };
}
