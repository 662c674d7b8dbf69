// "New group": a name, and people from the reader's conversations and the experts
// directory (within the contact policy: the server says no to whom the reader may not
// write). The group opens once made.

import { createPeoplePicker } from "./people-picker.js";

export function renderNewGroup(state, { create }) {
  const dialog = document.getElementById("new-group-dialog");
  const form = document.getElementById("new-group-form");
  const error = document.getElementById("new-group-error");
  const picker = createPeoplePicker(document.getElementById("new-group-candidates"), {
    empty: "No one yet: open a conversation, or find an expert below first.",
  });

  document.getElementById("new-group").addEventListener("click", () => {
    form.reset();
    picker.clear();
    error.textContent = "";
    picker.draw(state.contacts());
    dialog.showModal();
    form.elements.title.focus();
  });
  document.getElementById("new-group-cancel").addEventListener("click", () => dialog.close());
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const title = form.elements.title.value.trim();
    const people = picker.selected();
    if (!title) return form.elements.title.focus();
    if (!people.length) {
      error.textContent = "Pick at least one person.";
      return;
    }
    error.textContent = "";
    try {
      await create(title, people);
      dialog.close();
    } catch (failure) {
      error.textContent = failure.message;
    }
  });
}
