// Calls as this page sees them: the ones ringing for the reader (on every open page of
// theirs), and the one call this page is in. Each `call_state` the server sends is applied
// here; what a page does with media lives in the call view, not in the state.
// Topic "calls": {callId} whenever a call ringing here or the call here changed.

import { key } from "./ids.js";

/** `whoAmI`: the signed-in user's id, whose part in each call is looked for. */
export function createCalls(emit, whoAmI) {
  const ringing = new Map(); // call id → the call, while the reader's devices ring for it
  let here = null; // {call}: the call this page placed or answered

  const me = () => (whoAmI() ? key(whoAmI()) : null);
  const mine = (call) => call.participants.find((party) => key(party.userId) === me());

  return {
    /** The calls ringing for the reader, oldest first, but the one here. */
    ringing: () => [...ringing.values()],
    /** The call this page is in (placing, or answered here), or null. */
    get here() { return here?.call ?? null; },

    /**
     * A `call_state`: a call that rings for the reader rings here too, until it is
     * answered on any of their devices, declined, or ends; the call here follows it.
     */
    received(call) {
      const id = key(call.id);
      const party = mine(call);
      let changed = false;
      if (call.status !== "ended" && party?.state === "ringing" && key(here?.call.id ?? "") !== id) {
        ringing.set(id, call);
        changed = true;
      } else if (ringing.delete(id)) {
        changed = true;
      }
      if (here && key(here.call.id) === id) {
        here = { ...here, call };
        changed = true;
      }
      if (changed) emit("calls", { callId: id });
    },

    /** This page placed `call` or answered it (the ack's call): it is the call here. */
    joined(call) {
      const id = key(call.id);
      ringing.delete(id);
      here = { call };
      emit("calls", { callId: id });
    },

    /** The call here is over for this page (hung up, or it ended): nothing is here. */
    left() {
      if (!here) return;
      const id = key(here.call.id);
      here = null;
      emit("calls", { callId: id });
    },

    /** The others in the call here who have joined it: each is a peer to send media to. */
    peers() {
      if (!here || here.call.status === "ended") return [];
      return here.call.participants.filter((party) => party.state === "joined" && key(party.userId) !== me()).map((party) => key(party.userId));
    },

    clear() {
      ringing.clear();
      here = null;
    },
  };
}
