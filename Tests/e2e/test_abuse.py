"""What an attacker would try, against the real stack: each way found to exhaust a service
(issue #15), reproduced and refused, with the service still serving others."""

import json
import time

import pytest
import websocket

from chat import ChatClient, register

CONNECT_TIMEOUT = 4  # SOCKET_CONNECT_TIMEOUT in conftest


def raw_socket(base: str) -> websocket.WebSocket:
    ws = websocket.create_connection(base.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket", timeout=15)
    assert ws.recv().startswith("0{")
    return ws


def seconds_until_closed(ws: websocket.WebSocket) -> float:
    """Answers every ping, as a client holding the socket would; how long until the close."""
    started = time.monotonic()
    while True:
        opcode, frame = ws.recv_data_frame(control_frame=True)
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            return time.monotonic() - started
        if frame.data == b"2":
            ws.send("3")


@pytest.mark.parametrize("attempt", ["another namespace", "a bad token", "connect, then DISCONNECT"])
def test_a_socket_without_an_accepted_connect_is_closed_whatever_it_sent(stack, attempt):
    """A CONNECT refused, or left with DISCONNECT, does not keep a socket open: it is closed
    within two connect timeouts, pings answered or not."""
    token, _ = register(stack.lb_url, "Holder")
    ws = raw_socket(stack.service_url("gateway1"))
    try:
        if attempt == "another namespace":
            ws.send('40/admin,{"token":"' + token + '"}')
            assert ws.recv() == '44/admin,{"message":"Invalid namespace"}'
        elif attempt == "a bad token":
            ws.send('40{"token":"not-a-jwt"}')
            assert json.loads(ws.recv()[2:])["data"]["code"] == "invalid_token"
        else:
            ws.send('40{"token":"' + token + '"}')
            assert ws.recv().startswith('40{"sid":')
            ws.send("41")
        assert seconds_until_closed(ws) < 2 * CONNECT_TIMEOUT + 2
    finally:
        ws.close()
    with ChatClient(stack.service_url("gateway1"), token) as client:  # others are still served
        assert client.call("no_such_event")["error"]["code"] == "unknown_event"
