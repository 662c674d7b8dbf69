"""The real-time surface with a real third-party client, python-socketio, with every
service running: each scenario twice, over WebSockets straight to two gateways at once, and
through the load balancer with the client's default transports (long-polling, then the
upgrade), as an unchanged client arrives."""

import json
import socket
import time
import uuid

import pytest
import socketio
import websocket

from chat import ChatClient, Route


@pytest.fixture
def gateways(stack) -> tuple[str, str]:
    return stack.service_url("gateway1"), stack.service_url("gateway2")


@pytest.fixture(params=["websocket-per-gateway", "default-transports-via-lb"])
def routes(request, stack) -> Route:
    if request.param == "websocket-per-gateway":
        return Route((stack.service_url("gateway1"), stack.service_url("gateway2")), ("websocket",))
    return Route((stack.lb_url, stack.lb_url), None)


def test_a_message_reaches_every_member_once_across_gateways(routes, pair):
    (a_api, a_user), (b_api, _), conversation = pair
    with routes.client(0, a_api.token, "/api/socket/") as a, routes.client(1, b_api.token) as b:
        # Through haproxy, the default client's upgrade reaches the gateway holding its session.
        assert a.upgraded() and b.upgraded()
        assert a.join(conversation["id"])["lastSeq"] == 1
        assert b.join(conversation["id"])["lastSeq"] == 1
        ack = a.call("send_message", {"conversationId": conversation["id"], "content": "hello across gateways", "clientMessageId": "c-1"})
        assert ack["ok"] and ack["message"]["seq"] == 2 and ack["message"]["senderId"] == a_user["id"]
        assert ack["message"]["content"] == "hello across gateways"
        for client in (a, b):
            assert client.recorder.wait_event("new_message", lambda m: m["id"] == ack["message"]["id"])
        time.sleep(0.5)
        assert [m["id"] for m in a.recorder.of("new_message")] == [ack["message"]["id"]]
        assert [m["id"] for m in b.recorder.of("new_message")] == [ack["message"]["id"]]
        # The same clientMessageId again is the same message, delivered to nobody twice.
        again = a.call("send_message", {"conversationId": conversation["id"], "content": "hello across gateways", "clientMessageId": "c-1"})
        assert again["message"]["id"] == ack["message"]["id"]
        time.sleep(0.5)
        assert len(b.recorder.of("new_message")) == 1


def test_typing_reaches_the_others_not_the_typist_and_expires(routes, pair):
    (a_api, a_user), (b_api, _), conversation = pair
    with routes.client(0, a_api.token) as a, routes.client(1, b_api.token) as b:
        a.join(conversation["id"])
        b.join(conversation["id"])
        assert a.call("typing", {"conversationId": conversation["id"]})["ok"]
        started = b.recorder.wait_event("user_typing", lambda e: e["isTyping"])
        assert started == {"conversationId": conversation["id"], "userId": a_user["id"], "isTyping": True}
        # Nobody says "stopped": the indicator ends by itself.
        began = time.monotonic()
        assert b.recorder.wait_event("user_typing", lambda e: not e["isTyping"], timeout=15)
        assert 3 < time.monotonic() - began < 12
        assert a.recorder.of("user_typing") == []


def test_mark_read_reaches_the_sender(routes, pair):
    (a_api, _), (b_api, b_user), conversation = pair
    with routes.client(0, a_api.token) as a, routes.client(1, b_api.token) as b:
        a.join(conversation["id"])
        b.join(conversation["id"])
        sent = a.call("send_message", {"conversationId": conversation["id"], "content": "read me"})["message"]
        ack = b.call("mark_read", {"conversationId": conversation["id"], "messageId": sent["id"]})
        assert ack["ok"] and ack["seq"] == sent["seq"]
        receipt = a.recorder.wait_event("messages_read")
        assert receipt["userId"] == b_user["id"] and receipt["seq"] == sent["seq"]


