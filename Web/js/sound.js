// An optional chime for messages that arrive elsewhere, and a ring for calls: off until the
// reader turns sound on (kept in this browser), made with Web Audio, so there is no file to
// fetch.

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
    if (this.enabled) play([[0, 880, 660]]);
  },
  /** One ring of a call: two short rising tones (the call view repeats it while it rings). */
  ring() {
    if (this.enabled) play([[0, 520, 660], [0.4, 520, 660]]);
  },
};

/** Short tones: [start (s), from (Hz), to (Hz)] each, 0.3 s long. */
function play(tones) {
  context ??= new AudioContext();
  for (const [start, from, to] of tones) {
    const now = context.currentTime + start;
    const tone = context.createOscillator();
    const level = context.createGain();
    tone.frequency.setValueAtTime(from, now);
    tone.frequency.exponentialRampToValueAtTime(to, now + 0.15);
    level.gain.setValueAtTime(0.0001, now);
    level.gain.exponentialRampToValueAtTime(0.15, now + 0.02);
    level.gain.exponentialRampToValueAtTime(0.0001, now + 0.3);
    tone.connect(level).connect(context.destination);
    tone.start(now);
    tone.stop(now + 0.32);
  }
}
