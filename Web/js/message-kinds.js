// What a message is to the page: someone's words or file, the server's own line (SYSTEM),
// or a call's line (CALL). One place decides what counts as news, so the badge, the toast
// and the "unread" divider agree with the server's count.

/** A line that is nobody's words: drawn centred, never edited, reacted to or grouped. */
export function isLine(message) {
  return message.messageType === "SYSTEM" || message.messageType === "CALL";
}

/**
 * Whether someone else's message is news to its reader (counts as unread, notifies): words
 * and files, and a missed call; not a SYSTEM line, nor a call the reader answered or declined.
 */
export function isNews(message) {
  if (message.messageType === "SYSTEM") return false;
  return message.messageType !== "CALL" || message.call?.outcome === "missed";
}
