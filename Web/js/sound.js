// An optional chime for messages that arrive elsewhere: off until the reader turns it on
// (kept in this browser), made with Web Audio, so there is no file to fetch.

const KEY = "chat.sound";
let context = null;

export const sound = {
  get enabled() { return localStorage.getItem(KEY) === "on"; },
  set enabled(on) {
    localStorage.setItem(KEY, on ? "on" : "off");
    // Browsers start audio only from a gesture: the toggle's click is one.
    if (on && !context) context = new AudioContext();
  },
  chime() {
    if (!this.enabled) return;
    context ??= new AudioContext();
    const now = context.currentTime;
    const tone = context.createOscillator();
    const level = context.createGain();
    tone.frequency.setValueAtTime(880, now);
    tone.frequency.exponentialRampToValueAtTime(660, now + 0.15);
    level.gain.setValueAtTime(0.0001, now);
    level.gain.exponentialRampToValueAtTime(0.15, now + 0.02);
    level.gain.exponentialRampToValueAtTime(0.0001, now + 0.3);
    tone.connect(level).connect(context.destination);
    tone.start(now);
    tone.stop(now + 0.32);
  },
};
