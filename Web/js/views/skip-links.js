// The skip links at the top of the chat (shown when focused): past the search and a
// directory that keeps loading as it is tabbed through, to the conversations or straight
// to the message box of the conversation open.

export function renderSkipLinks(state) {
  const toComposer = document.querySelector("[data-skip=composer-input]");
  const targets = {
    conversations: () => document.querySelector("#conversations .item, #expert-search"),
    "composer-input": () => document.getElementById("composer-input"),
  };
  for (const link of document.querySelectorAll("[data-skip]")) {
    link.addEventListener("click", (event) => {
      event.preventDefault(); // focus moves; the address keeps the conversation's
      targets[link.dataset.skip]()?.focus();
    });
  }
  toComposer.hidden = true;
  state.on("open", ({ id }) => { toComposer.hidden = !id; });
}
