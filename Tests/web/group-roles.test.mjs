import assert from "node:assert/strict";
import { test } from "node:test";

import { groupActions, memberActions, membersByRole, roleOf } from "../../Web/js/group-roles.js";

test("the page offers what the role table allows, and nothing more", () => {
  assert.deepEqual(groupActions("owner"), { edit: true, add: true, invite: true, leave: true });
  assert.deepEqual(groupActions("admin"), { edit: true, add: true, invite: true, leave: true });
  assert.deepEqual(groupActions("member"), { edit: false, add: false, invite: false, leave: true });
  assert.deepEqual(groupActions(null), { edit: false, add: false, invite: false, leave: false });

  assert.deepEqual(memberActions("owner", "member"), { makeAdmin: true, removeAdmin: false, makeOwner: true, remove: true });
  assert.deepEqual(memberActions("owner", "admin"), { makeAdmin: false, removeAdmin: true, makeOwner: true, remove: true });
  assert.deepEqual(memberActions("admin", "member"), { makeAdmin: false, removeAdmin: false, makeOwner: false, remove: true });
  assert.deepEqual(memberActions("admin", "admin"), { makeAdmin: false, removeAdmin: false, makeOwner: false, remove: false });
  assert.deepEqual(memberActions("admin", "owner"), { makeAdmin: false, removeAdmin: false, makeOwner: false, remove: false });
  assert.deepEqual(memberActions("member", "member"), { makeAdmin: false, removeAdmin: false, makeOwner: false, remove: false });
});

test("members are listed owner first, then admins, then members, each by name", () => {
  const group = {
    participants: [{ id: "c", name: "Cy" }, { id: "a", name: "Al" }, { id: "o", name: "Zed" }, { id: "b", name: "Bo" }],
    roles: [{ userId: "o", role: "owner" }, { userId: "b", role: "admin" }, { userId: "a", role: "member" }, { userId: "c", role: "member" }],
  };
  assert.deepEqual(membersByRole(group).map(({ user, role }) => `${user.name}:${role}`), ["Zed:owner", "Bo:admin", "Al:member", "Cy:member"]);
  assert.equal(roleOf(group, "b"), "admin");
  assert.equal(roleOf(group, "x"), null);
});
