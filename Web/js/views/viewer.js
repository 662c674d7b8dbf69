// Pictures open in the page, not in an unnamed blob: tab: the picture whole, its name,
// "2 of 5", the previous and next pictures of the conversation (buttons, or the arrow
// keys), a download under its own name, and Escape or ✕ to close.

import { blobURL } from "./attachments.js";
import { setText } from "./keyed.js";

export function renderViewer() {
  const dialog = document.getElementById("viewer");
  const image = document.getElementById("viewer-image");
  const name = document.getElementById("viewer-name");
  const count = document.getElementById("viewer-count");
  const previous = document.getElementById("viewer-previous");
  const next = document.getElementById("viewer-next");
  const save = document.getElementById("viewer-download");
  let shown = null; // the url of the picture shown

  /** The conversation's pictures, in the list's order: {url, name}. */
  const pictures = () => [...document.querySelectorAll("#messages [data-testid=attachment-image]")]
    .map((node) => ({ url: node.dataset.source, name: node.dataset.name }));

  async function show(url) {
    const all = pictures();
    const at = all.findIndex((picture) => picture.url === url);
    if (at === -1) return;
    shown = url;
    setText(name, all[at].name);
    setText(count, all.length > 1 ? `${at + 1} of ${all.length}` : "");
    previous.disabled = at === 0;
    next.disabled = at === all.length - 1;
    image.alt = all[at].name;
    image.removeAttribute("src");
    save.removeAttribute("href");
    if (!dialog.open) dialog.showModal();
    try {
      const source = await blobURL(url);
      if (shown !== url) return; // moved on meanwhile
      image.src = source;
      save.href = source;
      save.download = all[at].name;
    } catch {
      image.alt = `${all[at].name} (could not be loaded)`;
    }
  }

  function step(by) {
    const all = pictures();
    const at = all.findIndex((picture) => picture.url === shown);
    const to = all[at + by];
    if (to) show(to.url);
  }

  document.addEventListener("open-picture", (event) => show(event.detail.url));
  previous.addEventListener("click", () => step(-1));
  next.addEventListener("click", () => step(1));
  document.getElementById("viewer-close").addEventListener("click", () => dialog.close());
  dialog.addEventListener("keydown", (event) => {
    if (event.key === "ArrowLeft") step(-1);
    else if (event.key === "ArrowRight") step(1);
  });
  // A click on the backdrop (the dialog itself, outside the picture and the bar) closes it.
  dialog.addEventListener("click", (event) => event.target === dialog && dialog.close());
  dialog.addEventListener("close", () => {
    shown = null;
    image.removeAttribute("src");
  });
}
