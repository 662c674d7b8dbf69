// Lists drawn from keys: each item's node is made once and brought up to date in place, so
// what a reader has in hand in it (an open menu, focus, a selection, an edit box) survives
// every change that is not its removal.

/**
 * Makes `container`'s children the nodes of `items`, in order: an item's node (by
 * `keyOf(item)`) is made by `create(item)` the first time and passed to `update(node, item,
 * index)` every time; nodes of items gone are removed, anything else in the container too.
 * Only nodes out of place move: appending an item moves none.
 */
export function reconcile(container, items, { keyOf, create, update }) {
  const keys = items.map(keyOf);
  const wanted = new Set(keys);
  const existing = new Map();
  // What goes is removed first, so that what stays does not move past it.
  for (const child of [...container.children]) {
    if (child.dataset.key === undefined || !wanted.has(child.dataset.key)) child.remove();
    else existing.set(child.dataset.key, child);
  }
  let cursor = container.firstElementChild;
  items.forEach((item, index) => {
    const key = keys[index];
    let node = existing.get(key);
    if (!node) {
      node = create(item);
      node.dataset.key = key;
    }
    update(node, item, index);
    if (node === cursor) cursor = cursor.nextElementSibling;
    else container.insertBefore(node, cursor);
  });
}

/** Sets a text only when it differs (an equal write still costs layout and a selection). */
export function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

export function setAttribute(node, name, value) {
  if (value === null || value === undefined || value === false) {
    if (node.hasAttribute(name)) node.removeAttribute(name);
  } else if (node.getAttribute(name) !== String(value)) {
    node.setAttribute(name, String(value));
  }
}

export function element(tag, { className, testid, text } = {}) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (testid) node.dataset.testid = testid;
  if (text !== undefined) node.textContent = text;
  return node;
}
