// "Change password" in the profile: the current password, then the new one. Changed, every
// other device is signed out (the server ends their sessions); this one goes on. Its fields
// sit inside the profile's form on the page, but belong to their own (forms do not nest).

import { clearFormError, showFormError, unmarkOnInput } from "./form-errors.js";

export function renderPasswordChange({ change }) {
  const form = document.getElementById("password-form");
  const section = document.getElementById("profile-password");
  const error = document.getElementById("password-error");
  const done = document.getElementById("password-done");
  const button = section.querySelector("[type=submit]");

  unmarkOnInput(section);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearFormError(form, error);
    done.textContent = "";
    button.disabled = true;
    try {
      await change(form.elements.namedItem("currentPassword").value, form.elements.namedItem("newPassword").value);
      for (const field of form.elements) field.value = "";
      done.textContent = "Password changed. Your other devices are signed out.";
    } catch (failure) {
      showFormError(form, error, failure, "newPassword");
      button.scrollIntoView({ block: "nearest" }); // the words under the field push the button down: keep it in view
    } finally {
      button.disabled = false;
    }
  });

  return {
    /** The dialog opened again: nothing of the last attempt is left. */
    reset() {
      clearFormError(form, error);
      for (const field of form.elements) field.value = "";
      done.textContent = "";
      section.open = false;
    },
  };
}
