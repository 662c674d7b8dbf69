import assert from "node:assert/strict";
import { test } from "node:test";

import { createBlocks } from "../../Web/js/state/blocks.js";

function slice() {
  const changes = [];
  return { blocks: createBlocks((topic, change) => changes.push([topic, change])), changes };
}

test("a block is told once, by id in any letter case, and ends", () => {
  const { blocks, changes } = slice();
  blocks.add({ id: "AAAA-1", name: "Zed" });
  blocks.add({ id: "aaaa-1", name: "Zed" });
  assert.equal(changes.length, 1);
  assert.ok(blocks.has("aaaa-1") && blocks.has("AAAA-1"));
  blocks.remove("AAAA-1");
  assert.ok(!blocks.has("aaaa-1"));
  blocks.remove("aaaa-1");
  assert.equal(changes.length, 2);
});

test("the list is by name, and another device's update keeps the names known", () => {
  const { blocks, changes } = slice();
  blocks.setUsers([{ id: "b", name: "Bo" }, { id: "a", name: "Al" }]);
  assert.deepEqual(blocks.list().map((user) => user.name), ["Al", "Bo"]);
  blocks.setIds(["a", "b"]);
  assert.equal(changes.length, 1); // nothing changed
  blocks.setIds(["b", "c"]);
  assert.deepEqual(blocks.list().map((user) => user.name), ["Bo", "Someone"]);
  assert.ok(!blocks.has("a") && blocks.has("c"));
});
