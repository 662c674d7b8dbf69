// Sign-in and sign-up. Either begins a session of this browser, which its other tabs share
// ("Keep me signed in": past the browser's closing). What goes wrong is
// said under the form, and the field at fault is marked and focused; the password rule
// is the server's (GET /api/auth/rules), stated before anyone types. "Forgot password?"
// asks for a link by mail; the link (`/chat/reset/<token>`) opens the form that sets a new one.

import { api } from "../api.js";
import { clearFormError, showFormError, unmarkOnInput } from "./form-errors.js";

/** The password rule as a form states it, from the server's numbers. */
export function passwordRule(rules) {
  return `At least ${rules.passwordMinLength} characters; common passwords are refused.`;
}

export function renderAuth({ onSignedIn, onPasswordSet }) {
  const login = document.getElementById("login-form");
  const register = document.getElementById("register-form");
  const forgot = document.getElementById("forgot-form");
  const reset = document.getElementById("reset-form");
  let resetToken = null;
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

  for (const form of [login, register, forgot, reset]) unmarkOnInput(form);

  /** Shows the cards named, hides the others. */
  function show(...cards) {
    for (const card of [login, register, forgot, reset]) card.hidden = !cards.includes(card);
  }

  document.getElementById("forgot-open").addEventListener("click", () => {
    forgot.elements.namedItem("email").value = login.elements.namedItem("email").value;
    setNote(forgot, "");
    clearError(forgot);
    show(forgot, register);
    forgot.elements.namedItem("email").focus();
  });
  document.getElementById("forgot-back").addEventListener("click", () => {
    show(login, register);
    login.elements.namedItem("email").focus();
  });
  forgot.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearError(forgot);
    try {
      const { message } = await api.requestPasswordReset(forgot.elements.namedItem("email").value);
      setNote(forgot, message);
    } catch (error) {
      showError(forgot, error);
    }
  });
  reset.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearError(reset);
    try {
      await api.confirmPasswordReset(resetToken, reset.elements.namedItem("newPassword").value);
      reset.reset();
      show(login, register);
      setNote(login, "Your password is set, and you are signed out everywhere: sign in with it.");
      onPasswordSet();
    } catch (error) {
      if (error.code !== "link_invalid") return showFormError(reset, reset.querySelector(".form__error"), error, "newPassword");
      // The link is spent or old: straight to asking for another.
      show(forgot, register);
      showError(forgot, error);
    }
  });
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
      show(login, register);
      clearError(login);
      setNote(login, "");
      if (message) showError(login, { message });
    },
    /** Good news for whoever signs in next ("your address is confirmed"). */
    note(message) {
      setNote(login, message);
    },
    /** A reset link was opened: the form for the new password, alone. */
    showReset(token) {
      resetToken = token;
      show(reset);
      reset.elements.namedItem("newPassword").focus();
    },
  };
}

function setNote(form, text) {
  form.querySelector(".form__note").textContent = text;
}
