// A group's info panel: its name, picture and description, its members with their roles and who
// is online, and what the reader's role lets them do (the README's role table, in
// group-roles.js): rename and describe it, give it a picture, add people, make an invite link, make or unmake
// admins, hand it over, remove someone; and leave. Every change shows when the server's
// `group_updated` arrives, on every member's page alike.

import { groupActions, memberActions, membersByRole, roleOf } from "../group-roles.js";
import { avatar, groupAvatar, presenceDot } from "./avatar.js";
import { element, reconcile, setAttribute, setText } from "./keyed.js";
import { createPeoplePicker } from "./people-picker.js";

const ROLE_NAMES = { owner: "Owner", admin: "Admin", member: "" };
const ACTIONS = [
  ["makeAdmin", "Make admin"],
  ["removeAdmin", "Remove as admin"],
  ["makeOwner", "Make owner"],
  ["remove", "Remove"],
];

export function renderGroupPanel(state, actions) {
  const dialog = document.getElementById("group-panel");
  const heading = document.getElementById("group-panel-heading");
  const face = document.getElementById("group-face");
  const pictureControls = document.getElementById("group-picture");
  const pictureInput = document.getElementById("group-picture-input");
  const pictureRemove = document.getElementById("group-picture-remove");
  const about = document.getElementById("group-about");
  const edit = document.getElementById("group-edit");
  const membersHeading = document.getElementById("group-members-heading");
  const members = document.getElementById("group-members");
  const addSection = document.getElementById("group-add");
  const addButton = document.getElementById("group-add-submit");
  const inviteSection = document.getElementById("group-invite");
  const inviteLink = document.getElementById("group-invite-link");
  const inviteCreate = document.getElementById("invite-create");
  const inviteCopy = document.getElementById("invite-copy");
  const inviteRevoke = document.getElementById("invite-revoke");
  const leave = document.getElementById("group-leave");
  const error = document.getElementById("group-error");
  const picker = createPeoplePicker(document.getElementById("group-candidates"), {
    empty: "Everyone you talk with is in the group already; an invite link brings others.",
    onChange: (count) => { addButton.disabled = count === 0; },
  });
  let groupId = null;
  let invite = null; // the link shown
  let filled = null; // the group whose name and description the form holds

  const group = () => (groupId ? state.conversations.get(groupId) : null);
  const myRole = () => roleOf(group(), state.me?.id);

  /** Runs a change; its failure shows in the panel. */
  async function attempt(change) {
    error.textContent = "";
    try {
      await change();
    } catch (failure) {
      error.textContent = failure.message;
    }
  }

  function draw() {
    const conversation = group();
    if (!conversation || !dialog.open) return;
    const role = myRole();
    const can = groupActions(conversation.departure ? null : role);
    setText(heading, conversation.title ?? "Group");
    const faceKey = `${conversation.title}|${conversation.pictureUrl ?? ""}`;
    if (face.dataset.key !== faceKey) {
      face.dataset.key = faceKey;
      face.replaceChildren(groupAvatar(conversation, { size: "large" }));
    }
    pictureControls.hidden = !can.edit;
    pictureRemove.hidden = !conversation.pictureUrl;
    setText(about, conversation.description ?? "");
    about.hidden = can.edit || !conversation.description;
    edit.hidden = !can.edit;
    if (can.edit && filled !== conversation.id) {
      filled = conversation.id;
      edit.elements.title.value = conversation.title ?? "";
      edit.elements.description.value = conversation.description ?? "";
    }
    const list = membersByRole(conversation);
    setText(membersHeading, `${list.length} member${list.length === 1 ? "" : "s"}`);
    reconcile(members, list, { keyOf: ({ user }) => user.id, create: createMember, update: (item, entry) => updateMember(item, entry, role) });
    addSection.hidden = !can.add;
    if (can.add) picker.draw(state.contacts(conversation.participants.map((user) => user.id)));
    inviteSection.hidden = !can.invite;
    drawInvite();
    leave.hidden = !can.leave;
  }

  function createMember() {
    const item = element("li", { className: "group__member", testid: "group-member" });
    const face = element("span", { className: "group__face" });
    const who = element("span", { className: "group__who" });
    who.append(element("span", { className: "group__name" }), element("span", { className: "group__role", testid: "member-role" }));
    const buttons = element("span", { className: "group__actions" });
    for (const [action, label] of ACTIONS) {
      const button = element("button", { className: "button button--quiet button--small", testid: `member-${action}`, text: label });
      button.type = "button";
      button.dataset.action = action;
      buttons.append(button);
    }
    item.append(face, who, buttons);
    return item;
  }

  function updateMember(item, { user, role }, myself) {
    item.dataset.userId = user.id;
    item.dataset.role = role;
    const online = state.presence.statusOf(user.id) === "online";
    const faceKey = `${user.avatarUrl ?? ""}|${user.name}|${online}`;
    const face = item.querySelector(".group__face");
    if (face.dataset.key !== faceKey) {
      face.dataset.key = faceKey;
      face.replaceChildren(avatar(user), presenceDot(online ? "online" : "offline"));
    }
    const you = user.id === state.me.id;
    setText(item.querySelector(".group__name"), you ? `${user.name} (you)` : user.name);
    setText(item.querySelector("[data-testid=member-role]"), ROLE_NAMES[role]);
    const allowed = you || group()?.departure ? {} : memberActions(myself, role);
    for (const button of item.querySelectorAll("[data-action]")) {
      button.hidden = !allowed[button.dataset.action];
      setAttribute(button, "aria-label", `${button.textContent}: ${user.name}`);
    }
  }

  function drawInvite() {
    const url = invite ? new URL(invite.path, location.origin).href : "";
    inviteLink.value = url;
    inviteLink.hidden = !invite;
    inviteCopy.hidden = !invite;
    inviteRevoke.hidden = !invite;
    inviteCreate.hidden = !!invite;
  }

  members.addEventListener("click", (event) => {
    const button = event.target.closest("[data-action]");
    const item = button?.closest("li");
    if (!item) return;
    const user = state.userOf(item.dataset.userId);
    const id = groupId;
    switch (button.dataset.action) {
      case "makeAdmin": return attempt(() => actions.setRole(id, user.id, "admin"));
      case "removeAdmin": return attempt(() => actions.setRole(id, user.id, "member"));
      case "makeOwner":
        if (!confirm(`Make ${user.name} the owner of this group? You will stay as an admin.`)) return;
        return attempt(() => actions.setRole(id, user.id, "owner"));
      case "remove":
        if (!confirm(`Remove ${user.name} from this group? They keep what was said until now.`)) return;
        return attempt(() => actions.remove(id, user.id));
    }
  });
  edit.addEventListener("submit", (event) => {
    event.preventDefault();
    const title = edit.elements.title.value.trim();
    const description = edit.elements.description.value.trim();
    const conversation = group();
    const change = {};
    if (title && title !== conversation.title) change.title = title;
    if (description !== (conversation.description ?? "")) change.description = description;
    if (Object.keys(change).length) attempt(() => actions.update(groupId, change));
  });
  pictureInput.addEventListener("change", () => {
    const file = pictureInput.files[0];
    pictureInput.value = "";
    if (file) attempt(() => actions.setPicture(groupId, file));
  });
  pictureRemove.addEventListener("click", () => attempt(() => actions.removePicture(groupId)));
  addButton.addEventListener("click", () => {
    const people = picker.selected();
    if (people.length) attempt(async () => {
      await actions.add(groupId, people);
      picker.clear();
    });
  });
  inviteCreate.addEventListener("click", () => attempt(async () => {
    invite = await actions.createInvite(groupId);
    drawInvite();
    inviteLink.select();
  }));
  inviteCopy.addEventListener("click", () => attempt(async () => {
    await navigator.clipboard.writeText(inviteLink.value);
    setText(inviteCopy, "Copied");
    setTimeout(() => setText(inviteCopy, "Copy"), 2000);
  }));
  inviteRevoke.addEventListener("click", () => attempt(async () => {
    await actions.revokeInvite(groupId, invite.id);
    invite = null;
    drawInvite();
  }));
  leave.addEventListener("click", () => {
    const conversation = group();
    const heir = myRole() === "owner" && conversation.participants.length > 1 ? " The group passes to its longest-standing admin, or member." : "";
    if (!confirm(`Leave “${conversation.title ?? "this group"}”? You keep what was said until now.${heir}`)) return;
    attempt(async () => {
      await actions.leave(groupId);
      dialog.close();
    });
  });
  document.getElementById("group-close").addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => { groupId = null; });

  state.on("conversations", ({ ids, all }) => {
    if (groupId && (all || ids.includes(groupId))) draw();
  });
  state.on("presence", () => groupId && draw());
  state.on("directory", () => groupId && draw());

  return {
    /** Opens the panel for the group; the link shown is its newest that works, for those who may see them. */
    async open(id) {
      groupId = id;
      filled = null;
      invite = null;
      error.textContent = "";
      picker.clear();
      dialog.showModal();
      draw();
      if (groupActions(myRole()).invite) {
        const links = await actions.invites(id).catch(() => []);
        if (groupId === id) {
          invite = links[0] ?? null;
          drawInvite();
        }
      }
    },
  };
}
