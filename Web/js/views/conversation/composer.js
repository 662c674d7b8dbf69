// The composer: the open conversation's draft (kept per conversation, so text written to
// one person never goes to another) and the message it answers, a box that grows with its
// text up to a third of the window (then scrolls), Enter to send and Shift+Enter for a new
// line, Escape to drop the reply, typing told while the reader writes, files attached or
// dropped.

import { quoteLines } from "./quote.js";

const TYPING_PAUSE = 2500;
const MOST_OF_THE_WINDOW = 1 / 3; // the box grows to this share of the window's height, at least its CSS min-height

export function createComposer(state, { onSend, onUpload, onTyping }) {
  const pane = document.getElementById("conversation");
  const form = document.getElementById("composer");
  const input = document.getElementById("composer-input");
  const fileInput = document.getElementById("file-input");
  const replyBar = document.getElementById("reply-bar");
  const replyQuote = document.getElementById("reply-bar-quote");
  let conversationId = null;
  let replyShown = null; // the id of the message the bar quotes
  let typingIn = null; // the conversation the reader was told to be typing in
  let typingTimer = null;

  /** The box as tall as its text, up to its limit (CSSOM sizes are allowed by the page's policy). */
  function fit() {
    input.style.height = "";
    if (!input.offsetParent) return; // not shown: measured when it is
    input.style.height = "auto";
    const most = Math.max(120, Math.round(window.innerHeight * MOST_OF_THE_WINDOW));
    input.style.height = `${Math.min(input.scrollHeight + input.offsetHeight - input.clientHeight, most)}px`;
    input.style.overflowY = input.scrollHeight > input.clientHeight ? "auto" : "hidden";
  }
  window.addEventListener("resize", fit);

  /** The bar above the box: the message the draft answers, if any. */
  function drawReply() {
    const preview = conversationId ? state.drafts.replyTo(conversationId) : null;
    replyBar.hidden = !preview;
    const shown = preview ? `${preview.id}|${preview.snippet}|${preview.deleted}|${state.nameOf(preview.senderId)}` : null;
    if (shown === replyShown) return;
    replyShown = shown;
    if (!preview) return replyQuote.replaceChildren();
    const name = preview.senderId === state.me?.id ? "yourself" : state.nameOf(preview.senderId);
    const [who, text] = quoteLines(preview, `Replying to ${name}`);
    replyQuote.replaceChildren(who, text);
  }
  state.on("drafts", ({ conversationId: id }) => id === conversationId && drawReply());
  document.getElementById("reply-cancel").addEventListener("click", () => {
    state.drafts.setReplyTo(conversationId, null);
    input.focus();
  });

  function stopTyping() {
    clearTimeout(typingTimer);
    if (typingIn !== null) onTyping(typingIn, false);
    typingIn = null;
  }

  input.addEventListener("input", () => {
    fit();
    state.drafts.set(conversationId, input.value);
    if (!input.value.trim()) return stopTyping();
    if (typingIn !== conversationId) {
      stopTyping();
      typingIn = conversationId;
      onTyping(conversationId, true);
    }
    clearTimeout(typingTimer);
    typingTimer = setTimeout(stopTyping, TYPING_PAUSE);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    } else if (event.key === "Escape" && state.drafts.replyTo(conversationId)) {
      event.preventDefault();
      state.drafts.setReplyTo(conversationId, null);
    }
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const content = input.value;
    if (!content.trim() || !conversationId) return;
    stopTyping();
    const replyTo = state.drafts.replyTo(conversationId);
    input.value = "";
    fit();
    state.drafts.clear(conversationId);
    onSend(conversationId, content, replyTo);
  });
  fileInput.addEventListener("change", () => {
    for (const file of fileInput.files) onUpload(conversationId, file);
    fileInput.value = "";
  });
  pane.addEventListener("dragover", (event) => {
    if ([...(event.dataTransfer?.types ?? [])].includes("Files")) event.preventDefault();
  });
  pane.addEventListener("drop", (event) => {
    if (!event.dataTransfer?.files.length || !conversationId) return;
    event.preventDefault();
    for (const file of event.dataTransfer.files) onUpload(conversationId, file);
  });

  return {
    /** The composer of `id`: its own draft, and typing in the last one ends. */
    show(id) {
      stopTyping();
      conversationId = id;
      input.value = id ? state.drafts.get(id) : "";
      drawReply();
      requestAnimationFrame(fit); // once the pane is shown
    },
    /** Starts a reply to `preview` (a message's, see `replyPreview`), and the reader writes it. */
    replyTo(preview) {
      state.drafts.setReplyTo(conversationId, preview);
      input.focus();
    },
    focus: () => input.focus(),
  };
}
