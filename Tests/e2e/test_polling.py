"""Engine.IO 4 long-polling, as clients that cannot (or will not) open a WebSocket use it:
the whole Socket.IO layer over GET and POST, and the protocol's own answers to misuse."""

import json
import threading
import time

import requests
import websocket

from api import Api
from chat import ChatClient

RS = "\x1e"  # the record separator between packets


# Engine.IO's long-polling is plain HTTP to one gateway: made with the one client too, without
# a token (a session is authenticated by its CONNECT packet, not by a header).
def handshake(base: str, path: str = "/socket.io/", **headers) -> tuple[str, dict]:
    response = Api(base).get(path, params={"EIO": "4", "transport": "polling"}, headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    assert response.text.startswith("0")
    opened = json.loads(response.text[1:])
    return opened["sid"], opened


def poll(base: str, sid: str, timeout: float = 10) -> requests.Response:
    return Api(base).get("/socket.io/", params={"EIO": "4", "transport": "polling", "sid": sid}, timeout=timeout)


class WaitingPoll:
    """A GET started in the background and given a moment to reach the gateway, where it
    waits; `answer()` is what it got."""

    def __init__(self, base: str, sid: str):
        self.answers: list[requests.Response] = []
        self.thread = threading.Thread(target=lambda: self.answers.append(poll(base, sid)))
        self.thread.start()
        time.sleep(0.3)

    def answer(self) -> requests.Response:
        self.thread.join(timeout=10)
        return self.answers[0]


def post(base: str, sid: str, body: str) -> requests.Response:
    return Api(base).post("/socket.io/", params={"EIO": "4", "transport": "polling", "sid": sid}, data=body.encode(), timeout=10)


def test_a_polling_client_chats_with_a_websocket_client_through_the_load_balancer(stack, api):
    (student, _), (expert_api, expert), conversation = api.student_and_expert("Pollie", "Socka")
    with ChatClient(stack.lb_url, student.token, path="/api/socket/", transports=("polling",)) as poller, \
            ChatClient(stack.service_url("gateway2"), expert_api.token) as socket_client:
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


def test_the_load_balancer_spreads_sessions_and_keeps_each_on_its_gateway(stack, api):
    """Handshakes through haproxy land on both gateways; every later request of a session,
    sent through haproxy too, reaches the one gateway that holds it (sticky by `sid`)."""
    user_api, _ = api.register("Sticky", login=True)
    gateways = {name: stack.service_url(name) for name in ("gateway1", "gateway2")}
    holders = []
    for _ in range(6):
        sid, _ = handshake(stack.lb_url)
        # Exactly one gateway knows the session; the other answers Engine.IO's 400.
        answers = {name: post(base, sid, "40" + json.dumps({"token": user_api.token})) for name, base in gateways.items()}
        held = [name for name, answer in answers.items() if answer.status_code == 200]
        assert len(held) == 1 and all(a.json() == {"code": 1, "message": "Session ID unknown"} for n, a in answers.items() if n not in held)
        holders.append(held[0])
        assert poll(stack.lb_url, sid).text.startswith('40{"sid":')
        assert post(stack.lb_url, sid, '421["no_such_event"]').text == "ok"
        # The ack (maybe after this user's status change, seen by its earlier sessions' contacts).
        assert any(p.startswith('431[{"error":{"code":"unknown_event"') for p in poll(stack.lb_url, sid).text.split(RS))
    assert set(holders) == set(gateways)


def test_the_handshake_connect_and_packets_follow_the_protocol(stack, api):
    base = stack.service_url("gateway1")
    user_api, _ = api.register("Raw", login=True)
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
    gateway = Api(base)
    old = gateway.get("/socket.io/", params={"EIO": "3", "transport": "polling"}, timeout=10)
    assert old.status_code == 400 and old.json()["code"] == 5
    other = gateway.get("/socket.io/", params={"EIO": "4", "transport": "carrier-pigeon"}, timeout=10)
    assert other.status_code == 400 and other.json()["code"] == 0
    foreign = gateway.get("/socket.io/", params={"EIO": "4", "transport": "polling"}, headers={"Origin": "https://evil.example"}, timeout=10)
    assert foreign.status_code == 403

    # A payload over maxPayload is refused and ends the session.
    sid, _ = handshake(base)
    assert post(base, sid, "4" + "x" * 200_000).status_code == 413
    assert poll(base, sid).status_code == 400
    # Two GETs at once: test_engine_io_conformance.py.


def test_a_session_that_stops_polling_ends(stack):
    base = stack.service_url("gateway2")
    sid, opened = handshake(base)
    # Pings every second, pong within three: one who never answers is gone within about five.
    time.sleep((opened["pingInterval"] + opened["pingTimeout"]) / 1000 + 1.5)
    late = poll(base, sid)
    assert late.status_code == 400 or "1" in late.text.split(RS), late.text


def test_a_default_client_starts_polling_and_upgrades_without_losing_a_message(stack, api):
    """python-socketio's defaults, as the JS client's: polling first, then the upgrade, in
    the middle of a stream of messages; every message after the join arrives once, in order."""
    (student, _), (expert, _), conversation = api.student_and_expert("Upton", "Streamer")
    with ChatClient(stack.service_url("gateway2"), expert.token) as sender:
        sender.join(conversation["id"])
        def stream():  # 25 a second: under the allowance of 30, so none is refused
            for index in range(100):
                assert sender.call("send_message", {"conversationId": conversation["id"], "content": f"m{index}"})["ok"]
                time.sleep(0.04)

        sending = threading.Thread(target=stream)
        sending.start()
        with ChatClient(stack.lb_url, student.token, transports=("polling", "websocket")) as upgrading:
            joined = upgrading.join(conversation["id"])
            assert upgrading.upgraded()
            sending.join(timeout=60)
            last = sender.call("send_message", {"conversationId": conversation["id"], "content": "last"})
            assert upgrading.recorder.wait_event("new_message", lambda m: m["seq"] == last["message"]["seq"])
            expected = [m["seq"] for m in student.history(conversation["id"], after=joined["lastSeq"])]
            assert [m["seq"] for m in upgrading.recorder.of("new_message")] == expected
            assert upgrading.call("send_message", {"conversationId": conversation["id"], "content": "over the upgraded socket"})["ok"]


def test_the_upgrade_follows_the_protocol(stack, api):
    base = stack.service_url("gateway1")
    user_api, _ = api.register("Probe", login=True)
    sid, opened = handshake(base)
    assert opened["upgrades"] == ["websocket"]
    assert post(base, sid, "40" + json.dumps({"token": user_api.token})).text == "ok"
    assert poll(base, sid).text.split(RS)[0].startswith('40{"sid":')
    waiting = WaitingPoll(base, sid)
    socket = websocket.create_connection(
        base.replace("http://", "ws://") + f"/socket.io/?EIO=4&transport=websocket&sid={sid}", timeout=10
    )
    try:
        socket.send("2probe")
        assert socket.recv() == "3probe"
        # The waiting GET is released with a noop (or, if an event answered it first, the next).
        released = waiting.answer() if "6" in waiting.answer().text.split(RS) else poll(base, sid)
        assert "6" in released.text.split(RS)
        socket.send("5")
        socket.send('421["user_online"]')
        while (frame := socket.recv()) == "2":
            socket.send("3")
        assert frame.startswith('431[{"ok":true')
        after = poll(base, sid)
        assert after.status_code == 400  # polling is over for this session
    finally:
        socket.close()
    unknown = Api(base).get("/socket.io/", params={"EIO": "4", "transport": "websocket", "sid": "nope"},
                            headers={"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
                                     "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}, timeout=10)
    assert unknown.status_code == 400 and unknown.json()["code"] == 1
