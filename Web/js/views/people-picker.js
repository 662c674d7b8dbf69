// A list of people to tick, for a new group and for adding to one: each person's item is
// kept by id, so what is ticked survives the list being drawn again.

import { avatar } from "./avatar.js";
import { element, reconcile, setText } from "./keyed.js";

/** `empty`: what the list says when there is no one to pick. */
export function createPeoplePicker(list, { empty, onChange = () => {} }) {
  const ticked = new Set();
  list.addEventListener("change", (event) => {
    const box = event.target.closest("input[type=checkbox]");
    if (!box) return;
    if (box.checked) ticked.add(box.value);
    else ticked.delete(box.value);
    onChange(ticked.size);
  });

  return {
    /** Shows `people` (users), keeping what is ticked among them. */
    draw(people) {
      const shown = new Set(people.map((user) => user.id));
      for (const id of [...ticked]) if (!shown.has(id)) ticked.delete(id);
      if (!people.length) {
        list.replaceChildren(element("li", { className: "list__empty", text: empty }));
        return onChange(0);
      }
      reconcile(list, people, {
        keyOf: (user) => user.id,
        create: (user) => {
          const item = element("li", { testid: "pick-person" });
          const label = element("label", { className: "group__person" });
          const box = element("input");
          box.type = "checkbox";
          box.value = user.id;
          label.append(box, avatar(user), element("span", { className: "group__name" }), element("span", { className: "group__role" }));
          item.append(label);
          return item;
        },
        update: (item, user) => {
          item.dataset.userId = user.id;
          const label = item.firstElementChild;
          label.querySelector("input").checked = ticked.has(user.id);
          setText(label.querySelector(".group__name"), user.name);
          setText(label.querySelector(".group__role"), user.role === "expert" ? "expert" : "");
        },
      });
      onChange(ticked.size);
    },
    selected: () => [...ticked],
    clear() {
      ticked.clear();
      for (const box of list.querySelectorAll("input[type=checkbox]")) box.checked = false;
      onChange(0);
    },
  };
}
