// Sign-in and sign-up. Either begins a session of this browser, which its other tabs share
// ("Keep me signed in": past the browser's closing). What goes wrong is
// said under the form, and the field at fault is marked and focused; the password rule
// is the server's (GET /api/auth/rules), stated before anyone types.

import { api } from "../api.js";

export function renderAuth({ onSignedIn }) {
  const login = document.getElementById("login-form");
  const register = document.getElementById("register-form");
  const password = register.elements.namedItem("password");
  const rule = document.getElementById("password-rule");

  function clearError(form) {
    const box = form.querySelector(".form__error");
    box.hidden = true;
    box.textContent = "";
    for (const field of form.querySelectorAll("[aria-invalid]")) unmark(field);
  }

  function unmark(field) {
    field.removeAttribute("aria-invalid");
    const described = (field.getAttribute("aria-describedby") ?? "").split(" ").filter((id) => id && !id.endsWith("-error"));
    if (described.length) field.setAttribute("aria-describedby", described.join(" "));
    else field.removeAttribute("aria-describedby");
  }

  /** The error under the form; its field (the server's `field`, else what the code points at) marked and focused. */
  function showError(form, error) {
    const box = form.querySelector(".form__error");
    box.textContent = error?.message || "Something went wrong";
    box.hidden = false;
    const name = error?.field ?? (error?.code === "invalid_credentials" ? "password" : null);
    const field = name && form.elements.namedItem(name);
    if (!(field instanceof HTMLElement)) return;
    field.setAttribute("aria-invalid", "true");
    field.setAttribute("aria-describedby", [field.getAttribute("aria-describedby"), box.id].filter(Boolean).join(" "));
    field.focus();
  }

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

  for (const form of [login, register]) {
    // Typing into a field marked wrong takes the mark off.
    form.addEventListener("input", (event) => event.target.hasAttribute?.("aria-invalid") && unmark(event.target));
  }
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
    rule.textContent = `At least ${rules.passwordMinLength} characters.`;
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
