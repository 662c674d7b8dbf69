"""Engine.IO 4 long-polling, as clients that cannot (or will not) open a WebSocket use it:
the whole Socket.IO layer over GET and POST, and the protocol's own answers to misuse."""

import json
import threading
import time

import requests

from chat import ChatClient, student_and_expert

RS = "\x1e"  # the record separator between packets


def handshake(base: str, path: str = "/socket.io/", **headers) -> tuple[str, dict]:
    response = requests.get(f"{base}{path}", params={"EIO": "4", "transport": "polling"}, headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    assert response.text.startswith("0")
    opened = json.loads(response.text[1:])
    return opened["sid"], opened


def poll(base: str, sid: str, timeout: float = 10) -> requests.Response:
    return requests.get(f"{base}/socket.io/", params={"EIO": "4", "transport": "polling", "sid": sid}, timeout=timeout)


def post(base: str, sid: str, body: str) -> requests.Response:
    return requests.post(f"{base}/socket.io/", params={"EIO": "4", "transport": "polling", "sid": sid}, data=body.encode(), timeout=10)


def test_a_polling_client_chats_with_a_websocket_client_through_the_load_balancer(stack):
    (student_token, _), (expert_token, expert), conversation = student_and_expert(stack.lb_url, "Pollie", "Socka")
    with ChatClient(stack.lb_url, student_token, path="/api/socket/", transports=("polling",)) as poller, \
            ChatClient(stack.service_url("gateway2"), expert_token) as socket_client:
        assert poller.client.transport() == "polling"
        poller.join(conversation["id"])
        socket_client.join(conversation["id"])
        sent = poller.call("send_message", {"conversationId": conversation["id"], "content": "over polling", "clientMessageId": "p-1"})
        assert sent["ok"] and sent["message"]["content"] == "over polling"
        assert socket_client.recorder.wait_event("new_message", lambda m: m["content"] == "over polling")
        socket_client.call("typing", {"conversationId": conversation["id"]})
        assert poller.recorder.wait_event("user_typing", lambda t: t["userId"] == expert["id"] and t["isTyping"])
        answer = socket_client.call("send_message", {"conversationId": conversation["id"], "content": "to the poller"})
        assert answer["ok"]
        delivered = poller.recorder.wait_event("new_message", lambda m: m["content"] == "to the poller")
        assert delivered and delivered["seq"] == answer["message"]["seq"]
        assert poller.call("no_such_event", {})["error"]["code"] == "unknown_event"


def test_the_handshake_connect_and_packets_follow_the_protocol(stack, api):
    base = stack.service_url("gateway1")
    user_api, _ = api.register("Raw")
    sid, opened = handshake(base)
    assert set(opened) == {"sid", "upgrades", "pingInterval", "pingTimeout", "maxPayload"}
    assert opened["pingInterval"] == 1000 and opened["pingTimeout"] == 3000 and opened["maxPayload"] == 131072
    assert post(base, sid, "40" + json.dumps({"token": user_api.token})).text == "ok"
    connected = poll(base, sid).text.split(RS)
    assert connected[0].startswith('40{"sid":')
    # Two packets in one POST, answered in order in one GET.
    assert post(base, sid, '421["join_conversation",{"conversationId":"nope"}]' + RS + '422["user_online"]').text == "ok"
    packets = []
    deadline = time.monotonic() + 10
    while len([p for p in packets if p.startswith("43")]) < 2 and time.monotonic() < deadline:
        packets += [p for p in poll(base, sid).text.split(RS) if p != "2"]
    acks = [p for p in packets if p.startswith("43")]
    assert acks[0].startswith("431[") and '"error"' in acks[0] and acks[1].startswith('432[{"ok":true')


def test_misuse_gets_engine_io_errors(stack):
    base = stack.service_url("gateway1")
    unknown = poll(base, "no-such-session")
    assert unknown.status_code == 400 and unknown.json() == {"code": 1, "message": "Session ID unknown"}
    assert post(base, "no-such-session", "6").json()["code"] == 1
    old = requests.get(f"{base}/socket.io/", params={"EIO": "3", "transport": "polling"}, timeout=10)
    assert old.status_code == 400 and old.json()["code"] == 5
    other = requests.get(f"{base}/socket.io/", params={"EIO": "4", "transport": "carrier-pigeon"}, timeout=10)
    assert other.status_code == 400 and other.json()["code"] == 0
    foreign = requests.get(f"{base}/socket.io/", params={"EIO": "4", "transport": "polling"}, headers={"Origin": "https://evil.example"}, timeout=10)
    assert foreign.status_code == 403

    # A payload over maxPayload is refused and ends the session.
    sid, _ = handshake(base)
    assert post(base, sid, "4" + "x" * 200_000).status_code == 413
    assert "1" in poll(base, sid).text.split(RS)

    # Two GETs at once break the protocol: the second is refused, the session ends, and
    # the first learns it from the close packet.
    sid, _ = handshake(base)
    first: list[requests.Response] = []
    waiting = threading.Thread(target=lambda: first.append(poll(base, sid)))
    waiting.start()
    time.sleep(0.3)
    assert poll(base, sid).status_code == 400
    waiting.join(timeout=10)
    assert first and "1" in first[0].text.split(RS)


def test_a_session_that_stops_polling_ends(stack):
    base = stack.service_url("gateway2")
    sid, opened = handshake(base)
    # Pings every second, pong within three: one who never answers is gone within about five.
    time.sleep((opened["pingInterval"] + opened["pingTimeout"]) / 1000 + 1.5)
    late = poll(base, sid)
    assert late.status_code == 400 or "1" in late.text.split(RS), late.text
