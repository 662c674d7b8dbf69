"""The cases of Engine.IO's own conformance suite (socketio/engine.io-protocol,
test-suite/test-suite.js), against a gateway: handshake, heartbeat, close and upgrade over
long-polling and WebSocket. The suite's echo cases ("4hello" sent back) do not apply — a
gateway speaks Socket.IO on top — and binary packets are refused here by design."""

import time

import pytest
import requests
import websocket

from api import Api
from test_polling import WaitingPoll, handshake, poll, post


@pytest.fixture
def base(stack) -> str:
    return stack.service_url("gateway1")


def ws_url(base: str, query: str) -> str:
    return base.replace("http://", "ws://") + "/socket.io/?" + query


def get(base: str, query: str) -> requests.Response:
    return Api(base).get(f"/socket.io/?{query}", timeout=10)


def test_handshake_over_polling_refuses_a_bad_version_transport_or_method(base):
    for query in ("transport=polling", "EIO=abc&transport=polling", "EIO=4", "EIO=4&transport=abc"):
        assert get(base, query).status_code == 400, query
    assert Api(base).post("/socket.io/?EIO=4&transport=polling", timeout=10).status_code == 400
    assert Api(base).put("/socket.io/?EIO=4&transport=polling", timeout=10).status_code == 400


def test_handshake_over_websocket_opens_a_session_or_refuses(base):
    socket = websocket.create_connection(ws_url(base, "EIO=4&transport=websocket"), timeout=10)
    try:
        opened = socket.recv()
        assert opened.startswith('0{"sid":') and '"upgrades":[]' in opened
    finally:
        socket.close()
    for query in ("transport=websocket", "EIO=abc&transport=websocket", "EIO=4&transport=abc"):
        with pytest.raises(websocket.WebSocketBadStatusException) as refused:
            websocket.create_connection(ws_url(base, query), timeout=10)
        assert refused.value.status_code == 400, query


def test_an_invalid_packet_closes_a_polling_session(base):
    sid, _ = handshake(base)
    assert post(base, sid, "abc").status_code == 400
    assert poll(base, sid).status_code == 400


def test_duplicate_polls_close_the_session(base):
    """The second GET is refused (400; the suite also allows Node's 500), the session ends,
    and the first GET learns it from the close packet."""
    sid, _ = handshake(base)
    waiting = WaitingPoll(base, sid)
    assert poll(base, sid).status_code == 400
    first = waiting.answer()
    assert first.status_code == 200 and first.text == "1"
    assert poll(base, sid).status_code == 400


def test_heartbeats_over_polling(base):
    sid, _ = handshake(base)
    for _ in range(3):
        response = poll(base, sid)
        assert response.status_code == 200 and response.text == "2"
        assert post(base, sid, "3").status_code == 200


def test_a_polling_session_without_pongs_times_out(base):
    sid, opened = handshake(base)
    time.sleep((opened["pingInterval"] + opened["pingTimeout"]) / 1000 + 0.5)
    assert poll(base, sid).status_code == 400


def test_the_client_closes_a_polling_session(base):
    sid, _ = handshake(base)
    waiting = WaitingPoll(base, sid)
    post(base, sid, "1")
    assert waiting.answer().status_code == 200 and waiting.answer().text == "6"
    assert poll(base, sid).status_code == 400


def test_the_client_closes_a_websocket_session(base):
    socket = websocket.create_connection(ws_url(base, "EIO=4&transport=websocket"), timeout=10)
    socket.recv()
    socket.send("1")
    deadline = time.monotonic() + 5
    while socket.connected and time.monotonic() < deadline:
        try:
            socket.recv()
        except (websocket.WebSocketConnectionClosedException, OSError):
            break
    assert not socket.connected or socket.recv() == ""


def test_after_an_upgrade_polling_and_a_second_socket_are_turned_away(base):
    sid, _ = handshake(base)
    socket = websocket.create_connection(ws_url(base, f"EIO=4&transport=websocket&sid={sid}"), timeout=10)
    try:
        socket.send("2probe")
        assert socket.recv() == "3probe"
        assert poll(base, sid).text == "6"
        socket.send("5")
        time.sleep(0.2)
        assert poll(base, sid).status_code == 400
        started = time.monotonic()
        with pytest.raises((websocket.WebSocketException, OSError)):
            second = websocket.create_connection(ws_url(base, f"EIO=4&transport=websocket&sid={sid}"), timeout=5)
            second.recv()  # a socket let in is closed at once
        assert time.monotonic() - started < 2
        # The session goes on over the first socket: it answers a ping with a pong.
        socket.send("6")
        while (frame := socket.recv()) != "2":
            pass
        socket.send("3")
        assert socket.connected
    finally:
        socket.close()


