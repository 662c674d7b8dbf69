// The page's state: slices, each changed only through its own functions and telling what
// changed; what follows from several (a user by id, the unread total, the title) is here.

import { unreadShown } from "../format.js";
import { createBlocks } from "./blocks.js";
import { createCalls } from "./calls.js";
import { createConversations } from "./conversations.js";
import { createDirectory } from "./directory.js";
import { createDrafts } from "./drafts.js";
import { createEmitter } from "./emitter.js";
import { key } from "./ids.js";
import { createMessages } from "./messages.js";
import { createOutbox } from "./outbox.js";
import { createPresence } from "./presence.js";
import { createSession } from "./session.js";

/** `storage`: where drafts and the outbox are kept (localStorage in the browser). */
export function createState({ storage }) {
  const { on, emit } = createEmitter();
  const state = {
    on,
    session: createSession(emit),
    conversations: createConversations(emit),
    messages: createMessages(emit),
    presence: createPresence(emit),
    directory: createDirectory(emit),
    drafts: createDrafts(emit, storage),
    outbox: createOutbox(emit, storage),
    blocks: createBlocks(emit),
    calls: createCalls(emit, () => state.session.me?.id),
    connection: "offline",

    get me() { return state.session.me; },

    /** A user as the page knows them: the signed-in one, a participant, an expert. */
    userOf(userId) {
      const id = key(userId);
      if (state.me?.id === id) return state.me;
      return state.conversations.participant(id) ?? state.directory.get(id) ?? { id, name: "Someone" };
    },
    nameOf: (userId) => state.userOf(userId).name,

    /**
     * Whom the reader may bring into a group: the people they share a conversation with and
     * the experts the directory lists (there is no directory of students), by name, but
     * those blocked and those in `exceptIds`.
     */
    contacts(exceptIds = []) {
      const skip = new Set([state.me?.id, ...exceptIds.map(key)]);
      const people = new Map();
      for (const conversation of state.conversations.list()) {
        if (conversation.departure) continue;
        for (const user of conversation.participants) people.set(user.id, user);
      }
      for (const user of state.directory.list()) people.set(user.id, user);
      return [...people.values()].filter((user) => !skip.has(user.id) && !state.blocks.has(user.id)).sort((a, b) => a.name.localeCompare(b.name));
    },

    /** A profile changed (`user_updated`, or the user's own edit): every place it shows. */
    userUpdated(user) {
      state.session.updated(user);
      state.conversations.userUpdated(user);
      state.directory.userUpdated(user);
      emit("users", { userIds: [key(user.id)] });
    },

    /** Where a conversation's catch-up starts: the last change here, else the list's. */
    changeSeqOf: (conversationId) => state.messages.changeSeqOf(conversationId, state.conversations.get(conversationId)?.lastChangeSeq ?? 0),
    noteChange: (conversationId, changeSeq) =>
      state.messages.noteChange(conversationId, changeSeq, state.conversations.get(conversationId)?.lastChangeSeq ?? 0),

    /** The tab's title: the unread count first. */
    title() {
      const unread = state.conversations.unreadTotal();
      return unread ? `(${unreadShown(unread)}) Chat` : "Chat";
    },

    setConnection(value) {
      if (state.connection === value) return;
      state.connection = value;
      emit("connection", { state: value });
    },

    /** Signed in as `user`: their drafts and unsent messages come back. */
    signIn(user) {
      state.session.set(user);
      state.drafts.load(user.id);
      state.outbox.load(user.id);
    },
    /** Signed out: nothing of the last user stays; `forgetStored` also drops their drafts and outbox. */
    signOut({ forgetStored = false } = {}) {
      if (forgetStored) {
        state.drafts.forget();
        state.outbox.forget();
      }
      for (const slice of [state.session, state.conversations, state.messages, state.presence, state.directory, state.blocks, state.calls]) slice.clear();
      emit("reset");
    },
  };
  return state;
}
