// What a reader can do to a message: react (a few emoji under the bubble, toggled),
// reply, and for their own, edit in place or delete (asked twice: it is for everyone);
// someone else's can be marked unread, reported, and its sender blocked (or unblocked). The actions sit in a menu opened from the message's "⋯"
// button. Nodes carry `data-action`; the message list handles every click (one listener,
// not one per message), so a redraw never drops a handler or an open menu.

import { element, setAttribute, setText } from "./keyed.js";

export const QUICK_EMOJI = ["👍", "❤️", "😂", "🎉", "😮", "🙏"];

/** The reactions under a bubble, each a toggle with its count, kept in place. */
export function updateReactions(row, reactions) {
  const chips = new Map([...row.children].map((chip) => [chip.dataset.emoji, chip]));
  let cursor = row.firstElementChild;
  for (const { emoji, count, me } of reactions) {
    let chip = chips.get(emoji);
    chips.delete(emoji);
    if (!chip) {
      chip = element("button", { className: "reaction", testid: "reaction" });
      chip.type = "button";
      chip.dataset.emoji = emoji;
      chip.dataset.action = "toggle-reaction";
    }
    setText(chip, `${emoji} ${count}`);
    setAttribute(chip, "aria-pressed", String(!!me));
    setAttribute(chip, "aria-label", `${emoji} ${count}${me ? ", yours" : ""}`);
    if (chip === cursor) cursor = cursor.nextElementSibling;
    else row.insertBefore(chip, cursor);
  }
  for (const gone of chips.values()) gone.remove();
}

/** The "⋯" button and its menu: react and reply; `mine`: edit and delete, otherwise mark unread. */
export function createMenu({ mine }) {
  const wrapper = element("div", { className: "message__actions" });
  const button = element("button", { className: "icon-button message__menu-button", testid: "message-menu", text: "⋯" });
  button.type = "button";
  button.dataset.action = "menu";
  button.setAttribute("aria-haspopup", "menu");
  button.setAttribute("aria-expanded", "false");
  button.setAttribute("aria-label", "Message actions");
  const menu = element("div", { className: "menu" });
  menu.setAttribute("role", "menu");
  menu.hidden = true;
  const emoji = element("div", { className: "menu__emoji" });
  for (const choice of QUICK_EMOJI) {
    const pick = item(choice, "react", `React with ${choice}`);
    pick.dataset.testid = "react-option";
    pick.dataset.emoji = choice;
    emoji.append(pick);
  }
  const reply = item("Reply", "reply");
  reply.dataset.testid = "reply-message";
  menu.append(emoji, reply);
  if (mine) {
    const edit = item("Edit", "edit");
    edit.dataset.testid = "edit-message";
    const remove = item("Delete", "delete");
    remove.dataset.testid = "delete-message";
    remove.classList.add("menu__danger");
    menu.append(edit, remove);
  } else {
    const unread = item("Mark unread", "mark-unread");
    unread.dataset.testid = "mark-unread";
    const report = item("Report", "report");
    report.dataset.testid = "report-message";
    // Which of the two shows is decided as the menu opens (a block may come from anywhere).
    const block = item("Block sender", "block");
    block.dataset.testid = "block-sender";
    block.classList.add("menu__danger");
    const unblock = item("Unblock sender", "unblock");
    unblock.dataset.testid = "unblock-sender";
    menu.append(unread, report, block, unblock);
  }
  wrapper.append(button, menu);
  return wrapper;
}

/** Opens or closes the menu of `wrapper`; one menu is open at a time. */
export function toggleMenu(wrapper, open = wrapper.querySelector(".menu").hidden) {
  const menu = wrapper.querySelector(".menu");
  const button = wrapper.querySelector("[data-action=menu]");
  if (open) for (const other of document.querySelectorAll(".message__actions .menu:not([hidden])")) toggleMenu(other.parentElement, false);
  menu.hidden = !open;
  // Above its button, unless the list's top would cut it: then below.
  menu.classList.remove("menu--below");
  const frame = open && wrapper.closest(".messages")?.getBoundingClientRect();
  if (frame && menu.getBoundingClientRect().top < frame.top) menu.classList.add("menu--below");
  button.setAttribute("aria-expanded", String(open));
  if (!open) resetDelete(menu);
  if (open) menu.querySelector("button")?.focus();
}

/** A delete asks twice: it is for everyone in the conversation. True when asked the second time. */
export function confirmDelete(button) {
  if (button.dataset.confirming === "true") return true;
  button.dataset.confirming = "true";
  button.textContent = "Delete for everyone?";
  button.dataset.testid = "confirm-delete";
  return false;
}

function resetDelete(menu) {
  const remove = menu.querySelector("[data-action=delete]");
  if (!remove || remove.dataset.confirming !== "true") return;
  delete remove.dataset.confirming;
  remove.textContent = "Delete";
  remove.dataset.testid = "delete-message";
}

// A click anywhere outside an open menu closes it; Escape closes it and gives the focus back.
document.addEventListener("click", (event) => {
  for (const menu of document.querySelectorAll(".message__actions .menu:not([hidden])")) {
    if (!menu.parentElement.contains(event.target)) toggleMenu(menu.parentElement, false);
  }
}, true);
// In an open menu, the arrow keys, Home and End move between its items.
document.addEventListener("keydown", (event) => {
  const menu = event.target.closest?.(".message__actions .menu:not([hidden])");
  if (!menu) return;
  if (event.key === "Escape") {
    toggleMenu(menu.parentElement, false);
    menu.parentElement.querySelector("[data-action=menu]").focus();
    return;
  }
  const items = [...menu.querySelectorAll("[role=menuitem]")].filter((item) => !item.hidden);
  const at = items.indexOf(event.target);
  const to = { ArrowDown: at + 1, ArrowRight: at + 1, ArrowUp: at - 1, ArrowLeft: at - 1, Home: 0, End: items.length - 1 }[event.key];
  if (to === undefined || !items.length) return;
  event.preventDefault();
  items[(to + items.length) % items.length].focus();
});

/** The message's text as a form to change it: Enter saves, Escape gives up. */
export function createEditor(message, { value, maxLength = 10000, onInput, onSave, onCancel }) {
  const form = element("form", { className: "message__editor", testid: "edit-form" });
  const input = element("textarea", { testid: "edit-input" });
  input.value = value;
  input.maxLength = maxLength;
  input.rows = Math.min(6, value.split("\n").length + 1);
  input.addEventListener("input", () => onInput(input.value));
  input.setAttribute("aria-label", "Edit message");
  const save = element("button", { className: "button button--primary", testid: "edit-save", text: "Save" });
  save.type = "submit";
  const cancel = element("button", { className: "button", text: "Cancel" });
  cancel.type = "button";
  cancel.addEventListener("click", onCancel);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const content = input.value;
    if (!content.trim()) return;
    if (content === message.content) return onCancel();
    onSave(content);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    } else if (event.key === "Escape") {
      onCancel();
    }
  });
  form.append(input, save, cancel);
  queueMicrotask(() => {
    input.focus();
    input.setSelectionRange(input.value.length, input.value.length);
  });
  return form;
}

function item(label, action, ariaLabel) {
  const button = element("button", { text: label });
  button.type = "button";
  button.dataset.action = action;
  button.setAttribute("role", "menuitem");
  if (ariaLabel) button.setAttribute("aria-label", ariaLabel);
  return button;
}
