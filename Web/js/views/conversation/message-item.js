// One message's node, made once and kept up to date in place: each part (the sender's
// face and name, the content, the reactions, the meta line) is redrawn only when what it
// shows changed, and never while the reader edits it.

import { callLine, clock, groupReceipt } from "../../format.js";
import { drawAttachment } from "../attachments.js";
import { avatar } from "../avatar.js";
import { element, setAttribute, setText } from "../keyed.js";
import { createMenu, updateReactions } from "../message-actions.js";
import { richText } from "../rich-text.js";
import { quoteLines } from "./quote.js";

const drawn = new WeakMap(); // node → what each part shows now, by part

/** A message's node, empty until `updateMessage` fills it. */
export function createMessage(message) {
  const item = element("li", { testid: "message" });
  item.dataset.messageId = message.id;
  drawn.set(item, {});
  return item;
}

/**
 * Brings the node up to `view`: {message, mine, grouped (same sender as the one before),
 * sender (their user, for others' messages), read, found, editor (a form while editing),
 * quoted (the name of whom a reply answers), named (the sender's name shown: in groups),
 * hidden (its sender is blocked: a line says so instead), readBy (in a group, the names of
 * those who read one's own message) and others (how many could)}.
 */
export function updateMessage(item, view) {
  const { message, mine } = view;
  const parts = drawn.get(item);
  if (message.messageType === "CALL") {
    drawCall(item, parts, message, mine);
    return;
  }
  const system = message.messageType === "SYSTEM";
  item.className = system
    ? "message message--system"
    : `message ${mine ? "message--mine" : "message--theirs"}${view.grouped ? " message--grouped" : ""}${view.found ? " message--found" : ""}`;
  setAttribute(item, "data-seq", message.pending ? null : String(message.seq));
  setAttribute(item, "data-deleted", message.deletedAt ? "true" : null);
  setAttribute(item, "data-pending", message.pending ? "true" : null);
  // Read: by the other one, or in a group by everyone else.
  const read = view.readBy ? view.readBy.length >= view.others : view.read;
  setAttribute(item, "data-read", mine && !system ? String(read) : null);

  // Others' messages start with their face, and in a group their name (in a direct
  // conversation the header says who it is: a name over every bubble is noise on a phone).
  const header = !system && !mine && !view.grouped ? `${view.sender.id}|${view.sender.name}|${view.sender.avatarUrl ?? ""}|${view.named}` : "";
  part(item, parts, "header", header, () => {
    if (!header) return [];
    const face = avatar(view.sender);
    face.classList.add("message__avatar");
    if (!view.named) return [face];
    const name = element("span", { className: "message__sender", text: view.sender.name });
    name.title = view.sender.name;
    return [face, name];
  }, (nodes) => item.prepend(...nodes));

  const content = slot(item, "message__content", "div", () => item.querySelector(".message__meta"));
  if (view.editor) {
    if (!content.contains(view.editor)) content.replaceChildren(view.editor);
    parts.content = "editing";
  } else if (view.hidden) {
    if (parts.content !== "hidden") content.replaceChildren(drawHidden());
    parts.content = "hidden";
  } else {
    const quote = message.replyTo && !message.deletedAt ? [message.replyTo.id, message.replyTo.snippet, message.replyTo.deleted, view.quoted] : null;
    const contentKey = JSON.stringify([message.deletedAt ?? "", message.content, (message.attachments ?? []).map((file) => file.id), message.progress ?? null, quote]);
    if (parts.content !== contentKey) {
      parts.content = contentKey;
      content.replaceChildren(...(quote ? [drawQuote(message.replyTo, view.quoted)] : []), ...drawContent(message));
    }
  }

  const reactions = message.deletedAt || system || view.hidden ? [] : (message.reactions ?? []);
  if (reactions.length) {
    updateReactions(slot(item, "reactions", "div", () => item.querySelector(".message__meta")), reactions);
  } else {
    item.querySelector(".reactions")?.remove();
  }

  if (system) {
    item.querySelector(".message__meta")?.remove();
    return;
  }
  const meta = slot(item, "message__meta", "span", () => null);
  updateMeta(meta, view, parts);
}