def test_a_client_disconnect_leaves_the_namespace_and_keeps_the_engine_session(base, api):
    """socket.io-protocol's suite: after the client's DISCONNECT the Engine.IO session goes
    on (the next packet is a ping), and the client may CONNECT again on it."""
    user_api, _ = api.register("Leaver", login=True)
    socket = websocket.create_connection(ws_url(base, "EIO=4&transport=websocket"), timeout=10)
    try:
        socket.recv()  # the open packet
        socket.send('40{"token":"' + user_api.token + '"}')
        assert socket.recv().startswith('40{"sid":')
        socket.send("41")
        assert socket.recv() == "2"
        socket.send("3")
        socket.send('421["user_online"]')  # an event outside the namespace closes the connection
        with pytest.raises((websocket.WebSocketConnectionClosedException, OSError)):
            while True:
                if socket.recv() == "":
                    raise websocket.WebSocketConnectionClosedException("closed")
    finally:
        socket.close()
    again = websocket.create_connection(ws_url(base, "EIO=4&transport=websocket"), timeout=10)
    try:
        again.recv()
        again.send('40{"token":"' + user_api.token + '"}')
        assert again.recv().startswith('40{"sid":')
        again.send("41")
        again.send('40{"token":"' + user_api.token + '"}')
        while (frame := again.recv()) == "2":
            again.send("3")
        assert frame.startswith('40{"sid":')  # connected again on the same Engine.IO session
    finally:
        again.close()


def connected_polling_session(base: str, token: str) -> str:
    sid, _ = handshake(base)
    assert post(base, sid, '40{"token":"' + token + '"}').text == "ok"
    assert poll(base, sid).text.startswith('40{"sid":')
    return sid


def closed(base: str, sid: str) -> bool:
    """The session is gone: its next GET is the close packet, or the 400 of an unknown sid."""
    answer = poll(base, sid)
    return answer.status_code == 400 or "1" in answer.text.split("\x1e")


def test_socket_io_connect_cases(base, api):
    """socket.io-protocol's suite, "connect": the main namespace (its CONNECT reply carries a
    string sid), another namespace refused with CONNECT_ERROR, and a malformed handshake."""
    user_api, _ = api.register("Connector", login=True)
    sid, _ = handshake(base)
    assert post(base, sid, "40/custom," + '{"token":"' + user_api.token + '"}').text == "ok"
    assert poll(base, sid).text == '44/custom,{"message":"Invalid namespace"}'
    assert post(base, sid, '40{"token":"' + user_api.token + '"}').text == "ok"
    reply = poll(base, sid).text
    assert reply.startswith('40{"sid":"') and len(reply) > len('40{"sid":""}')
    malformed, _ = handshake(base)
    post(base, malformed, "4abc")
    assert closed(base, malformed)


def test_socket_io_event_with_an_ack(base, api):
    """socket.io-protocol's suite, "message": a plain-text event with an ack id is answered
    with that id (unknown events too, with an error rather than silence)."""
    user_api, _ = api.register("Acker", login=True)
    sid = connected_polling_session(base, user_api.token)
    assert post(base, sid, '4256["user_online"]').text == "ok"
    assert ack_of(base, sid, 56).startswith('4356[{"ok":true')
    assert post(base, sid, '4257["echo",{"a":1}]').text == "ok"
    assert ack_of(base, sid, 57).startswith('4357[{"error":{"code":"unknown_event"')


def ack_of(base: str, sid: str, ack_id: int, timeout: float = 10) -> str:
    """The ack packet answering `ack_id`, polled for: the user's own status change may
    reach this socket before it, or after it in the next poll."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for packet in poll(base, sid).text.split("\x1e"):
            if packet.startswith(f"43{ack_id}["):
                return packet
    raise AssertionError(f"no ack {ack_id}")


@pytest.mark.parametrize("packet", [
    "47",                # unknown packet type
    '42/unknown,["a"]',  # a namespace not connected
    '42abc["a"]',        # invalid ack id
    "42[1]",             # invalid event name
    '42{"a":1}',         # not an array
])
def test_socket_io_invalid_packets_close_the_connection(base, api, packet):
    """socket.io-protocol's suite, "should close the connection upon invalid format"."""
    user_api, _ = api.register("Invalid", login=True)
    sid = connected_polling_session(base, user_api.token)
    post(base, sid, packet)
    assert closed(base, sid)
