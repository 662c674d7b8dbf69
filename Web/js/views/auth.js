// Sign-in and sign-up. Either begins a session of this browser, which its other tabs share
// ("Keep me signed in": past the browser's closing). What goes wrong is
// said under the form, and the field at fault is marked and focused; the password rule
// is the server's (GET /api/auth/rules), stated before anyone types.

import { api } from "../api.js";
import { clearFormError, showFormError, unmarkOnInput } from "./form-errors.js";

/** The password rule as a form states it, from the server's numbers. */
export function passwordRule(rules) {
  return `At least ${rules.passwordMinLength} characters; common passwords are refused.`;
}

export function renderAuth({ onSignedIn }) {
  const login = document.getElementById("login-form");
  const register = document.getElementById("register-form");
  const password = register.elements.namedItem("password");
  const rule = document.getElementById("password-rule");

  const clearError = (form) => clearFormError(form, form.querySelector(".form__error"));
  /** The error under the form; its field (the server's `field`, else what the code points at) marked and focused. */
  const showError = (form, error) =>
    showFormError(form, form.querySelector(".form__error"), error, error?.code === "invalid_credentials" ? "password" : null);

  async function submit(form, call) {
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    clearError(form);
    try {
      onSignedIn(await call(new FormData(form)));
      form.reset();
    } catch (error) {
      showError(form, error);
    } finally {
      button.disabled = false;
    }
  }

  for (const form of [login, register]) unmarkOnInput(form);
  login.addEventListener("submit", (event) => {
    event.preventDefault();
    submit(login, (data) => api.login(data.get("email"), data.get("password"), data.get("remember") === "on"));
  });
  register.addEventListener("submit", (event) => {
    event.preventDefault();
    submit(register, (data) => api.register(data.get("name"), data.get("email"), data.get("password"), data.get("role")));
  });

  api.accountRules().then((rules) => {
    password.minLength = rules.passwordMinLength;
    password.maxLength = rules.passwordMaxBytes; // characters here; the server counts bytes, and says so if it is over
    rule.textContent = passwordRule(rules);
    register.elements.namedItem("name").maxLength = rules.nameMaxLength;
    const expert = register.querySelector("option[value=expert]");
    if (!rules.expertSignup) expert.remove(); // experts are invited
  }).catch(() => {}); // the page's own copy of the rule stands

  return {
    /** A notice for whoever signs in next (their session ended), said where they will look. */
    notice(message) {
      clearError(login);
      if (message) showError(login, { message });
    },
  };
}
