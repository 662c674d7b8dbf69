// What a reader can do to a message: react (a few emoji under the bubble, toggled), and
// for their own, edit in place or delete (asked twice: it is for everyone). The actions
// sit in a menu opened from the message's "⋯" button, which keyboards reach like any
// other button.

export const QUICK_EMOJI = ["👍", "❤️", "😂", "🎉", "😮", "🙏"];

/** The reactions under a bubble: each a toggle showing its count. */
export function drawReactions(message, { onReact }) {
  const row = document.createElement("div");
  row.className = "reactions";
  for (const { emoji, count, me } of message.reactions ?? []) {
    const chip = document.createElement("button");
    chip.type = "button";
    chip.className = "reaction";
    chip.dataset.testid = "reaction";
    chip.dataset.emoji = emoji;
    chip.setAttribute("aria-pressed", String(!!me));
    chip.setAttribute("aria-label", `${emoji} ${count}${me ? ", yours" : ""}`);
    chip.textContent = `${emoji} ${count}`;
    chip.addEventListener("click", () => onReact(message, emoji, !me));
    row.append(chip);
  }
  return row;
}

/**
 * The "⋯" button and its menu. `mine`: the reader sent it (edit and delete are offered);
 * otherwise it can be marked unread.
 */
export function drawMenu(message, { mine, onReact, onEdit, onDelete, onMarkUnread }) {
  const wrapper = document.createElement("div");
  wrapper.className = "message__actions";
  const button = document.createElement("button");
  button.type = "button";
  button.className = "icon-button message__menu-button";
  button.dataset.testid = "message-menu";
  button.setAttribute("aria-haspopup", "menu");
  button.setAttribute("aria-expanded", "false");
  button.setAttribute("aria-label", "Message actions");
  button.textContent = "⋯";
  const menu = document.createElement("div");
  menu.className = "menu";
  menu.setAttribute("role", "menu");
  menu.hidden = true;

  const close = () => {
    menu.hidden = true;
    button.setAttribute("aria-expanded", "false");
    document.removeEventListener("click", outside, true);
  };
  const outside = (event) => wrapper.contains(event.target) || close();
  button.addEventListener("click", () => {
    if (!menu.hidden) return close();
    menu.hidden = false;
    button.setAttribute("aria-expanded", "true");
    document.addEventListener("click", outside, true);
    menu.querySelector("button")?.focus();
  });
  menu.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      close();
      button.focus();
    }
  });

  const emoji = document.createElement("div");
  emoji.className = "menu__emoji";
  for (const choice of QUICK_EMOJI) {
    const pick = item(choice, `React with ${choice}`, () => {
      close();
      const mineAlready = (message.reactions ?? []).some((reaction) => reaction.emoji === choice && reaction.me);
      onReact(message, choice, !mineAlready);
    });
    pick.dataset.testid = "react-option";
    pick.dataset.emoji = choice;
    emoji.append(pick);
  }
  menu.append(emoji);
  if (mine) {
    const edit = item("Edit", null, () => {
      close();
      onEdit(message);
    });
    edit.dataset.testid = "edit-message";
    const remove = item("Delete", null, () => {
      // Asked twice: a delete is for everyone in the conversation.
      if (remove.dataset.confirming !== "true") {
        remove.dataset.confirming = "true";
        remove.textContent = "Delete for everyone?";
        remove.dataset.testid = "confirm-delete";
        return;
      }
      close();
      onDelete(message);
    });
    remove.dataset.testid = "delete-message";
    remove.classList.add("menu__danger");
    menu.append(edit, remove);
  } else {
    const unread = item("Mark unread", null, () => {
      close();
      onMarkUnread(message);
    });
    unread.dataset.testid = "mark-unread";
    menu.append(unread);
  }
  wrapper.append(button, menu);
  return wrapper;
}

/** The message's text as a form to change it: Enter saves, Escape gives up. */
export function drawEditor(message, { value, onInput, onSave, onCancel }) {
  const form = document.createElement("form");
  form.className = "message__editor";
  form.dataset.testid = "edit-form";
  const input = document.createElement("textarea");
  input.dataset.testid = "edit-input";
  input.value = value;
  input.maxLength = 10000;
  input.rows = Math.min(6, value.split("\n").length + 1);
  input.addEventListener("input", () => onInput(input.value));
  input.setAttribute("aria-label", "Edit message");
  const save = document.createElement("button");
  save.type = "submit";
  save.className = "button button--primary";
  save.textContent = "Save";
  save.dataset.testid = "edit-save";
  const cancel = document.createElement("button");
  cancel.type = "button";
  cancel.className = "button";
  cancel.textContent = "Cancel";
  cancel.addEventListener("click", onCancel);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const content = input.value;
    if (!content.trim()) return;
    if (content === message.content) return onCancel();
    onSave(message, content);
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

function item(label, ariaLabel, action) {
  const button = document.createElement("button");
  button.type = "button";
  button.setAttribute("role", "menuitem");
  button.textContent = label;
  if (ariaLabel) button.setAttribute("aria-label", ariaLabel);
  button.addEventListener("click", action);
  return button;
}
