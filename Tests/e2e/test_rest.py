"""The foundation's promise, through the load balancer, with curl's eyes: register, log in,
find an expert, open one conversation (twice), talk, page history, read, and stay out of
other people's conversations; and a JSON 503 when the messages service is down."""

import json
import re
import time
import uuid

import requests

from api import Api
from chat import ChatClient


def error_code(response: requests.Response) -> str:
    body = response.json()
    assert set(body) == {"error"} and body["error"]["message"], body
    return body["error"]["code"]


def test_two_users_chat_through_the_load_balancer(api: Api):
    student, student_user = api.register("Ada", "student", login=True)
    expert, expert_user = api.register("Grace", "expert", login=True)

    experts = student.get("/api/chat/experts").json()
    assert expert_user["id"] in [user["id"] for user in experts]
    assert all(user["role"] == "expert" for user in experts)

    opened = student.post("/api/chat/conversations", json={"expertId": expert_user["id"]})
    assert opened.status_code == 201
    conversation = opened.json()
    again = student.post("/api/chat/conversations", json={"participantIds": [expert_user["id"]]})
    assert again.status_code == 200 and again.json()["id"] == conversation["id"]
    assert conversation["lastMessage"]["messageType"] == "SYSTEM"
    assert {p["id"] for p in conversation["participants"]} == {student_user["id"], expert_user["id"]}

    base = f"/api/chat/conversations/{conversation['id']}"
    for index in range(6):
        sender = student if index % 2 == 0 else expert
        sent = sender.send_message(conversation["id"], f"message {index}", clientMessageId=f"m-{index}")
        assert sent.status_code == 201, sent.text
    retry = student.send_message(conversation["id"], "message 0", clientMessageId="m-0")
    assert retry.status_code == 200 and retry.json()["seq"] == 2

    newest = student.get(f"{base}/messages", params={"limit": 3}).json()
    assert [m["seq"] for m in newest["messages"]] == [5, 6, 7] and newest["hasMore"]
    older = student.get(f"{base}/messages", params={"limit": 3, "before": 5}).json()
    assert [m["seq"] for m in older["messages"]] == [2, 3, 4] and older["hasMore"]
    first = student.get(f"{base}/messages", params={"limit": 3, "before": 2}).json()
    assert [m["seq"] for m in first["messages"]] == [1] and not first["hasMore"]
    caught_up = expert.get(f"{base}/messages", params={"after": 4}).json()
    assert [m["content"] for m in caught_up["messages"]] == ["message 3", "message 4", "message 5"]

    def unread(client: Api) -> int:
        listed = client.get("/api/chat/conversations").json()
        return next(c["unreadCount"] for c in listed if c["id"] == conversation["id"])

    assert unread(student) == 3 and unread(expert) == 3
    assert student.post(f"{base}/read", json={"seq": 5}).json()["seq"] == 5
    assert unread(student) == 1
    last = expert.get(f"{base}/messages").json()["messages"][-1]
    expert.post(f"{base}/read", json={"messageId": last["id"]})
    assert unread(expert) == 0

    outsider, _ = api.register("Mallory", "student", login=True)
    for response in [outsider.get(f"{base}/messages"), outsider.send_message(conversation["id"], "hi"),
                     outsider.get(base), outsider.post(f"{base}/read", json={"seq": 1})]:
        assert response.status_code in (403, 404), response.text
        assert error_code(response) in ("forbidden", "not_found")
    assert outsider.get("/api/chat/conversations").json() == []


def test_every_gateway_serves_the_same_data(stack, api: Api):
    student, _ = api.register("Lin", "student", login=True)
    expert, expert_user = api.register("Lou", "expert", login=True)
    conversation = student.post("/api/chat/conversations", json={"expertId": expert_user["id"]}).json()
    for port in (stack.ports.gateway1, stack.ports.gateway2):
        direct = student.via(f"http://127.0.0.1:{port}")
        listed = direct.get("/api/chat/conversations")
        assert listed.status_code == 200 and [c["id"] for c in listed.json()] == [conversation["id"]]


