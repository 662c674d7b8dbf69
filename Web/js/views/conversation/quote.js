// What a reply shows of the message it answers, in the bubble and above the composer:
// who wrote it, and how it began (or that it is a picture, a file, or deleted).

import { element } from "../keyed.js";

const KIND = { IMAGE: "Photo", FILE: "File" };

/** The quote's two lines: `name` (who wrote the original) and its start. */
export function quoteLines(preview, name) {
  const text = preview.deleted ? "Message deleted" : preview.snippet || KIND[preview.messageType] || "Message";
  const line = element("span", { className: "quote__text", testid: "quote-text", text });
  if (preview.deleted) line.classList.add("quote__text--deleted");
  return [element("span", { className: "quote__name", testid: "quote-name", text: name }), line];
}