/** A call's line: centred like the server's own, with what became of the call and when. */
function drawCall(item, parts, message, mine) {
  const line = callLine(message.call, mine);
  item.className = `message message--system message--call${line.missed ? " message--missed" : ""}`;
  setAttribute(item, "data-seq", String(message.seq));
  const key = `${line.text}|${message.createdAt}`;
  if (parts.content === key) return;
  parts.content = key;
  const text = element("div", { className: "message__text", testid: "call-line" });
  text.dataset.outcome = message.call?.outcome ?? "";
  const icon = element("span", { className: "call-line__icon", text: message.call?.media === "video" ? "🎥" : "📞" });
  icon.setAttribute("aria-hidden", "true");
  const time = element("time", { className: "call-line__time", text: ` · ${clock(message.createdAt)}` });
  time.setAttribute("datetime", message.createdAt);
  text.append(icon, ` ${line.text}`, time);
  slot(item, "message__content", "div", () => null).replaceChildren(text);
}

/** What stands for a message of someone the reader blocked, with a way to see it once. */
function drawHidden() {
  const line = element("div", { className: "message__text message__text--hidden", testid: "message-hidden", text: "Message from someone you blocked " });
  const show = element("button", { className: "link-button", testid: "reveal-message", text: "Show" });
  show.type = "button";
  show.dataset.action = "reveal";
  line.append(show);
  return line;
}

/** The message a reply answers: a button that shows it. */
function drawQuote(preview, name) {
  const button = element("button", { className: "quote", testid: "reply-quote" });
  button.type = "button";
  button.dataset.action = "show-original";
  button.append(...quoteLines(preview, name));
  button.setAttribute("aria-label", `Reply to ${name}: ${preview.deleted ? "message deleted" : preview.snippet || preview.messageType.toLowerCase()}. Show it`);
  return button;
}

function drawContent(message) {
  const text = element("div", { className: "message__text", testid: "message-content" });
  text.append(...richText(message.content));
  if (message.deletedAt) {
    text.textContent = "This message was deleted";
    text.classList.add("message__text--deleted");
    text.dataset.testid = "message-deleted";
    return [text];
  }
  const files = message.attachments ?? [];
  // A file's message says its name unless a caption was written: the name is shown once.
  const nodes = files.some((file) => file.name === message.content) ? [] : [text];
  for (const file of files) nodes.push(drawAttachment(file));
  if (message.pending && message.progress !== undefined) {
    const progress = element("progress");
    progress.max = 1;
    progress.value = message.progress;
    progress.setAttribute("aria-label", `Uploading ${message.content}`);
    nodes.push(progress);
  }
  return nodes;
}

function updateMeta(meta, view, parts) {
  const { message, mine } = view;
  const time = slot(meta, "message__time", "time", () => meta.firstChild);
  setAttribute(time, "datetime", message.createdAt);
  setText(time, clock(message.createdAt));

  const editedKey = message.editedAt && !message.deletedAt ? message.editedAt : "";
  part(meta, parts, "edited", editedKey, () => {
    if (!editedKey) return [];
    const edited = element("span", { testid: "message-edited", text: "edited" });
    edited.title = `Edited ${clock(message.editedAt)}`;
    return [edited];
  }, (nodes) => time.after(...nodes));

  if (mine) {
    const status = slot(meta, "message__status", "span", () => meta.querySelector(".message__actions"));
    const uploading = message.progress !== undefined ? `uploading ${Math.round(message.progress * 100)}%` : "sending…";
    setText(status, message.pending ? uploading : view.readBy ? groupReceipt(view.readBy, view.others) : view.read ? "read" : "sent");
    setAttribute(status, "title", view.readBy?.length ? `Read by ${view.readBy.join(", ")}` : null);
  }

  let actions = meta.querySelector(".message__actions");
  if (message.pending || message.deletedAt) return actions?.remove();
  if (!actions) meta.append((actions = createMenu({ mine })));
  // Each "⋯" names its message, so that a list of buttons is not a list of "Actions".
  setAttribute(actions.firstElementChild, "aria-label", `Actions for ${mine ? "your" : `${view.sender.name}'s`} message at ${clock(message.createdAt)}`);
}

/** The child of `parent` with `className`, made (before `before()`) if missing. */
function slot(parent, className, tag, before) {
  let node = [...parent.children].find((child) => child.classList.contains(className));
  if (!node) {
    node = element(tag, { className });
    parent.insertBefore(node, before() ?? null);
  }
  return node;
}

/** A part drawn as `make()`'s nodes, again only when its key changed; `place` puts new ones in. */
function part(parent, parts, name, key, make, place) {
  if (parts[name] === key) return;
  for (const node of parts[`${name}Nodes`] ?? []) node.remove();
  const nodes = make();
  parts[name] = key;
  parts[`${name}Nodes`] = nodes;
  if (nodes.length) place(nodes);
}
