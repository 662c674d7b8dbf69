import assert from "node:assert/strict";
import { test } from "node:test";

import { isWebAddress, parse } from "../../Web/js/rich-text.js";

const text = (value) => ({ type: "text", text: value });

test("plain text is one text token, and nothing else is made of it", () => {
  assert.deepEqual(parse("Hello <b>there</b> & *you*"), [text("Hello <b>there</b> & *you*")]);
  assert.deepEqual(parse(""), []);
});

test("http and https addresses are links, without the sentence's punctuation", () => {
  assert.deepEqual(parse("See https://example.org/a?b=1, then (http://x.io/y)."), [
    text("See "), { type: "link", href: "https://example.org/a?b=1", text: "https://example.org/a?b=1" },
    text(", then ("), { type: "link", href: "http://x.io/y", text: "http://x.io/y" }, text(")."),
  ]);
  assert.deepEqual(parse("https://en.wikipedia.org/wiki/Set_(mathematics)")[0].href, "https://en.wikipedia.org/wiki/Set_(mathematics)");
  for (const unsafe of ["javascript:alert(1)", "data:text/html,<script>", "JAVASCRIPT://x%0aalert(1)", "vbscript:x", "ftp://x.org"]) {
    assert.ok(parse(unsafe).every((token) => token.type === "text"), unsafe);
    assert.equal(isWebAddress(unsafe), false);
  }
  assert.ok(parse('https://x.org/"onmouseover="alert(1)').every((token) => token.type !== "link" || !token.href.includes('"')));
});

test("inline code keeps its text literal, links and math in it included", () => {
  assert.deepEqual(parse("Run `rm -rf $HOME https://x.org` now"), [
    text("Run "), { type: "code", text: "rm -rf $HOME https://x.org" }, text(" now"),
  ]);
  assert.deepEqual(parse("``a ` b``"), [{ type: "code", text: "a ` b" }]);
  assert.deepEqual(parse("an ` alone"), [text("an ` alone")]);
});

test("fenced code blocks, with a language or not, closed or running to the end", () => {
  assert.deepEqual(parse("Try:\n```python\nprint('$x$')\n```\nthen `y`"), [
    text("Try:"), { type: "codeBlock", text: "print('$x$')", lang: "python" }, text("then "), { type: "code", text: "y" },
  ]);
  assert.deepEqual(parse("```\nopen\nstill code"), [{ type: "codeBlock", text: "open\nstill code", lang: null }]);
});

test("math inline and displayed, and money left as money", () => {
  assert.deepEqual(parse("Since $x^2 = 4$, $$x = \\pm 2$$"), [
    text("Since "), { type: "math", tex: "x^2 = 4", display: false }, text(","), { type: "math", tex: "x = \\pm 2", display: true },
  ]);
  assert.deepEqual(parse("It costs $5 and $10 or $ 3$"), [text("It costs $5 and $10 or $ 3$")]);
  // A display stands on its own: the spaces and line break around it are its own.
  assert.deepEqual(parse("So \n$$x$$ \nthus"), [text("So"), { type: "math", tex: "x", display: true }, text("thus")]);
  assert.deepEqual(parse("\\$x\\$ is not math"), [text("$x$ is not math")]);
  assert.deepEqual(parse("$a$5"), [text("$a$5")]);
  assert.deepEqual(parse("$\\$$"), [{ type: "math", tex: "\\$", display: false }]);
  assert.equal(parse("$" + "x".repeat(3000) + "$")[0].type, "text");
});

// A parser that backtracked on these would not finish in the test's time.
test("hostile input is parsed whole, every character kept", { timeout: 10_000 }, () => {
  for (const hostile of ["$".repeat(20000), "`".repeat(20000), "$a ".repeat(5000), "` x".repeat(5000), "https://".repeat(3000), "```\n".repeat(5000)]) {
    const tokens = parse(hostile);
    const kept = tokens.map((token) => token.text ?? token.tex ?? "").join("");
    assert.ok(tokens.length >= 1 && kept.length <= hostile.length, hostile.slice(0, 8));
  }
  assert.equal(parse("$".repeat(20000)).map((token) => token.text).join(""), "$".repeat(20000));
});
