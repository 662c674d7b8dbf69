// One report in the queue: who reported whom and why, the message among those around it,
// and the actions (dismiss, delete the message, warn, suspend), with a note for the audit
// log. Made once per report and brought up to date in place.

import { clock } from "../format.js";
import { element, setText } from "../views/keyed.js";

const REASONS = {
  spam: "Spam",
  harassment: "Harassment or bullying",
  inappropriate_for_minors: "Not suitable for students",
  other: "Something else",
};

export function createReportCard() {
  const item = element("li", { className: "card admin__report", testid: "admin-report" });
  item.append(
    element("p", { className: "admin__who" }),
    element("p", { className: "admin__why" }),
    element("ol", { className: "admin__context" }),
    element("p", { className: "admin__resolution" }),
  );
  item.append(actions());
  return item;
}

export function updateReportCard(item, report) {
  item.dataset.reportId = report.id;
  setText(item.querySelector(".admin__who"), `${report.reporter.name} reported ${report.subject.name} · ${clock(report.createdAt)}`);
  setText(item.querySelector(".admin__why"), [REASONS[report.reason] ?? report.reason, report.text].filter(Boolean).join(": "));
  const lines = report.message ? [...report.context, report.message].sort((a, b) => a.seq - b.seq) : [];
  const context = item.querySelector(".admin__context");
  context.replaceChildren(...lines.map((message) => line(message, report)));
  const resolution = item.querySelector(".admin__resolution");
  resolution.hidden = report.state === "open";
  resolution.replaceChildren();
  if (report.state !== "open") {
    resolution.append(`${report.state === "dismissed" ? "Dismissed" : `Acted on: ${report.action?.replace("_", " ")}`}${report.resolvedAt ? ` · ${clock(report.resolvedAt)}` : ""}`);
    if (report.action === "suspend") {
      const restore = element("button", { className: "button button--quiet", testid: "admin-restore", text: `Restore ${report.subject.name}` });
      restore.type = "button";
      restore.dataset.restore = report.subject.id;
      resolution.append(" ", restore);
    }
  }
  const form = item.querySelector("form");
  form.hidden = report.state !== "open";
  form.querySelector("[value=delete_message]").hidden = !report.message;
}

/** One message of the context, the reported one marked. */
function line(message, report) {
  const reported = message.id === report.message?.id;
  const node = element("li", { className: reported ? "admin__line admin__line--reported" : "admin__line", testid: reported ? "admin-reported-message" : undefined });
  const who = message.senderId === report.subject.id ? report.subject.name : message.senderId === report.reporter.id ? report.reporter.name : "System";
  node.append(element("span", { className: "admin__line-who", text: `${who}:` }), " ", message.deletedAt ? "(deleted)" : message.content);
  return node;
}

function actions() {
  const form = element("form", { className: "admin__actions" });
  const note = element("label", { text: "Note (to the audit log; shown to them with a warning)" });
  const noteInput = element("textarea", { testid: "admin-note" });
  noteInput.name = "note";
  noteInput.rows = 2;
  noteInput.maxLength = 1000;
  note.append(noteInput);
  const days = element("label", { text: "Suspend for" });
  const select = element("select", { testid: "admin-days" });
  select.name = "days";
  for (const [value, text] of [["1", "a day"], ["7", "a week"], ["30", "30 days"], ["0", "good"]]) {
    const option = element("option", { text });
    option.value = value;
    select.append(option);
  }
  days.append(select);
  const buttons = element("div", { className: "admin__buttons" });
  for (const [value, text, danger] of [["dismiss", "Dismiss", false], ["delete_message", "Delete message", true], ["warn", "Warn", false], ["suspend", "Suspend", true]]) {
    const button = element("button", { className: `button ${danger ? "button--danger" : "button--quiet"}`, testid: `admin-${value.replace("_", "-")}`, text });
    button.type = "submit";
    button.value = value;
    buttons.append(button);
  }
  form.append(note, days, buttons);
  return form;
}
