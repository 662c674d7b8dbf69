// Files in messages: images inline (sized from the width and height the server read from
// their header, fetched with the token when they come into view, shown from a blob URL; a
// click opens the page's viewer), other files as one line (an icon, the name, the size),
// saved under their own name. Only the API's own attachment URLs are fetched.

import { download } from "../api.js";
import { pictureBox } from "../format.js";

const RETRY_AFTER = 3000; // ms before a picture that did not load is asked for again (twice that the next time)
const MAX_ATTEMPTS = 4;
const ATTACHMENT_PATH = /^\/api\/chat\/attachments\/[0-9a-fA-F-]{36}$/;
const blobs = new Map(); // attachment url → Promise<object URL>
const loaded = new Map(); // attachment url → object URL, once there (a redraw shows it at once)

/** The file's bytes as an object URL, fetched once with the token. */
export function blobURL(url) {
  if (!blobs.has(url)) {
    blobs.set(url, download(url).then((blob) => {
      loaded.set(url, URL.createObjectURL(blob));
      return loaded.get(url);
    }).catch((error) => {
      blobs.delete(url); // a failure is not kept: the next showing asks again
      throw error;
    }));
  }
  return blobs.get(url);
}

/** Signing out: the files fetched for this user go with them. */
export function forgetAttachments() {
  for (const url of loaded.values()) URL.revokeObjectURL(url);
  loaded.clear();
  blobs.clear();
}

// Pictures are fetched as they scroll into view, not all at once: each one is a request
// that counts against the reader's allowance (API_BURST), and a long history has many.
const onScreen = new IntersectionObserver((entries) => {
  for (const entry of entries) {
    if (!entry.isIntersecting) continue;
    onScreen.unobserve(entry.target);
    const image = entry.target;
    blobURL(image.dataset.source)
      .then((url) => { image.src = url; })
      .catch(() => {
        image.alt = `${image.dataset.name} (could not be loaded)`;
        // Asked again a little later, a few times, while it is still shown.
        const attempts = Number(image.dataset.attempts ?? 0) + 1;
        image.dataset.attempts = String(attempts);
        if (attempts < MAX_ATTEMPTS) setTimeout(() => image.isConnected && !image.src && onScreen.observe(image), RETRY_AFTER * attempts);
      });
  }
}, { rootMargin: "200px" });

export function size(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function drawAttachment(attachment) {
  if (!ATTACHMENT_PATH.test(attachment.url)) return document.createTextNode("");
  if (attachment.mimeType.startsWith("image/")) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "attachment attachment--image";
    button.setAttribute("aria-label", `Open ${attachment.name}`);
    const image = document.createElement("img");
    image.alt = attachment.name;
    image.dataset.name = attachment.name;
    image.dataset.testid = "attachment-image";
    image.dataset.source = attachment.url;
    // Its room taken now: the list does not move when the bytes arrive.
    const box = pictureBox(attachment);
    if (box) {
      image.width = box.width;
      image.height = box.height;
    }
    if (loaded.has(attachment.url)) image.src = loaded.get(attachment.url);
    else onScreen.observe(image);
    button.append(image);
    // Opened in the page's viewer (viewer.js), which walks the conversation's pictures.
    button.addEventListener("click", () => button.dispatchEvent(new CustomEvent("open-picture", { bubbles: true, detail: { url: attachment.url } })));
    return button;
  }
  const link = document.createElement("button");
  link.type = "button";
  link.className = "attachment attachment--file";
  link.dataset.testid = "attachment-file";
  link.setAttribute("aria-label", `Download ${attachment.name}, ${size(attachment.size)}`);
  const icon = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  icon.setAttribute("class", "attachment__icon");
  icon.setAttribute("aria-hidden", "true");
  icon.setAttribute("viewBox", "0 0 24 24");
  const page = document.createElementNS("http://www.w3.org/2000/svg", "path");
  page.setAttribute("d", "M14 3H6a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V9zM14 3v6h6");
  icon.append(page);
  const name = document.createElement("span");
  name.className = "attachment__name";
  name.textContent = attachment.name;
  const bytes = document.createElement("span");
  bytes.className = "attachment__size";
  bytes.textContent = size(attachment.size);
  link.append(icon, name, bytes);
  link.addEventListener("click", async () => {
    const anchor = document.createElement("a");
    anchor.href = await blobURL(attachment.url);
    anchor.download = attachment.name;
    anchor.click();
  });
  return link;
}
