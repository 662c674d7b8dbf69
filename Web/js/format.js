// How times, names and sizes read on the page.

export function initials(name) {
  const words = String(name).trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? words[0][0] + words[words.length - 1][0] : (words[0] ?? "?").slice(0, 2);
  return letters.toUpperCase();
}

/** An unread count as a badge shows it: the server counts to 100, so past 99 it says "99+". */
export function unreadShown(count) {
  return count > 99 ? "99+" : String(count);
}

/** "14:02" today, "yesterday", a weekday this week, else a date. */
export function when(date, now = new Date()) {
  const then = new Date(date);
  const day = (d) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  const days = Math.round((day(now) - day(then)) / 86_400_000);
  if (days === 0) return then.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  if (days === 1) return "yesterday";
  if (days < 7) return then.toLocaleDateString([], { weekday: "long" });
  return then.toLocaleDateString();
}

/** The day a message was sent, for the separators: "Today", "Yesterday", or the date. */
export function day(date, now = new Date()) {
  const label = when(date, now);
  if (/\d:\d/.test(label)) return "Today";
  return label === "yesterday" ? "Yesterday" : new Date(date).toLocaleDateString([], { weekday: "long", day: "numeric", month: "long" });
}

export function clock(date) {
  return new Date(date).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

/** A picture's box in a message: its size scaled down to fit `most` (as app.css bounds
 * `.attachment--image img`), so that it takes its room before its bytes arrive; null
 * when the server did not know the size. */
export function pictureBox({ width, height }, most = { width: 320, height: 240 }) {
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) return null;
  const scale = Math.min(1, most.width / width, most.height / height);
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** How long ago someone was last online: "last seen today at 14:02", "… yesterday at 9:15", "… on 3 Dec". */
export function lastSeen(date, now = new Date()) {
  const label = when(date, now);
  const time = clock(date);
  if (/\d:\d/.test(label)) return `last seen today at ${time}`;
  if (label === "yesterday") return `last seen yesterday at ${time}`;
  return `last seen ${new Date(date).toLocaleDateString([], { day: "numeric", month: "short" })}`;
}

/** A span of seconds as a clock: "0:07", "4:05", "1:02:03". */
export function duration(seconds) {
  const total = Math.max(0, Math.round(Number(seconds) || 0));
  const [h, m, s] = [Math.floor(total / 3600), Math.floor(total / 60) % 60, total % 60];
  const pad = (n) => String(n).padStart(2, "0");
  return h ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}

/**
 * A CALL message's line as its reader sees it (`mine`: the reader placed the call):
 * {text, missed}, `missed` when the reader is the one who missed it.
 */
export function callLine(call, mine) {
  const kind = call?.media === "video" ? "video call" : "voice call";
  const named = kind[0].toUpperCase() + kind.slice(1);
  switch (call?.outcome) {
    case "answered": return { text: `${named} · ${duration(call.durationSeconds)}`, missed: false };
    case "declined": return { text: mine ? `${named}, declined` : `You declined a ${kind}`, missed: false };
    default: return { text: mine ? `${named}, no answer` : `Missed ${kind}`, missed: !mine };
  }
}

/** "Ada", "Ada and Grace", "Ada, Grace and Lin". */
export function listed(names) {
  return names.length < 2 ? names.join("") : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
}

/** A group message's receipt: "sent", "read by 2 of 5", or "read by everyone" (of the `others`). */
export function groupReceipt(readers, others) {
  if (readers.length === 0) return "sent";
  return readers.length >= others ? "read by everyone" : `read by ${readers.length} of ${others}`;
}

/** A signed-in device as its owner knows it, from its User-Agent: "Chrome on Linux", or what the client calls itself. */
export function device(userAgent) {
  const agent = String(userAgent ?? "");
  if (!agent) return "Unknown device";
  const browser = [["Edg/", "Edge"], ["OPR/", "Opera"], ["Firefox/", "Firefox"], ["Chrome/", "Chrome"], ["Safari/", "Safari"]]
    .find(([token]) => agent.includes(token))?.[1];
  const system = [["Android", "Android"], ["iPhone", "iPhone"], ["iPad", "iPad"], ["Windows", "Windows"], ["Mac OS X", "macOS"],
    ["CrOS", "ChromeOS"], ["Linux", "Linux"]].find(([token]) => agent.includes(token))?.[1];
  if (browser) return system ? `${browser} on ${system}` : browser;
  // Not a browser: a script or an app, by the name it gives ("python-requests/2.31").
  return agent.split(/[\s;(]/)[0].slice(0, 40) || "Unknown device";
}
