// The little markup a message may carry, for tutoring: ``` fenced code blocks ```,
// `inline code`, math between $…$ (inline) and $$…$$ (a display), and http(s) addresses
// as links. Everything else is text, shown as written. A parser of our own for exactly
// this: it returns tokens, never HTML, so nothing a user writes can become markup.
//
// Tokens: {type: "text", text}, {type: "link", href, text}, {type: "code", text},
// {type: "math", tex, display}, {type: "codeBlock", text, lang}.

const FENCE = /^ {0,3}(`{3,})[ \t]*([\w+#.-]*)[^\n`]*$/;
const URL = /\bhttps?:\/\/[^\s<>"'`]+/g;
const TRAILING = /[.,;:!?'"*_~]+$/; // punctuation after an address is the sentence's
const MOST_TEX = 2000; // longer math stays text: KaTeX's time grows with it

/** Whether `text` needs parsing at all: most messages are plain. */
export function isPlain(text) {
  return !/[`$]|https?:\/\//.test(text);
}

/** The tokens of `text`, in order; adjacent text is merged. */
export function parse(text) {
  if (isPlain(text)) return text ? [{ type: "text", text }] : [];
  const tokens = [];
  for (const block of fencedBlocks(text)) {
    if (block.code) tokens.push({ type: "codeBlock", text: block.text, lang: block.lang });
    else inline(block.text, tokens);
  }
  return merge(tokens);
}

/** The text cut at its fenced code blocks: [{code, text, lang}]. A fence left open runs to the end. */
function fencedBlocks(text) {
  const blocks = [];
  const lines = text.split("\n");
  let prose = [];
  for (let index = 0; index < lines.length; index++) {
    const open = FENCE.exec(lines[index]);
    if (!open) {
      prose.push(lines[index]);
      continue;
    }
    const body = [];
    let closed = false;
    for (index++; index < lines.length; index++) {
      const close = /^ {0,3}(`{3,})[ \t]*$/.exec(lines[index]);
      if (close && close[1].length >= open[1].length) {
        closed = true;
        break;
      }
      body.push(lines[index]);
    }
    if (prose.length) blocks.push({ code: false, text: prose.join("\n") + "\n" });
    prose = [];
    blocks.push({ code: true, text: body.join("\n"), lang: open[2] || null });
    if (!closed) break;
  }
  if (prose.length) blocks.push({ code: false, text: prose.join("\n") });
  return blocks;
}

/** Code spans first (their text is literal), then math, then links, in what is left. */
function inline(text, tokens) {
  let rest = 0;
  for (let index = 0; index < text.length;) {
    const char = text[index];
    if (char === "\\" && (text[index + 1] === "$" || text[index + 1] === "`")) {
      // An escaped dollar or backtick is itself, and the backslash goes.
      prose(text.slice(rest, index), tokens);
      tokens.push({ type: "text", text: text[index + 1] });
      index += 2;
      rest = index;
      continue;
    }
    const found = char === "`" ? codeSpan(text, index) : char === "$" ? math(text, index) : null;
    if (!found) {
      index += char === "`" || char === "$" ? runLength(text, index) : 1;
      continue;
    }
    prose(text.slice(rest, index), tokens);
    tokens.push(found.token);
    index = rest = found.end;
  }
  prose(text.slice(rest), tokens);
}

const runLength = (text, index) => {
  let end = index;
  while (text[end] === text[index]) end++;
  return end - index;
};

/** A code span from `index`: a run of backticks closed by a run as long (CommonMark). */
function codeSpan(text, index) {
  const ticks = runLength(text, index);
  const fence = "`".repeat(ticks);
  let close = text.indexOf(fence, index + ticks);
  while (close !== -1 && runLength(text, close) !== ticks) close = text.indexOf(fence, close + runLength(text, close));
  if (close === -1) return null;
  let body = text.slice(index + ticks, close).replace(/\n/g, " ");
  if (/^ .*[^ ].* $/.test(body)) body = body.slice(1, -1); // one space each side may pad a span
  return body ? { token: { type: "code", text: body }, end: close + ticks } : null;
}

/**
 * Math from `index`: $$…$$ is a display, $…$ inline. Like Pandoc, an inline one opens
 * on a non-space and closes on one not followed by a digit, so "$5 and $10" stays text.
 */
function math(text, index) {
  if (text.startsWith("$$", index)) {
    const close = text.indexOf("$$", index + 2);
    const tex = close === -1 ? "" : text.slice(index + 2, close).trim();
    if (!tex || tex.length > MOST_TEX) return null;
    return { token: { type: "math", tex, display: true }, end: close + 2 };
  }
  if (!text[index + 1] || /\s/.test(text[index + 1])) return null;
  for (let close = index + 1; close < text.length; close++) {
    if (text[close] === "\\") {
      close++;
      continue;
    }
    if (text[close] === "\n" && text[close + 1] === "\n") return null; // not across paragraphs
    if (text[close] !== "$") continue;
    if (/\s/.test(text[close - 1]) || /\d/.test(text[close + 1] ?? "")) return null;
    const tex = text.slice(index + 1, close);
    return tex.length > MOST_TEX ? null : { token: { type: "math", tex, display: false }, end: close + 1 };
  }
  return null;
}

/** Text, with its http(s) addresses as links. */
function prose(text, tokens) {
  if (!text) return;
  let rest = 0;
  for (const match of text.matchAll(URL)) {
    let href = match[0].replace(TRAILING, "");
    // A closing bracket is the address's only when it opens one too: "(see https://x.org/a)".
    while (href.endsWith(")") && count(href, "(") < count(href, ")")) href = href.slice(0, -1).replace(TRAILING, "");
    if (!isWebAddress(href)) continue;
    tokens.push({ type: "text", text: text.slice(rest, match.index) });
    tokens.push({ type: "link", href, text: href });
    rest = match.index + href.length;
  }
  tokens.push({ type: "text", text: text.slice(rest) });
}

const count = (text, char) => text.split(char).length - 1;

/** Whether `href` is an http(s) address a browser reads as such: nothing else becomes a link. */
export function isWebAddress(href) {
  try {
    const url = new globalThis.URL(href);
    return (url.protocol === "http:" || url.protocol === "https:") && !!url.hostname;
  } catch {
    return false;
  }
}

const isBlock = (token) => token?.type === "codeBlock" || (token?.type === "math" && token.display);

/** Adjacent text as one; a block's own line break and spaces around it are the block's. */
function merge(tokens) {
  const merged = [];
  for (const token of tokens) {
    const last = merged.at(-1);
    if (token.type === "text" && last?.type === "text") last.text += token.text;
    else merged.push({ ...token });
  }
  merged.forEach((token, index) => {
    if (token.type !== "text") return;
    if (isBlock(merged[index - 1])) token.text = token.text.slice(blankLine(token.text, 0, 1));
    if (isBlock(merged[index + 1])) token.text = token.text.slice(0, blankLine(token.text, token.text.length, -1));
  });
  return merged.filter((token) => token.type !== "text" || token.text);
}

/** Where the spaces and one line break from `index` going `step` (1 or -1) end (no regex: a long run of spaces stays linear). */
function blankLine(text, index, step) {
  const at = (i) => text[step === 1 ? i : i - 1];
  const spaces = (i) => { while (at(i) === " " || at(i) === "\t") i += step; return i; };
  index = spaces(index);
  return at(index) === "\n" ? spaces(index + step) : index;
}
