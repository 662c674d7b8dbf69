// A call on this page: the microphone and camera, one RTCPeerConnection per other person in
// the call (a mesh), and the signaling over the socket. The server keeps the call's state
// (state/calls.js mirrors it); this keeps the media. In a direct call the caller's offer
// rides on the invite and whoever answers answers it; in a group each one who joins sends
// an offer to everyone already in, so no two people ever offer to each other at once.

import { ClientEvent } from "./events.js";
import { key } from "./state/ids.js";

/** Set in this browser to "relay": calls go through the TURN relay only (the other side never learns this address). */
export const RELAY_ONLY_KEY = "chat.callRelayOnly";

/**
 * `request(event, payload)`: a socket event's ack (throws the server's error);
 * `iceServers()`: `GET /api/calls/ice-servers`; `notice(text)`: tells the reader something.
 */
export function createCallController(state, { request, iceServers, notice }) {
  let local = null; // the MediaStream sent
  let config = null; // the RTCConfiguration of this call
  const peers = new Map(); // user → {connection, stream, pending: [ICE candidates before the description]}
  let held = []; // signals for people not in the call yet (a direct call's callee before they answer)
  // Candidates that came before their connection: the caller hears the answer committed
  // (and sends) before this page's answer has its ack.
  const early = new Map(); // user → [ICE candidates]
  const MOST_EARLY = 64;
  let work = Promise.resolve(); // signals are handled one at a time, in the order they came
  const listeners = new Set();

  const changed = () => { for (const listener of listeners) listener(); };
  const callId = () => (state.calls.here ? key(state.calls.here.id) : null);
  const partyOf = (call, userId) => call.participants.find((party) => key(party.userId) === key(userId));

  /** The microphone, and the camera for a video call; a call without a camera goes on with the voice. */
  async function capture(media) {
    if (!navigator.mediaDevices?.getUserMedia) throw new Error("This browser cannot make calls here (it needs HTTPS and a microphone).");
    try {
      return await navigator.mediaDevices.getUserMedia({ audio: true, video: media === "video" });
    } catch (error) {
      if (media === "video") {
        const voice = await navigator.mediaDevices.getUserMedia({ audio: true }).catch(() => null);
        if (voice) {
          notice("The camera could not be used: the call is voice only.");
          return voice;
        }
      }
      throw new Error(error?.name === "NotAllowedError"
        ? "The browser was not allowed to use the microphone: allow it for this site to call."
        : "No microphone could be used for the call.");
    }
  }

  async function configure() {
    const { iceServers: servers } = await iceServers().catch(() => ({ iceServers: [] }));
    const relayOnly = localStorage.getItem(RELAY_ONLY_KEY) === "relay";
    return { iceServers: servers, ...(relayOnly ? { iceTransportPolicy: "relay" } : {}) };
  }

  function connect(userId) {
    const user = key(userId);
    const connection = new RTCPeerConnection(config);
    const peer = { connection, stream: new MediaStream(), pending: early.get(user) ?? [] };
    early.delete(user);
    for (const track of local.getTracks()) connection.addTrack(track, local);
    connection.addEventListener("icecandidate", ({ candidate }) => {
      if (candidate) signal(user, { candidate: candidate.toJSON() });
    });
    connection.addEventListener("track", ({ track, streams }) => {
      peer.stream = streams[0] ?? peer.stream;
      if (!peer.stream.getTracks().includes(track)) peer.stream.addTrack(track);
      changed();
    });
    connection.addEventListener("connectionstatechange", changed);
    peers.set(user, peer);
    return peer;
  }

  /** A description or a candidate for one other person, held until they are in the call. */
  function signal(to, body) {
    held.push({ to: key(to), body });
    flush();
  }

  function flush() {
    const id = callId();
    if (!id) return;
    const joined = new Set(state.calls.peers());
    const ready = held.filter(({ to }) => joined.has(to));
    held = held.filter(({ to }) => !joined.has(to));
    for (const { to, body } of ready) request(ClientEvent.callSignal, { callId: id, to, ...body }).catch(() => {});
  }

  async function describe(peer, description) {
    await peer.connection.setLocalDescription(description);
    return peer.connection.localDescription.toJSON();
  }

  const offerFrom = async (peer) => describe(peer, await peer.connection.createOffer());

  /** The other side's description, then the candidates that came before it. */
  async function accept(peer, description) {
    await peer.connection.setRemoteDescription(description);
    for (const candidate of peer.pending.splice(0)) await peer.connection.addIceCandidate(candidate).catch(() => {});
  }

  /** What arrived from another party: an offer (a newcomer to a group call), an answer, a candidate. */
  async function handleSignal({ callId: id, from, description, candidate }) {
    const user = key(from);
    let peer = key(id) === callId() ? peers.get(user) : null;
    if (description && peer !== null) {
      if (description.type === "offer") peer ??= connect(user);
      if (!peer) return;
      await accept(peer, description);
      if (description.type === "offer") signal(user, { description: await describe(peer, await peer.connection.createAnswer()) });
    } else if (candidate && peer?.connection.remoteDescription) {
      await peer.connection.addIceCandidate(candidate).catch(() => {});
    } else if (candidate && peer) {
      peer.pending.push(candidate);
    } else if (candidate && (!state.calls.here || key(id) === callId())) {
      // Not connected yet (or not in the call yet: an answer's ack on its way).
      const list = early.get(user) ?? [];
      if (list.length < MOST_EARLY) early.set(user, [...list, candidate]);
    }
  }

  function closePeer(user) {
    peers.get(user)?.connection.close();
    peers.delete(user);
  }

  /** Everything of the call here is let go: the media, the connections, what was held. */
  function teardown() {
    for (const user of [...peers.keys()]) closePeer(user);
    for (const track of local?.getTracks() ?? []) track.stop();
    local = null;
    held = [];
    early.clear();
    state.calls.left();
    changed();
  }

  const summary = (call) => ({
    cancelled: "Call cancelled", declined: "Call declined", missed: "No answer",
    completed: "Call ended", disconnected: "Call ended: the connection was lost",
  })[call.endReason] ?? "Call ended";

  /** Starts with the media ready and the call joined; on any failure, nothing is left running. */
  async function begin(media, join) {
    if (state.calls.here) throw new Error("You are in a call already.");
    local = await capture(media);
    try {
      config = await configure();
      await join();
      changed();
    } catch (error) {
      teardown();
      throw error;
    }
  }

  return {
    /** Calls the conversation's others: a direct call's offer goes with the invite. */
    place(conversation, media) {
      return begin(media, async () => {
        let offer = null;
        if (conversation.kind === "direct") {
          const other = conversation.participants.find((user) => key(user.id) !== state.me.id);
          offer = await offerFrom(connect(other.id));
        }
        const ack = await request(ClientEvent.callInvite, { conversationId: conversation.id, media, ...(offer ? { offer } : {}) });
        state.calls.joined(ack.call);
        flush();
      });
    },

    /** Answers a call ringing here: the caller's offer, or offers to those already in a group call. */
    answer(call) {
      return begin(call.media, async () => {
        const ack = await request(ClientEvent.callAnswer, { callId: call.id });
        state.calls.joined(ack.call);
        if (ack.offer) {
          const peer = connect(ack.call.callerId);
          await accept(peer, ack.offer);
          signal(ack.call.callerId, { description: await describe(peer, await peer.connection.createAnswer()) });
        } else {
          for (const user of state.calls.peers()) signal(user, { description: await offerFrom(connect(user)) });
        }
      });
    },

    decline: (call) => request(ClientEvent.callDecline, { callId: call.id }),

    /** Hangs up (or cancels while it rings); the call is over here whatever the server says. */
    async hangUp() {
      const id = callId();
      teardown();
      if (id) await request(ClientEvent.callEnd, { callId: id }).catch(() => {});
    },

    /** The microphone or the camera on or off, for the others to see. */
    async setMedia({ audio, video }) {
      for (const track of local?.getAudioTracks() ?? []) track.enabled = audio;
      for (const track of local?.getVideoTracks() ?? []) track.enabled = video;
      changed();
      const id = callId();
      if (id) await request(ClientEvent.callMedia, { callId: id, audio, video }).catch(() => {});
    },

    /** A `call_state`: the state follows it; the call here drops those gone and ends when it ends. */
    received(call) {
      state.calls.received(call);
      if (key(call.id) !== callId()) return;
      const mine = partyOf(call, state.me.id);
      if (call.status === "ended" || (mine && mine.state !== "joined")) {
        notice(summary(call));
        teardown();
        return;
      }
      for (const user of [...peers.keys()]) {
        if (!["joined", "ringing"].includes(partyOf(call, user)?.state)) closePeer(user);
      }
      flush();
      changed();
    },

    signalled(message) {
      work = work.then(() => handleSignal(message)).catch(() => {});
    },

    /** The socket came back: this socket takes over the page's place in the call. */
    async reconnected() {
      const id = callId();
      if (!id) return;
      try {
        state.calls.joined((await request(ClientEvent.callResume, { callId: id })).call);
      } catch {
        notice("Call ended: the connection was lost");
        teardown();
      }
    },

    /** What the view shows: the stream sent, each peer's, whether the microphone and camera are on. */
    get local() { return local; },
    remote: (userId) => peers.get(key(userId))?.stream ?? null,
    connectionOf: (userId) => peers.get(key(userId))?.connection.connectionState ?? "new",
    get audio() { return local?.getAudioTracks().some((track) => track.enabled) ?? false; },
    get video() { return local?.getVideoTracks().some((track) => track.enabled) ?? false; },
    get hasCamera() { return (local?.getVideoTracks().length ?? 0) > 0; },
    /** Tells `listener` whenever the media changes; returns how to stop. */
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
