// Short notices in a corner: errors with the server's message, new messages elsewhere
// (a click opens them). They go by themselves.

const container = () => document.getElementById("toasts");

export function toast(text, { kind = "info", onClick, timeout = 6000 } = {}) {
  const element = document.createElement(onClick ? "button" : "div");
  element.className = `toast toast--${kind}`;
  element.dataset.testid = "toast";
  element.textContent = text;
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

export const showError = (error) => toast(error?.message || "Something went wrong", { kind: "error" });
