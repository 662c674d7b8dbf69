// A message's text as nodes (rich-text.js says what is marked up): links open in a new
// tab with no opener and no referrer, code is monospace and a block has a copy button,
// math is rendered by KaTeX into DOM nodes (its HTML strings carry style attributes the
// page's CSP blocks; the nodes it builds are styled through the CSSOM, which the CSP
// allows). KaTeX loads with the first message that has math; until then, and if it is
// missing, math shows as its TeX source.

import { isWebAddress, parse } from "../rich-text.js";
import { element } from "./keyed.js";

const KATEX = new URL("../../vendor/katex/katex.mjs", import.meta.url).href;
const KATEX_STYLE = new URL("../../vendor/katex/katex.min.css", import.meta.url).href;
// No \href, \url or \html… (trust), bounded sizes and macro expansion: a message cannot
// make KaTeX draw a link, a huge box or spin.
// TeX it cannot read throws, and stays as its source: KaTeX's own error node is coloured
// by a style attribute, which the CSP blocks.
const KATEX_OPTIONS = { throwOnError: true, trust: false, strict: "ignore", maxSize: 20, maxExpand: 200 };

let katex = null; // the module, once loaded
let loading = null;
const waiting = new Set(); // math nodes drawn before KaTeX arrived

/** The nodes of `content`. */
export function richText(content) {
  return parse(content).map((token) => {
    switch (token.type) {
      case "link": return link(token);
      case "code": return element("code", { className: "code", text: token.text });
      case "codeBlock": return codeBlock(token);
      case "math": return math(token);
      default: return document.createTextNode(token.text);
    }
  });
}

function link({ href, text }) {
  const anchor = element("a", { text });
  if (isWebAddress(href)) anchor.href = href; // checked again where it becomes an attribute
  anchor.target = "_blank";
  anchor.rel = "noopener noreferrer";
  return anchor;
}

function codeBlock({ text, lang }) {
  const block = element("div", { className: "code-block", testid: "code-block" });
  const bar = element("div", { className: "code-block__bar" });
  const copy = element("button", { className: "code-block__copy", testid: "copy-code", text: "Copy" });
  copy.type = "button";
  copy.dataset.action = "copy-code";
  copy.setAttribute("aria-label", lang ? `Copy ${lang} code` : "Copy code");
  bar.append(element("span", { className: "code-block__lang", text: lang ?? "" }), copy);
  const pre = element("pre");
  pre.append(element("code", { text }));
  pre.tabIndex = 0; // a long line scrolls, by keyboard too
  block.append(bar, pre);
  return block;
}

function math({ tex, display }) {
  const node = element(display ? "div" : "span", { className: display ? "math math--display" : "math", testid: "math" });
  node.dataset.tex = tex;
  node.textContent = display ? `$$${tex}$$` : `$${tex}$`;
  if (katex) render(node);
  else {
    waiting.add(node);
    load();
  }
  return node;
}

function render(node) {
  try {
    katex.render(node.dataset.tex, node, { ...KATEX_OPTIONS, displayMode: node.classList.contains("math--display") });
    node.dataset.rendered = "true";
    // Taller now: the list keeps a reader at the bottom there (as for a picture's load).
    node.dispatchEvent(new Event("content-grew", { bubbles: true }));
  } catch (error) {
    node.replaceChildren(node.classList.contains("math--display") ? `$$${node.dataset.tex}$$` : `$${node.dataset.tex}$`);
    node.dataset.rendered = "false"; // left as its source, marked
    node.title = String(error?.message ?? error).slice(0, 200);
  }
}

function load() {
  if (loading) return;
  const style = element("link");
  style.rel = "stylesheet";
  style.href = KATEX_STYLE;
  document.head.append(style);
  loading = import(KATEX)
    .then((module) => {
      katex = module.default;
      for (const node of waiting) render(node);
    })
    .catch(() => {
      for (const node of waiting) node.dataset.rendered = "false";
    })
    .finally(() => waiting.clear());
}

/** The copy button's code to the clipboard; where there is none (not a secure origin), selected. */
export async function copyCode(button) {
  const code = button.closest(".code-block")?.querySelector("pre code");
  if (!code) return;
  try {
    await navigator.clipboard.writeText(code.textContent);
    button.textContent = "Copied";
    setTimeout(() => { button.textContent = "Copy"; }, 1500);
  } catch {
    getSelection().selectAllChildren(code);
  }
}
