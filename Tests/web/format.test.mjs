import assert from "node:assert/strict";
import { test } from "node:test";

import { groupReceipt, listed, pictureBox } from "../../Web/js/format.js";

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
