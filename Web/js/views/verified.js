// The mark of an expert an admin has vouched for: a tick beside the name, read out as
// "verified expert".

import { element } from "./keyed.js";

export function verifiedBadge({ testid } = {}) {
  const badge = element("span", { className: "verified", testid });
  const tick = element("span", { text: "✓" });
  tick.setAttribute("aria-hidden", "true");
  badge.append(tick, element("span", { className: "visually-hidden", text: " (verified expert)" }));
  badge.title = "Verified expert";
  return badge;
}
