// The composer: the open conversation's draft (kept per conversation, so text written to
// one person never goes to another), Enter to send and Shift+Enter for a new line, typing
// told while the reader writes, files attached or dropped.

const TYPING_PAUSE = 2500;

export function createComposer(state, { onSend, onUpload, onTyping }) {
  const pane = document.getElementById("conversation");
  const form = document.getElementById("composer");
  const input = document.getElementById("composer-input");
  const fileInput = document.getElementById("file-input");
  let conversationId = null;
  let typingIn = null; // the conversation the reader was told to be typing in
  let typingTimer = null;

  function stopTyping() {
    clearTimeout(typingTimer);
    if (typingIn !== null) onTyping(typingIn, false);
    typingIn = null;
  }

  input.addEventListener("input", () => {
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
    }
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const content = input.value;
    if (!content.trim() || !conversationId) return;
    stopTyping();
    input.value = "";
    state.drafts.clear(conversationId);
    onSend(conversationId, content);
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
    },
    focus: () => input.focus(),
  };
}