def test_status_follows_connections_on_any_gateway(routes, pair):
    (a_api, _), (b_api, b_user), conversation = pair
    b_id = b_user["id"]

    def presence() -> str:
        return a_api.status_of(b_id)

    with routes.client(0, a_api.token) as a:
        b = routes.client(1, b_api.token).connect()
        assert a.recorder.wait_event("user_status_changed", lambda e: e["userId"] == b_id and e["status"] == "online")
        assert presence() == "online"
        experts = a_api.get("/api/chat/experts").json()
        assert next(e for e in experts if e["id"] == b_id)["online"] is True

        # A second device keeps B online when the first goes.
        second = routes.client(0, b_api.token).connect()
        b.disconnect()
        time.sleep(1.5)
        assert presence() == "online"
        second.disconnect()
        offline = a.recorder.wait_event("user_status_changed", lambda e: e["userId"] == b_id and e["status"] == "offline")
        assert offline and offline["lastSeenAt"]
        assert presence() == "offline"

        b = routes.client(1, b_api.token).connect()
        online_events = lambda: [e for e in a.recorder.of("user_status_changed") if e["userId"] == b_id and e["status"] == "online"]
        assert a.recorder.wait_for(lambda: len(online_events()) == 2)
        # Appearing offline by choice, and back.
        assert b.call("user_offline")["status"] == "offline"
        assert a.recorder.wait_for(lambda: len([e for e in a.recorder.of("user_status_changed") if e["userId"] == b_id and e["status"] == "offline"]) == 2)
        assert presence() == "offline"
        assert b.call("user_online")["status"] == "online"
        assert a.recorder.wait_for(lambda: len(online_events()) == 3)
        b.disconnect()


def test_status_changes_reach_contacts_only(api, routes, pair):
    (a_api, _), (b_api, b_user), _ = pair
    stranger_token = api.register("Stranger")[0].token
    with routes.client(0, a_api.token) as a, routes.client(0, stranger_token) as stranger:
        with routes.client(1, b_api.token):
            assert a.recorder.wait_event("user_status_changed", lambda e: e["userId"] == b_user["id"])
        time.sleep(1)
        assert [e for e in stranger.recorder.of("user_status_changed") if e["userId"] == b_user["id"]] == []


def test_a_watcher_hears_the_status_of_whom_it_watches_once_and_no_more(api, routes, pair):
    """`watch_statuses`, as a student browsing experts sends it: the status of users who are
    no contacts, told once even to a contact who also watches, replaced by the next watch."""
    (a_api, _), (b_api, b_user), _ = pair
    b_id = b_user["id"]
    watcher_token = api.register("Browser")[0].token
    _, other = api.register("Quiet", "expert")

    def of_b(client: ChatClient, status: str) -> list[dict]:
        return [e for e in client.recorder.of("user_status_changed") if e["userId"] == b_id and e["status"] == status]

    with routes.client(0, watcher_token) as watcher, routes.client(0, a_api.token) as contact:
        assert watcher.call("watch_statuses", {"userIds": [b_id.upper(), other["id"]]}) == {"ok": True, "online": []}
        assert contact.call("watch_statuses", {"userIds": [b_id]}) == {"ok": True, "online": []}
        b = routes.client(1, b_api.token).connect()
        assert watcher.recorder.wait_for(lambda: of_b(watcher, "online"))
        assert contact.recorder.wait_for(lambda: of_b(contact, "online"))
        with routes.client(1, api.register("Latecomer")[0].token) as late:  # the ack tells who is online already
            assert late.call("watch_statuses", {"userIds": [b_id, other["id"]]}) == {"ok": True, "online": [b_id]}
        b.disconnect()
        assert watcher.recorder.wait_for(lambda: of_b(watcher, "offline"))
        assert contact.recorder.wait_for(lambda: of_b(contact, "offline"))
        time.sleep(0.5)
        assert (len(of_b(contact, "online")), len(of_b(contact, "offline"))) == (1, 1)  # once, though contact and watcher
        assert (len(of_b(watcher, "online")), len(of_b(watcher, "offline"))) == (1, 1)

        # The next watch replaces this one: B is no longer followed.
        assert watcher.call("watch_statuses", {"userIds": [other["id"]]}) == {"ok": True, "online": []}
        with routes.client(1, b_api.token):
            assert contact.recorder.wait_for(lambda: len(of_b(contact, "online")) == 2)
            time.sleep(0.5)
        assert len(of_b(watcher, "online")) == 1

        too_many = watcher.call("watch_statuses", {"userIds": [str(uuid.uuid4()) for _ in range(101)]})
        assert too_many["error"]["code"] == "validation_failed", too_many
        assert watcher.call("watch_statuses", {"userIds": ["not-an-id"]})["error"]["code"] == "bad_request"
        assert watcher.call("watch_statuses", {})["error"]["code"] == "bad_request"
        assert watcher.client.connected


