// The caller's own profile, in a dialog opened from their name: name, headline, subjects
// (experts), a few lines about them, and their picture. What is saved shows at once here
// and, through `user_updated`, on the pages of everyone who shares a conversation with them.

import { avatar } from "./avatar.js";
import { element, reconcile, setText } from "./keyed.js";

export function renderProfile(state, { save, setPicture, removePicture, unblock, onOpen = () => {} }) {
  const dialog = document.getElementById("profile");
  const form = document.getElementById("profile-form");
  const face = document.getElementById("profile-face");
  const pictureInput = document.getElementById("profile-avatar-input");
  const remove = document.getElementById("profile-avatar-remove");
  const subjects = document.getElementById("profile-subjects-label");
  const error = document.getElementById("profile-error");
  const blockedSection = document.getElementById("profile-blocked");
  const blockedList = document.getElementById("profile-blocked-list");
  const me = () => state.me;

  /** Whom the user blocked, each with the way to unblock them. */
  function drawBlocked() {
    const blocked = state.blocks.list();
    blockedSection.hidden = blocked.length === 0;
    reconcile(blockedList, blocked, {
      keyOf: (user) => user.id,
      create: () => {
        const item = element("li", { testid: "blocked-user" });
        const button = element("button", { className: "button button--quiet", testid: "unblock-user", text: "Unblock" });
        button.type = "button";
        item.append(element("span", { className: "profile__blocked-name" }), button);
        return item;
      },
      update: (item, user) => {
        item.dataset.userId = user.id;
        setText(item.firstElementChild, user.name);
        item.lastElementChild.setAttribute("aria-label", `Unblock ${user.name}`);
      },
    });
  }
  blockedList.addEventListener("click", (event) => {
    const item = event.target.closest("[data-testid=unblock-user]")?.closest("li");
    if (item) unblock(item.dataset.userId);
  });
  state.on("blocks", () => dialog.open && drawBlocked());

  function drawPicture() {
    face.replaceChildren(avatar(me(), { size: "large" }));
    remove.hidden = !me().avatarUrl;
  }

  function fill() {
    form.elements.name.value = me().name;
    form.elements.headline.value = me().headline ?? "";
    form.elements.subjects.value = (me().subjects ?? []).join(", ");
    form.elements.bio.value = me().bio ?? "";
    subjects.hidden = me().role !== "expert";
    error.textContent = "";
    drawPicture();
    drawBlocked();
  }

  /** Runs a change, shows the profile it returns, or says what went wrong. */
  async function change(action) {
    error.textContent = "";
    try {
      state.userUpdated(await action());
      return true;
    } catch (failure) {
      error.textContent = failure.message;
      return false;
    }
  }

  document.getElementById("profile-open").addEventListener("click", () => {
    fill();
    dialog.showModal();
    onOpen();
  });
  document.getElementById("profile-cancel").addEventListener("click", () => dialog.close());
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const fields = form.elements;
    const profile = { name: fields.name.value, headline: fields.headline.value.trim() || null, bio: fields.bio.value.trim() || null };
    if (me().role === "expert") profile.subjects = fields.subjects.value.split(",").map((subject) => subject.trim()).filter(Boolean);
    if (await change(() => save(profile))) dialog.close();
  });
  pictureInput.addEventListener("change", async () => {
    const [file] = pictureInput.files;
    pictureInput.value = "";
    if (file) await change(() => setPicture(file));
  });
  remove.addEventListener("click", () => change(removePicture));

  state.on("me", () => {
    document.getElementById("me-name").textContent = me()?.name ?? "";
    document.getElementById("admin-link").hidden = me()?.role !== "admin";
    document.getElementById("profile-open").title = `Your profile: ${me()?.name ?? ""}`;
    document.getElementById("me-face").replaceChildren(...(me() ? [avatar(me(), { size: "small" })] : []));
    if (dialog.open) drawPicture();
  });
}
