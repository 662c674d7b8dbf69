// Calls on the page: the buttons in a conversation's header, the incoming call (on every
// open page of the callee, ringing when sound is on), and the call view: the others' video
// (their face while their camera is off), one's own, mute, camera, hang up, and how long
// the call has run.

import { duration } from "../format.js";
import { sound } from "../sound.js";
import { key } from "../state/ids.js";
import { avatar } from "./avatar.js";
import { element, reconcile, setAttribute, setText } from "./keyed.js";

const RING_EVERY = 3000; // ms between rings

/** `calls`: the call controller (call.js); `onError(error)`: tells the reader what went wrong. */
export function renderCalls(state, calls, { onError }) {
  const buttons = { audio: document.getElementById("call-audio"), video: document.getElementById("call-video") };
  const incoming = document.getElementById("incoming-call");
  const view = document.getElementById("call");
  const peersList = document.getElementById("call-peers");
  const localVideo = document.getElementById("call-local");
  const status = document.getElementById("call-status");
  const mute = document.getElementById("call-mute");
  const camera = document.getElementById("call-camera");
  let ringer = null;
  let clock = null;
  let busy = false; // a call being placed or answered from this page

  const conversationOf = (call) => state.conversations.get(call.conversationId);
  const titleOf = (call) => {
    const conversation = conversationOf(call);
    return conversation?.title ?? state.nameOf(key(call.callerId) === state.me?.id ? otherIn(call) : call.callerId);
  };
  const otherIn = (call) => call.participants.map((party) => key(party.userId)).find((id) => id !== state.me?.id);

  async function act(work) {
    if (busy) return;
    busy = true;
    drawButtons();
    try {
      await work();
    } catch (error) {
      onError(error);
    } finally {
      busy = false;
      draw();
    }
  }

  for (const media of ["audio", "video"]) {
    buttons[media].addEventListener("click", () => {
      const conversation = state.conversations.get(state.conversations.openId);
      if (conversation) act(() => calls.place(conversation, media));
    });
  }
  document.getElementById("call-accept").addEventListener("click", () => {
    const call = state.calls.ringing()[0];
    if (call) act(() => calls.answer(call));
  });
  document.getElementById("call-decline").addEventListener("click", () => {
    const call = state.calls.ringing()[0];
    if (call) calls.decline(call).catch(onError);
  });
  document.getElementById("call-hangup").addEventListener("click", () => calls.hangUp());
  mute.addEventListener("click", () => calls.setMedia({ audio: !calls.audio, video: calls.video }));
  camera.addEventListener("click", () => calls.setMedia({ audio: calls.audio, video: !calls.video }));

  /** Calls are offered where they can be made: an open conversation one still belongs to, not across a block. */
  function drawButtons() {
    const conversation = state.conversations.get(state.conversations.openId);
    const other = conversation?.kind === "direct" ? conversation.participants.find((user) => user.id !== state.me?.id) : null;
    const possible = !!conversation && !conversation.departure && !conversation.closedAt && !(other && state.blocks.has(other.id));
    for (const button of Object.values(buttons)) {
      button.hidden = !possible;
      button.disabled = busy || !!state.calls.here;
    }
  }

  function drawIncoming() {
    const call = state.calls.ringing()[0];
    incoming.hidden = !call;
    if (call) {
      const caller = state.userOf(call.callerId);
      const conversation = conversationOf(call);
      setText(document.getElementById("incoming-call-title"), `${caller.name} is calling`);
      setText(document.getElementById("incoming-call-detail"),
        `${call.media === "video" ? "Video call" : "Voice call"}${conversation?.kind === "group" ? ` in ${conversation.title}` : ""}`);
      const face = document.getElementById("incoming-call-face");
      if (face.dataset.userId !== caller.id) {
        face.dataset.userId = caller.id;
        face.replaceChildren(avatar(caller));
      }
    }
    // A ring now and every few seconds while a call rings here, when sound is on.
    if (call && !ringer) {
      sound.ring();
      ringer = setInterval(() => sound.ring(), RING_EVERY);
    } else if (!call && ringer) {
      clearInterval(ringer);
      ringer = null;
    }
  }

  function drawView() {
    const call = state.calls.here;
    view.hidden = !call;
    document.body.classList.toggle("in-call", !!call);
    if (!call) {
      localVideo.srcObject = null;
      peersList.replaceChildren();
      clearInterval(clock);
      clock = null;
      return;
    }
    setText(document.getElementById("call-title"), titleOf(call));
    if (localVideo.srcObject !== calls.local) localVideo.srcObject = calls.local;
    localVideo.parentElement.hidden = !calls.hasCamera;
    setAttribute(mute, "aria-pressed", String(!calls.audio));
    setText(mute, calls.audio ? "Mute" : "Unmute");
    camera.hidden = !calls.hasCamera;
    setAttribute(camera, "aria-pressed", String(!calls.video));
    setText(camera, calls.video ? "Camera off" : "Camera on");
    const others = call.participants.filter((party) => key(party.userId) !== state.me.id && ["joined", "ringing"].includes(party.state));
    reconcile(peersList, others, { keyOf: (party) => key(party.userId), create: createPeer, update: updatePeer });
    drawStatus();
    clock ??= setInterval(drawStatus, 1000);
  }

  function drawStatus() {
    const call = state.calls.here;
    if (!call) return;
    const peers = state.calls.peers();
    const connecting = peers.length > 0 && !peers.some((user) => calls.connectionOf(user) === "connected");
    const text = call.status === "ringing" ? "Calling…" : connecting ? "Connecting…"
      : duration((Date.now() - Date.parse(call.answeredAt ?? call.startedAt)) / 1000);
    setText(status, text);
  }

  function createPeer(party) {
    const item = element("li", { className: "call__peer", testid: "call-peer" });
    item.dataset.userId = key(party.userId);
    const video = element("video", { className: "call__video", testid: "remote-video" });
    video.autoplay = true;
    video.playsInline = true;
    const face = element("span", { className: "call__face" });
    const name = element("span", { className: "call__name" });
    item.append(video, face, name);
    return item;
  }

  function updatePeer(item, party) {
    const user = state.userOf(party.userId);
    const video = item.querySelector("video");
    const stream = calls.remote(party.userId);
    if (video.srcObject !== stream) video.srcObject = stream;
    const showsVideo = party.state === "joined" && party.video && !!stream?.getVideoTracks().length;
    video.hidden = !showsVideo;
    const face = item.querySelector(".call__face");
    if (face.dataset.userId !== user.id || !face.firstChild) {
      face.dataset.userId = user.id;
      face.replaceChildren(avatar(user, { size: "large" }));
    }
    face.hidden = showsVideo;
    const label = `${user.name}${party.state === "ringing" ? " (ringing)" : ""}${party.state === "joined" && !party.audio ? " (muted)" : ""}`;
    setText(item.querySelector(".call__name"), label);
    setAttribute(item, "data-state", party.state);
    setAttribute(item, "data-muted", party.audio ? null : "true");
  }

  function draw() {
    drawButtons();
    drawIncoming();
    drawView();
  }

  state.on("calls", draw);
  state.on("open", drawButtons);
  state.on("conversations", drawButtons);
  state.on("blocks", drawButtons);
  state.on("reset", draw);
  calls.subscribe(drawView);
  draw();
}
