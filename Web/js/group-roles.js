// The README's role table, as the page needs it: what the reader may do in a group, and
// to whom. The server decides; the page offers what it would allow, and nothing else.

/** The role of `userId` in the group, or null when they are not in it. */
export function roleOf(conversation, userId) {
  return conversation?.roles?.find((entry) => entry.userId === userId)?.role ?? null;
}

/** What one of `role` may do to the group itself. */
export function groupActions(role) {
  const runs = role === "owner" || role === "admin";
  return { edit: runs, add: runs, invite: runs, leave: role !== null };
}

/**
 * What one of `role` may do to a member of `targetRole` (never to themselves: they leave):
 * the owner sets roles and hands over, and removes anyone; an admin removes members only.
 */
export function memberActions(role, targetRole) {
  const owner = role === "owner";
  return {
    makeAdmin: owner && targetRole === "member",
    removeAdmin: owner && targetRole === "admin",
    makeOwner: owner && targetRole !== "owner",
    remove: (owner && targetRole !== "owner") || (role === "admin" && targetRole === "member"),
  };
}

const ORDER = { owner: 0, admin: 1, member: 2 };

/** The members as the panel lists them: the owner, the admins, then the members, each by name. */
export function membersByRole(conversation) {
  const roles = new Map((conversation.roles ?? []).map(({ userId, role }) => [userId, role]));
  return conversation.participants
    .map((user) => ({ user, role: roles.get(user.id) ?? "member" }))
    .sort((a, b) => ORDER[a.role] - ORDER[b.role] || a.user.name.localeCompare(b.user.name));
}