def test_a_notification_reaches_a_member_outside_the_room(routes, pair):
    (a_api, _), (b_api, _), conversation = pair
    with routes.client(0, a_api.token) as a, routes.client(1, b_api.token) as b:
        a.join(conversation["id"])
        sent = a.call("send_message", {"conversationId": conversation["id"], "content": "ping"})["message"]
        note = b.recorder.wait_event("notification")
        assert note == {"type": "new_message", "conversationId": conversation["id"], "message": sent}
        assert b.recorder.of("new_message") == []  # not in the room
        assert a.recorder.of("notification") == []  # not to the sender


def test_a_member_in_the_room_gets_the_message_not_a_notification(routes, pair):
    (a_api, _), (b_api, _), conversation = pair
    # b has two devices: one looking at the conversation, one elsewhere (on the other gateway).
    with routes.client(0, a_api.token) as a, routes.client(1, b_api.token) as viewing, routes.client(0, b_api.token) as away:
        a.join(conversation["id"])
        viewing.join(conversation["id"])
        sent = a.call("send_message", {"conversationId": conversation["id"], "content": "look"})["message"]
        assert viewing.recorder.wait_event("new_message")["id"] == sent["id"]
        assert away.recorder.wait_event("notification")["message"]["id"] == sent["id"]
        time.sleep(0.5)
        assert viewing.recorder.of("notification") == []
        assert away.recorder.of("new_message") == [] and len(away.recorder.of("notification")) == 1


