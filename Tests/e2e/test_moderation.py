"""Reports and the moderation queue (#27), through the load balancer: a report reaches the
queue with the message and what was said around it (each read audited), a suspension ends
the person's sockets on every gateway within a second and refuses their sign-in, a warning
reaches their page, and the page reports a message through its dialog."""

import time

from pages import ChatPage
from test_sessions import GATEWAYS, watched_client


def test_a_report_reaches_the_queue_and_a_suspension_ends_every_socket_at_once(stack, api, make_admin):
    (student, _), (expert, expert_user), conversation = api.student_and_expert("Reporter", "Reported")
    student.send_message(conversation["id"], "can you help with question 2?").raise_for_status()
    bad = expert.send_message(conversation["id"], "send me a photo of you").json()
    admin, admin_user = make_admin()

    filed = student.post("/api/reports", json={"reason": "inappropriate_for_minors", "conversationId": conversation["id"], "messageId": bad["id"]})
    assert filed.status_code == 201 and filed.json()["state"] == "open", filed.text
    report_id = filed.json()["id"]
    queue = admin.get("/api/admin/reports", params={"limit": 50}).json()["reports"]
    shown = next(report for report in queue if report["id"] == report_id)
    assert shown["message"]["content"] == "send me a photo of you" and shown["subject"]["id"] == expert_user["id"]
    assert [m["content"] for m in shown["context"]][-1] == "can you help with question 2?"
    assert "email" not in shown["reporter"]  # the admin sees public profiles only

    sockets = [watched_client(stack.service_url(name), expert.token) for name in GATEWAYS]
    try:
        started = time.monotonic()
        acted = admin.post(f"/api/admin/reports/{report_id}/actions", json={"action": "suspend", "note": "asked a student for photos"})
        assert acted.status_code == 204, acted.text
        for (client, ended), name in zip(sockets, GATEWAYS):
            assert ended.wait(5), f"the socket on {name} outlived the suspension"
        assert time.monotonic() - started < 1.0
    finally:
        for client, _ in sockets:
            client.disconnect()
    assert expert.get("/api/me").status_code == 401
    refused = api.login(expert_user["email"])
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "account_suspended"
    assert "for good" in refused.json()["error"]["message"]

    assert admin.post(f"/api/admin/users/{expert_user['id']}/restore").status_code == 204
    assert api.login(expert_user["email"]).status_code == 200
    lines = [line for line in admin.get("/api/admin/audit", params={"limit": 200}).json()["entries"] if line["subjectUserId"] == expert_user["id"]]
    assert [line["action"] for line in lines][:3] == ["restore", "suspend", "read_report"]
    assert all(line["actorId"] == admin_user["id"] for line in lines[:3])
    assert lines[1]["detail"]["note"] == "asked a student for photos"


def test_the_page_reports_a_message_and_shows_a_warning(stack, api, browsers, make_admin):
    (student, _), (expert, _), conversation = api.student_and_expert("Pia", "Paz")
    bad = expert.send_message(conversation["id"], "you are useless").json()
    page = ChatPage(browsers()).open_signed_in(stack.lb_url, student.token)
    page.open_conversation(conversation["id"])
    page.conversation.wait_for_message("you are useless")
    page.conversation.message(bad["id"]).report()
    page.wait_until(page.report.is_open, message="the dialog")
    assert page.report.subject() == "Paz: “you are useless”"
    page.report.choose("other")
    page.report.send()
    assert page.report.error() == "Say what happened, in a line or two."  # "other" says what
    page.report.choose("harassment")
    page.report.describe("Insults after every answer")
    assert page.accessibility_violations() == []
    page.screenshot("report-dialog.png")
    page.report.send()
    page.wait_until(lambda: not page.report.is_open(), message="sent")
    assert "the report is in" in page.toasts.text()

    admin, _ = make_admin()
    queue = admin.get("/api/admin/reports", params={"limit": 50}).json()["reports"]
    mine = next(report for report in queue if report["message"] and report["message"]["id"] == bad["id"])
    assert mine["reason"] == "harassment" and mine["text"] == "Insults after every answer"

    # A warning reaches the warned person's open page.
    warned = ChatPage(browsers()).open_signed_in(stack.lb_url, expert.token)
    warned.wait_connected()
    assert admin.post(f"/api/admin/reports/{mine['id']}/actions", json={"action": "warn", "note": "Please keep it kind."}).status_code == 204
    warned.wait_until(lambda: "A warning from the platform's team: Please keep it kind." in warned.toasts.text(), message="the warning")
    assert page.console_errors() == [] and warned.console_errors() == []


def test_the_moderation_page_works_through_the_queue(stack, api, browsers, make_admin):
    """An admin follows the link from the chat to /chat/admin, sees the reported message
    among the others, suspends its author for a week with a note (the report leaves the
    open queue, the author cannot sign in), finds it under "Acted on" and restores them. A
    student opening the page is told it is for admins."""
    (student, _), (expert, expert_user), conversation = api.student_and_expert("Ivy", "Ike")
    student.send_message(conversation["id"], "a question about fractions").raise_for_status()
    bad = expert.send_message(conversation["id"], "meet me after school, alone").json()
    filed = student.post("/api/reports", json={"reason": "inappropriate_for_minors", "text": "He wants to meet me",
                                               "conversationId": conversation["id"], "messageId": bad["id"]}).json()
    admin, _ = make_admin("Ada Admin")

    page = ChatPage(browsers()).open_signed_in(stack.lb_url, admin.token)
    page._click('[data-testid="admin-link"]')
    page.wait_until(lambda: filed["id"] in page.admin.report_ids(), message="the report in the queue")
    assert page.admin.reported_text(filed["id"]) == "Ike: meet me after school, alone"
    assert page.accessibility_violations() == []
    page.screenshot("moderation.png")
    page.admin.act(filed["id"], "suspend", note="Asked a student to meet alone", days="7")
    page.wait_until(lambda: filed["id"] not in page.admin.report_ids(), message="gone from the open queue")
    refused = api.login(expert_user["email"])
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "account_suspended"
    assert "until" in refused.json()["error"]["message"]

    page.admin.tab("actioned")
    page.wait_until(lambda: filed["id"] in page.admin.report_ids(), message="under acted on")
    page.admin.restore(filed["id"])
    page.wait_until(lambda: page.admin.status().startswith("Restored"), message="restored")
    assert api.login(expert_user["email"]).status_code == 200
    assert page.console_errors() == []

    other = ChatPage(browsers()).open_signed_in(stack.lb_url, student.token)
    other.driver.get(stack.lb_url + "/chat/admin")
    other.wait_until(other.admin.denied, message="for admins only")
    assert other.accessibility_violations() == []
