// What a form says went wrong: the message in its error box (`role=alert`), the field the
// server named (or `fallback`) marked `aria-invalid`, described by the box, and focused.
// Typing into a marked field takes the mark off.

export function showFormError(form, box, error, fallback = null) {
  box.textContent = error?.message || "Something went wrong";
  box.hidden = false;
  const name = error?.field ?? fallback;
  const field = name && form.elements.namedItem(name);
  if (!(field instanceof HTMLElement)) return;
  field.setAttribute("aria-invalid", "true");
  field.setAttribute("aria-describedby", [field.getAttribute("aria-describedby"), box.id].filter(Boolean).join(" "));
  field.focus();
}

export function clearFormError(form, box) {
  box.hidden = true;
  box.textContent = "";
  for (const field of form.elements) if (field.hasAttribute("aria-invalid")) unmark(field);
}

/** Takes the mark off a field as soon as it is typed into. */
export function unmarkOnInput(form) {
  form.addEventListener("input", (event) => event.target.hasAttribute?.("aria-invalid") && unmark(event.target));
}

function unmark(field) {
  field.removeAttribute("aria-invalid");
  const described = (field.getAttribute("aria-describedby") ?? "").split(" ").filter((id) => id && !id.endsWith("-error"));
  if (described.length) field.setAttribute("aria-describedby", described.join(" "));
  else field.removeAttribute("aria-describedby");
}
