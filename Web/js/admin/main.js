// The moderation page (`/chat/admin`), for admins: the queue of reports by state, each with
// the reported message among the messages around it, and what to do about it. It uses the
// chat's session (this tab's), so an admin signs in on `/chat` first.

import { api, ApiError } from "../api.js";
import { reconcile } from "../views/keyed.js";
import { createReportCard, updateReportCard } from "./report-card.js";

const content = document.getElementById("admin-content");
const denied = document.getElementById("admin-denied");
const list = document.getElementById("admin-reports");
const status = document.getElementById("admin-status");
const more = document.getElementById("admin-more");
const tabs = [...document.querySelectorAll("[data-state]")];

let state = "open";
let reports = [];
let next = null;

async function load({ append = false } = {}) {
  status.textContent = "Loading…";
  try {
    const page = await api.moderationQueue(state, append ? next : null);
    reports = append ? [...reports, ...page.reports] : page.reports;
    next = page.nextCursor ?? null;
    draw();
  } catch (error) {
    status.textContent = error.message;
  }
}

function draw() {
  status.textContent = reports.length ? "" : state === "open" ? "No open reports." : "None.";
  more.hidden = !next;
  reconcile(list, reports, { keyOf: (report) => report.id, create: createReportCard, update: updateReportCard });
}

/** Does `action` for the report, then shows the queue as it is now. */
async function act(reportId, body) {
  try {
    await api.moderate(reportId, body);
    status.textContent = "Done.";
    await load();
  } catch (error) {
    status.textContent = error.message;
  }
}

list.addEventListener("submit", (event) => {
  event.preventDefault();
  const form = event.target;
  const report = form.closest("[data-report-id]")?.dataset.reportId;
  const action = event.submitter?.value;
  if (!report || !action) return;
  const note = form.elements.note.value.trim() || undefined;
  const days = Number(form.elements.days.value);
  const until = action === "suspend" && days > 0 ? new Date(Date.now() + days * 86_400_000).toISOString() : undefined;
  act(report, { action, note, until });
});
list.addEventListener("click", async (event) => {
  const restore = event.target.closest("[data-restore]");
  if (!restore) return;
  try {
    await api.restoreUser(restore.dataset.restore);
    status.textContent = "Restored: they may sign in again.";
  } catch (error) {
    status.textContent = error.message;
  }
});
for (const tab of tabs) {
  tab.addEventListener("click", () => {
    state = tab.dataset.state;
    for (const other of tabs) other.setAttribute("aria-pressed", String(other === tab));
    load();
  });
}
more.addEventListener("click", () => load({ append: true }));

async function start() {
  try {
    const me = await api.me();
    if (me.role !== "admin") throw new ApiError(403, "forbidden", "Only admins");
  } catch {
    denied.hidden = false;
    return;
  }
  content.hidden = false;
  await load();
}

start();
