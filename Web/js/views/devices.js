// Where the user is signed in, in their profile: each session (browser or client, where
// from, when last used), this one marked, the others each with a way to sign it out, and
// "Sign out everywhere". Fetched each time the profile opens: sessions change elsewhere.

import { device, when } from "../format.js";
import { element, reconcile, setText } from "./keyed.js";

export function renderDevices({ list, end, endEverywhere }) {
  const container = document.getElementById("profile-sessions-list");
  const everywhere = document.getElementById("logout-everywhere");
  const error = document.getElementById("profile-error");
  let sessions = [];

  function draw() {
    reconcile(container, sessions, {
      keyOf: (session) => session.id,
      create: () => {
        const item = element("li", { testid: "session" });
        const about = element("span", { className: "profile__device" });
        about.append(element("span", { className: "profile__blocked-name" }), element("small"));
        const button = element("button", { className: "button button--quiet", testid: "end-session", text: "Sign out" });
        button.type = "button";
        item.append(about, button);
        return item;
      },
      update: (item, session) => {
        const name = device(session.userAgent);
        const [title, detail] = item.firstElementChild.children;
        item.dataset.sessionId = session.id;
        item.dataset.current = String(session.current);
        setText(title, session.current ? `${name} (this device)` : name);
        setText(detail, [`last used ${when(session.lastUsedAt)}`, session.address && `from ${session.address}`].filter(Boolean).join(", "));
        item.lastElementChild.hidden = session.current;
        item.lastElementChild.setAttribute("aria-label", `Sign out ${name}, last used ${when(session.lastUsedAt)}`);
      },
    });
  }

  async function load() {
    try {
      sessions = await list();
      draw();
    } catch (failure) {
      error.textContent = failure.message;
    }
  }

  container.addEventListener("click", async (event) => {
    const item = event.target.closest("[data-testid=end-session]")?.closest("li");
    if (!item) return;
    try {
      await end(item.dataset.sessionId);
      sessions = sessions.filter((session) => session.id !== item.dataset.sessionId);
      draw();
    } catch (failure) {
      error.textContent = failure.message;
    }
  });
  everywhere.addEventListener("click", async () => {
    if (!confirm("Sign out on every device, this one too?")) return;
    try {
      await endEverywhere();
    } catch (failure) {
      error.textContent = failure.message;
    }
  });

  return { load };
}
