// Short notices in a corner: errors with the server's message, new messages elsewhere
// (a click opens them). At most three lines each, at the top (never over the composer);
// they go by themselves, and a conversation's go when it is opened.

const container = () => document.getElementById("toasts");
const MAX_TEXT = 280; // characters: three lines are shown, the rest is for screen readers

export function toast(text, { kind = "info", onClick, timeout = 6000, conversationId } = {}) {
  const element = document.createElement(onClick ? "button" : "div");
  element.className = `toast toast--${kind}`;
  element.dataset.testid = "toast";
  if (conversationId) element.dataset.conversationId = conversationId;
  element.textContent = text.length > MAX_TEXT ? text.slice(0, MAX_TEXT) + "…" : text;
  if (onClick) {
    element.type = "button";
    element.addEventListener("click", () => {
      element.remove();
      onClick();
    });
  }
  container().append(element);
  setTimeout(() => element.remove(), timeout);
  return element;
}

/** The conversation is being read: its notices have done their job. */
export function dismissToasts(conversationId) {
  for (const element of container().querySelectorAll("[data-conversation-id]")) {
    if (element.dataset.conversationId === conversationId) element.remove();
  }
}

export const showError = (error) => toast(error?.message || "Something went wrong", { kind: "error" });