@pytest.mark.parametrize("token", [None, "", "not-a-jwt", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."])
def test_a_bad_token_is_refused_at_connect(gateways, token):
    client = socketio.Client(reconnection=False)
    refusals = []
    client.on("connect_error", lambda data: refusals.append(data))
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(gateways[0], transports=["websocket"], auth={"token": token} if token is not None else None, wait_timeout=5)
    assert not client.connected
    assert len(refusals) == 1 and "token" in refusals[0]["message"]
    assert refusals[0]["data"]["code"] in ("unauthorized", "invalid_token")


def test_non_members_cannot_join_or_send(api, routes, pair):
    (_, _), (_, _), conversation = pair
    outsider_token = api.register("Mallory")[0].token
    with routes.client(0, outsider_token) as outsider:
        joined = outsider.call("join_conversation", {"conversationId": conversation["id"]})
        assert joined["error"]["code"] == "forbidden"
        sent = outsider.call("send_message", {"conversationId": conversation["id"], "content": "let me in"})
        assert sent["error"]["code"] == "forbidden"
        typed = outsider.call("typing", {"conversationId": conversation["id"]})
        assert typed["error"]["code"] == "not_joined"
        read = outsider.call("mark_read", {"conversationId": conversation["id"], "seq": 1})
        assert read["error"]["code"] == "forbidden"
        missing = outsider.call("join_conversation", {"conversationId": str(uuid.uuid4())})
        assert missing["error"]["code"] == "not_found"
    student = pair[0][0]
    assert [m["seq"] for m in student.history(conversation["id"])] == [1]


@pytest.mark.parametrize("event,payload,code", [
    ("no_such_event", {}, "unknown_event"),
    ("send_message", None, "bad_request"),
    ("send_message", {"conversationId": "not-a-uuid", "content": "x"}, "bad_request"),
    ("send_message", {"content": "no conversation"}, "bad_request"),
    ("send_message", {"conversationId": str(uuid.uuid4()), "content": 42}, "bad_request"),
    ("send_message", {"conversationId": str(uuid.uuid4()), "content": "   "}, "validation_failed"),
    ("send_message", {"conversationId": str(uuid.uuid4()), "content": "x", "messageType": "SYSTEM"}, "validation_failed"),
    ("join_conversation", "not-a-uuid", "bad_request"),
    ("join_conversation", [1, 2], "bad_request"),
    ("mark_read", {"conversationId": str(uuid.uuid4())}, "validation_failed"),
])
def test_bad_events_are_answered_in_their_ack(api, routes, event, payload, code):
    token = api.register("Bad")[0].token
    with routes.client(1, token) as client:
        ack = client.call(event, payload)
        assert ack["error"]["code"] == code, ack
        assert ack["error"]["message"]
        assert client.client.connected


def test_binary_payloads_are_refused_cleanly(api, gateways):
    token = api.register("Binary")[0].token
    with ChatClient(gateways[0], token) as client:
        ack = client.call("send_message", {"conversationId": str(uuid.uuid4()), "content": b"\x00\x01 raw bytes"})
        assert ack["error"]["code"] == "bad_request" and "upload" in ack["error"]["message"]
        assert client.call("no_such_event")["error"]["code"] == "unknown_event"  # the connection goes on


def test_content_over_the_limit_is_refused(routes, pair):
    (a_api, _), _, conversation = pair
    with routes.client(0, a_api.token) as a:
        ack = a.call("send_message", {"conversationId": conversation["id"], "content": "x" * 10_001})
        assert ack["error"]["code"] == "validation_failed"
    assert len(a_api.history(conversation["id"])) == 1


def raw_socket(url: str) -> websocket.WebSocket:
    ws = websocket.create_connection(url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket", timeout=10)
    opened = ws.recv()
    assert opened.startswith("0{") and set(json.loads(opened[1:])) == {"sid", "upgrades", "pingInterval", "pingTimeout", "maxPayload"}
    return ws


@pytest.mark.parametrize("garbage", ["hello", "9", "4x", "42[\"unterminated", "2", "40{\"token\":1"])
def test_garbage_on_a_raw_websocket_is_closed_cleanly_and_the_next_client_is_served(api, gateways, garbage):
    ws = raw_socket(gateways[0])
    ws.send(garbage)
    if garbage.startswith("40"):
        # A CONNECT with a token that is not a string is refused, not fatal.
        assert ws.recv().startswith("44")
        ws.send("42[\"x\"]")  # an event before a successful CONNECT ends it
    frame = ws.recv_data_frame(control_frame=True)[1]
    assert frame.opcode == websocket.ABNF.OPCODE_CLOSE
    ws.close()
    token = api.register("Next")[0].token
    with ChatClient(gateways[0], token) as client:
        assert client.call("no_such_event")["error"]["code"] == "unknown_event"


def test_a_frame_over_max_payload_closes_the_connection(api, gateways):
    ws = raw_socket(gateways[1])
    try:
        ws.send("4" + "2[\"x\",\"" + "a" * 200_000 + "\"]")
        frame = ws.recv_data_frame(control_frame=True)[1]
        assert frame.opcode == websocket.ABNF.OPCODE_CLOSE
        assert int.from_bytes(frame.data[:2], "big") == 1009  # message too big
    except (ConnectionResetError, BrokenPipeError, websocket.WebSocketConnectionClosedException):
        pass  # closed while the rest of the frame was still on its way: also refused
    ws.close()
    token = api.register("After")[0].token
    with ChatClient(gateways[1], token) as client:
        assert client.call("no_such_event")["error"]["code"] == "unknown_event"


def test_the_server_pings_and_a_silent_client_is_dropped(stack, api):
    # The e2e stack pings every second and waits 3 s for the pong (see conftest).
    token = api.register("Silent")[0].token
    ws = raw_socket_with_timing(stack.service_url("gateway1"), token)
    while (frame := ws.recv()) != "2":
        assert frame.startswith("42")  # the user's own status change, say
    ws.send("3")
    assert ws.recv() == "2"  # still alive after answering
    started = time.monotonic()
    frame = ws.recv_data_frame(control_frame=True)[1]  # no answer this time, nor to what follows
    while frame.opcode == websocket.ABNF.OPCODE_TEXT:
        assert frame.data == b"2"
        frame = ws.recv_data_frame(control_frame=True)[1]
    assert frame.opcode == websocket.ABNF.OPCODE_CLOSE
    assert 2 < time.monotonic() - started < 6


def raw_socket_with_timing(url: str, token: str) -> websocket.WebSocket:
    ws = websocket.create_connection(url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket", timeout=10)
    handshake = json.loads(ws.recv()[1:])
    assert handshake["pingInterval"] == 1000 and handshake["pingTimeout"] == 3000 and handshake["upgrades"] == []
    ws.send("40" + json.dumps({"token": token}))
    assert ws.recv().startswith("40")
    return ws


def test_flooding_is_rate_limited_and_the_client_survives(api, gateways):
    token = api.register("Flood")[0].token
    with ChatClient(gateways[0], token) as client:
        answers = [client.call("no_such_event", timeout=5)["error"]["code"] for _ in range(5)]
        assert answers == ["unknown_event"] * 5
        ws_client = client.client
        results = []
        for index in range(120):
            ws_client.emit("no_such_event", {}, callback=lambda answer: results.append(answer["error"]["code"]))
        deadline = time.monotonic() + 10
        while len(results) < 120 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "rate_limited" in results and "unknown_event" in results
        time.sleep(2.5)  # the allowance refills
        assert client.call("no_such_event")["error"]["code"] == "unknown_event"


def test_a_client_that_missed_messages_catches_up_from_its_last_seq(stack, routes, pair):
    (a_api, _), (b_api, _), conversation = pair
    with routes.client(0, a_api.token) as a:
        a.join(conversation["id"])
        with routes.client(1, b_api.token) as b:
            last_seen = b.join(conversation["id"])["lastSeq"]
        for index in range(5):
            a.call("send_message", {"conversationId": conversation["id"], "content": f"while you were away {index}"})
        with routes.client(1, b_api.token) as b:
            joined = b.join(conversation["id"])
            assert joined["lastSeq"] == last_seen + 5
            missed = b.call("sync_conversation", {"conversationId": conversation["id"], "after": last_seen})
            assert [m["content"] for m in missed["messages"]] == [f"while you were away {i}" for i in range(5)]
            assert missed["hasMore"] is False
            paged = b.call("sync_conversation", {"conversationId": conversation["id"], "after": last_seen, "limit": 2})
            assert len(paged["messages"]) == 2 and paged["hasMore"] is True


def redis_command(stack, *parts: str):
    with socket.create_connection(("127.0.0.1", stack.ports.redis)) as connection:
        connection.sendall(("*%d\r\n" % len(parts) + "".join("$%d\r\n%s\r\n" % (len(p), p) for p in parts)).encode())
        return connection.recv(65536).decode()


def subscribers(stack, channel: str) -> int:
    """Gateways subscribed to the channel: on a cluster, sharded subscriptions on any node."""
    if stack.redis_cluster:
        return sum(int(stack.redis_cli("PUBSUB", "SHARDNUMSUB", channel, port=port).split("\n")[-1] or 0)
                   for port in stack.redis_nodes)
    reply = redis_command(stack, "PUBSUB", "NUMSUB", channel).split("\r\n")  # *2, $n, channel, :count
    return int(reply[3].lstrip(":"))


def test_each_gateway_subscribes_once_per_conversation(stack, gateways, pair):
    (a_api, _), (b_api, _), conversation = pair
    channel = "conv:" + conversation["id"].lower()
    clients = [ChatClient(gateways[0], a_api.token).connect() for _ in range(3)] + [ChatClient(gateways[1], b_api.token).connect()]
    try:
        for client in clients:
            client.join(conversation["id"])
        assert subscribers(stack, channel) == 2  # one per gateway, not one per socket
        clients[0].call("leave_conversation", {"conversationId": conversation["id"]})
        clients[1].disconnect()
        assert subscribers(stack, channel) == 2
        clients[2].call("leave_conversation", {"conversationId": conversation["id"]})
        time.sleep(0.3)
        assert subscribers(stack, channel) == 1  # gateway 1 has nobody left in it
        clients[3].disconnect()
        time.sleep(0.5)
        assert subscribers(stack, channel) == 0
    finally:
        for client in clients:
            client.disconnect()


def test_a_client_may_send_its_token_in_the_upgrades_authorization_header(api, gateways):
    token = api.register("Header")[0].token
    url = gateways[0].replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    for header, answer in ((f"Bearer {token}", "40{"), ("Bearer not-a-token", "44"), (f"Basic {token}", "44")):
        ws = websocket.create_connection(url, timeout=10, header=[f"Authorization: {header}"])
        assert ws.recv().startswith("0{")
        ws.send("40")  # no auth payload: the header is the token
        assert ws.recv().startswith(answer), header
        ws.close()


def test_a_new_conversation_makes_its_members_hear_of_each_others_status(stack, api):
    """Both online first, the conversation made after: presence must not keep telling the
    expert's status to the expert's contacts as they were at connect (it once did, for 30 s)."""
    student_api, _ = api.register("Newcomer")
    expert_api, expert = api.register("Mentor", "expert")
    with ChatClient(stack.service_url("gateway1"), student_api.token) as student:
        mentor = ChatClient(stack.service_url("gateway2"), expert_api.token).connect()
        time.sleep(0.5)  # its status was told to nobody: it had no contacts
        student_api.open_conversation(expert)
        mentor.disconnect()
        offline = student.recorder.wait_event("user_status_changed", lambda e: e["userId"] == expert["id"] and e["status"] == "offline")
        assert offline, student.recorder.of("user_status_changed")
