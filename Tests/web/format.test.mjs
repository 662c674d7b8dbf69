import assert from "node:assert/strict";
import { test } from "node:test";

import { callLine, device, duration, groupReceipt, listed, pictureBox, unreadShown } from "../../Web/js/format.js";
import { isLine, isNews } from "../../Web/js/message-kinds.js";

test("a picture's box keeps its shape within 320 × 240", () => {
  assert.deepEqual(pictureBox({ width: 4032, height: 3024 }), { width: 320, height: 240 });
  assert.deepEqual(pictureBox({ width: 3024, height: 4032 }), { width: 180, height: 240 });
  assert.deepEqual(pictureBox({ width: 1000, height: 100 }), { width: 320, height: 32 });
  assert.deepEqual(pictureBox({ width: 37, height: 23 }), { width: 37, height: 23 }, "small pictures are not enlarged");
  assert.deepEqual(pictureBox({ width: 65535, height: 1 }), { width: 320, height: 1 });
});

test("without a size the server knows, no box", () => {
  for (const attachment of [{}, { width: 0, height: 10 }, { width: 10 }, { width: "10", height: "10" }, { width: -1, height: 5 }, { width: 1.5, height: 2 }]) {
    assert.equal(pictureBox(attachment), null, JSON.stringify(attachment));
  }
});

test("names are listed as a sentence says them", () => {
  assert.equal(listed(["Ada"]), "Ada");
  assert.equal(listed(["Ada", "Grace"]), "Ada and Grace");
  assert.equal(listed(["Ada", "Grace", "Lin"]), "Ada, Grace and Lin");
});

test("a group message says how many of the others read it", () => {
  assert.equal(groupReceipt([], 4), "sent");
  assert.equal(groupReceipt(["Ada"], 4), "read by 1 of 4");
  assert.equal(groupReceipt(["Ada", "Grace", "Lin", "Mo"], 4), "read by everyone");
});

test("a call's length reads as a clock", () => {
  assert.equal(duration(7), "0:07");
  assert.equal(duration(245), "4:05");
  assert.equal(duration(3723), "1:02:03");
  assert.equal(duration(undefined), "0:00");
  assert.equal(duration(-5), "0:00");
});

test("a call's line says what became of it, as its reader sees it", () => {
  const answered = { media: "video", outcome: "answered", durationSeconds: 65 };
  assert.deepEqual(callLine(answered, true), { text: "Video call · 1:05", missed: false });
  assert.deepEqual(callLine(answered, false), { text: "Video call · 1:05", missed: false });
  const missed = { media: "audio", outcome: "missed" };
  assert.deepEqual(callLine(missed, false), { text: "Missed voice call", missed: true }, "the callee missed it");
  assert.deepEqual(callLine(missed, true), { text: "Voice call, no answer", missed: false }, "the caller did not");
  assert.equal(callLine({ media: "audio", outcome: "declined" }, false).text, "You declined a voice call");
  assert.equal(callLine({ media: "audio", outcome: "declined" }, true).text, "Voice call, declined");
});

test("news is others' words and files, and missed calls; lines are nobody's words", () => {
  assert.equal(isNews({ messageType: "TEXT" }), true);
  assert.equal(isNews({ messageType: "FILE" }), true);
  assert.equal(isNews({ messageType: "SYSTEM" }), false);
  assert.equal(isNews({ messageType: "CALL", call: { outcome: "missed" } }), true);
  assert.equal(isNews({ messageType: "CALL", call: { outcome: "answered" } }), false);
  assert.equal(isNews({ messageType: "CALL", call: { outcome: "declined" } }), false);
  assert.deepEqual(["TEXT", "IMAGE", "SYSTEM", "CALL"].map((messageType) => isLine({ messageType })), [false, false, true, true]);
});

test("a signed-in device is named as its owner knows it", () => {
  const chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
  assert.equal(device(chrome), "Chrome on Linux");
  assert.equal(device("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36 Edg/120.0"), "Edge on Windows");
  assert.equal(device("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"), "Safari on iPhone");
  assert.equal(device("Mozilla/5.0 (Macintosh; Intel Mac OS X 14.1; rv:120.0) Gecko/20100101 Firefox/120.0"), "Firefox on macOS");
  assert.equal(device("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36"), "Chrome on Android");
  assert.equal(device("python-requests/2.31.0"), "python-requests/2.31.0");
  assert.equal(device(null), "Unknown device");
  assert.equal(device(""), "Unknown device");
});

test("an unread badge counts to 99, then says 99+ (the server counts to 100)", () => {
  assert.equal(unreadShown(1), "1");
  assert.equal(unreadShown(99), "99");
  assert.equal(unreadShown(100), "99+");
  assert.equal(unreadShown(250), "99+");
});
