// The report dialog: why a message is wrong (spam, harassment, not for students, or
// something else said in a line), sent to the platform's admins. The reporter is told it
// is in; the person reported is not told anything.

import { setText } from "./keyed.js";

export function renderReport({ submit }) {
  const dialog = document.getElementById("report");
  const form = document.getElementById("report-form");
  const subject = document.getElementById("report-subject");
  const error = document.getElementById("report-error");
  let reported = null; // the message

  document.getElementById("report-cancel").addEventListener("click", () => dialog.close());
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const reason = form.elements.reason.value;
    const text = form.elements.text.value.trim();
    if (reason === "other" && !text) {
      error.textContent = "Say what happened, in a line or two.";
      form.elements.text.setAttribute("aria-invalid", "true");
      return form.elements.text.focus();
    }
    error.textContent = "";
    try {
      await submit(reported, reason, text || null);
      dialog.close();
    } catch (failure) {
      error.textContent = failure.message;
    }
  });
  // What the reader changes answers the complaint: it goes.
  form.addEventListener("input", () => {
    error.textContent = "";
    form.elements.text.removeAttribute("aria-invalid");
  });

  return {
    /** Opens the dialog for `message`, written by `name`. */
    open(message, name) {
      reported = message;
      form.reset();
      error.textContent = "";
      const quoted = message.content.length > 120 ? `${message.content.slice(0, 120)}…` : message.content;
      setText(subject, `${name}: “${quoted}”`);
      dialog.showModal();
      form.elements.reason[0].focus();
    },
  };
}
