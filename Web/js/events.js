// The Socket.IO events, as the server declares them (ClientEvent and ServerEvent in
// Shared/ChatModels). Generated: ChatModelsTests hold this file to the declaration, and
// `UPDATE_CONTRACTS=1 swift test --filter ChatModelsTests` writes it anew.

export const ClientEvent = Object.freeze({
  joinConversation: "join_conversation",
  leaveConversation: "leave_conversation",
  sendMessage: "send_message",
  editMessage: "edit_message",
  deleteMessage: "delete_message",
  addReaction: "add_reaction",
  removeReaction: "remove_reaction",
  typing: "typing",
  markRead: "mark_read",
  markUnread: "mark_unread",
  syncConversation: "sync_conversation",
  searchMessages: "search_messages",
  userOnline: "user_online",
  userOffline: "user_offline",
  watchStatuses: "watch_statuses",
  callInvite: "call_invite",
  callAnswer: "call_answer",
  callDecline: "call_decline",
  callEnd: "call_end",
  callResume: "call_resume",
  callSignal: "call_signal",
  callMedia: "call_media",
  renewToken: "renew_token",
});

export const ServerEvent = Object.freeze({
  newMessage: "new_message",
  notification: "notification",
  messagesRead: "messages_read",
  userTyping: "user_typing",
  userStatusChanged: "user_status_changed",
  messageUpdated: "message_updated",
  messageDeleted: "message_deleted",
  reactionAdded: "reaction_added",
  reactionRemoved: "reaction_removed",
  conversationUpdated: "conversation_updated",
  userUpdated: "user_updated",
  blocksUpdated: "blocks_updated",
  accountWarned: "account_warned",
  groupUpdated: "group_updated",
  conversationLeft: "conversation_left",
  callState: "call_state",
  callPeerSignal: "call_peer_signal",
});
