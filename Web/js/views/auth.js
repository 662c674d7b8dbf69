// Sign-in and sign-up. Either gives a token, kept for this tab only.

import { api } from "../api.js";
import { showError } from "./toasts.js";

export function renderAuth({ onSignedIn }) {
  const login = document.getElementById("login-form");
  const register = document.getElementById("register-form");

  async function submit(form, call) {
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      onSignedIn(await call(new FormData(form)));
      form.reset();
    } catch (error) {
      showError(error);
    } finally {
      button.disabled = false;
    }
  }

  login.addEventListener("submit", (event) => {
    event.preventDefault();
    submit(login, (data) => api.login(data.get("email"), data.get("password")));
  });
  register.addEventListener("submit", (event) => {
    event.preventDefault();
    submit(register, (data) => api.register(data.get("name"), data.get("email"), data.get("password"), data.get("role")));
  });
}