def test_bad_requests_get_the_json_error_shape(api: Api):
    student, _ = api.register("Bo", "student", login=True)
    cases = [
        (api.get("/api/chat/conversations"), 401, "unauthorized"),
        (api.as_user("not.a.token").get("/api/me"), 401, "invalid_token"),
        (api.post("/api/auth/login", data="{", headers={"Content-Type": "application/json"}), 400, "bad_request"),
        (api.login("nobody@example.com", "whatever1"), 401, "invalid_credentials"),
        (student.get(f"/api/chat/conversations/{uuid.uuid4()}/messages"), 404, "not_found"),
        (student.get("/api/chat/conversations/not-an-id/messages"), 400, "bad_request"),
        (student.post("/api/chat/conversations", json={"participantIds": []}), 422, "validation_failed"),
        (student.get("/api/no/such/route"), 404, "not_found"),
        (api.post("/api/auth/login", data=b"x" * (3 * 1024 * 1024), headers={"Content-Type": "application/json"}), 413, "payload_too_large"),
    ]
    for response, status, code in cases:
        assert response.status_code == status, (response.request.url, response.text)
        assert error_code(response) == code
        assert response.headers.get("X-Request-Id")


def test_request_ids_travel_through(api: Api):
    response = api.post("/api/auth/login", json={"email": "x@example.com", "password": "whatever1"},
                        headers={"X-Request-Id": "e2e-trace-1"})
    assert response.headers["X-Request-Id"] == "e2e-trace-1"


def test_a_stopped_messages_service_is_a_json_503_then_recovers(stack, api: Api):
    student, _ = api.register("Stan", "student", login=True)
    stack.stop("messages")
    try:
        started = time.monotonic()
        response = student.get("/api/chat/conversations")
        elapsed = time.monotonic() - started
        assert response.status_code == 503, response.text
        assert error_code(response) == "upstream_unavailable"
        assert response.json()["error"].get("retryable") is True
        assert elapsed < 5
        # The gateways themselves are fine.
        assert api.get("/healthz").status_code == 200
    finally:
        stack.start_service("messages")
    assert student.get("/api/chat/conversations").status_code == 200


UPPER_CASE_ID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def upper_case_ids(text: str) -> list[str]:
    return [found for found in UPPER_CASE_ID.findall(text) if found != found.lower()]


def test_ids_are_written_in_lower_case_and_read_in_any_case(stack, pair):
    """RFC 9562: lower case on output, any case on input; the page keys nodes by these."""
    (student, _), (expert, expert_user), conversation = pair
    with ChatClient(stack.service_url("gateway1"), expert.token) as live:
        live.join(conversation["id"])
        shouted = conversation["id"].upper()
        sent = student.send_message(shouted, "ids in any case", clientMessageId="case-1")
        assert sent.status_code == 201, sent.text
        uploaded = student.upload(shouted, b"%PDF-1.7\n", name="notes.pdf", mime="application/pdf")
        assert uploaded.status_code == 201, uploaded.text
        student.post(f"/api/chat/conversations/{shouted}/read", json={"seq": sent.json()["seq"]}).raise_for_status()
        assert live.recorder.wait_event("messages_read"), "the receipt arrived"
        assert live.recorder.wait_event("new_message", lambda m: m["attachments"]), "the file arrived"
        responses = [sent, uploaded, student.post("/api/chat/conversations", json={"expertId": expert_user["id"].upper()})]
        loud_expert = expert_user["id"].upper()
        responses += [student.get(path) for path in (
            "/api/chat/conversations", f"/api/chat/conversations/{shouted}", f"/api/chat/conversations/{shouted}/messages",
            f"/api/chat/conversations/{shouted}/changes?after=0", "/api/me", f"/api/users/{loud_expert}", f"/api/presence?userIds={loud_expert}",
            "/api/chat/experts", "/api/chat/search?q=case")]
        for response in responses:
            assert response.ok, response.text
            assert upper_case_ids(response.text) == [], response.request.url
            assert UPPER_CASE_ID.search(response.text), response.request.url  # the check saw ids
        events = json.dumps(live.recorder.events)
        assert UPPER_CASE_ID.search(events) and upper_case_ids(events) == []
