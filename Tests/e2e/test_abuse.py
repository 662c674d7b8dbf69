"""What an attacker would try, against the real stack: each way found to exhaust a service
(issue #15), reproduced and refused, with the service still serving others."""

import itertools
import json
import socket
import subprocess
import time
import uuid

import pytest
import websocket

import stack as stack_module
from api import Api
from chat import ChatClient, refused_connect

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
def test_a_socket_without_an_accepted_connect_is_closed_whatever_it_sent(stack, api, attempt):
    """A CONNECT refused, or left with DISCONNECT, does not keep a socket open: it is closed
    within two connect timeouts, pings answered or not."""
    token = api.register("Holder")[0].token
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


@pytest.fixture(scope="module")
def strict_gateway(stack):
    """A gateway of its own with short HTTP timeouts (the deployment's keep haproxy's pool)."""
    url = stack.start_gateway("strict", stack_module.free_port(), {"HTTP_HEADER_TIMEOUT": "2", "HTTP_IDLE_TIMEOUT": "2"})
    yield url
    stack.stop("strict")


def seconds_until_hung_up(connection: socket.socket, trickle: bytes = b"") -> float:
    """Sends `trickle` a byte every half second; how long until the server hangs up."""
    started = time.monotonic()
    connection.settimeout(0.5)
    for byte in itertools.cycle(trickle or [None]):
        try:
            if byte is not None:
                connection.sendall(bytes([byte]))
            if connection.recv(65536) == b"":
                return time.monotonic() - started
        except socket.timeout:
            pass
        except (ConnectionResetError, BrokenPipeError):
            return time.monotonic() - started  # hung up while bytes were still on their way: a reset, not a FIN
        if time.monotonic() - started > 30:
            return float("inf")
    raise AssertionError("unreachable")


def test_a_client_trickling_its_headers_is_cut_off(strict_gateway):
    host, port = strict_gateway.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as connection:
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        assert seconds_until_hung_up(connection, b"X-Slow: yes\r\n") < 4
    assert Api(strict_gateway).get("/healthz", timeout=5).status_code == 200


def test_an_idle_kept_alive_connection_is_closed(strict_gateway):
    host, port = strict_gateway.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as connection:
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert connection.recv(65536).startswith(b"HTTP/1.1 200")
        assert 1.5 < seconds_until_hung_up(connection) < 4


def test_haproxy_cuts_off_a_client_trickling_its_headers(stack):
    with socket.create_connection(("127.0.0.1", stack.ports.lb)) as connection:
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        started = time.monotonic()
        connection.settimeout(15)
        answer = connection.recv(65536)
        assert answer == b"" or answer.startswith(b"HTTP/1.1 408")
        assert time.monotonic() - started < 12


@pytest.mark.parametrize("path", ["/metrics", "/readyz"])
def test_metrics_and_readiness_are_not_served_through_the_load_balancer(stack, api, path):
    assert api.get(path, timeout=5).status_code == 404
    assert api.via(stack.service_url("gateway1")).get(path, timeout=5).status_code == 200


@pytest.fixture(scope="module")
def bounded_gateway(stack):
    """A gateway of its own allowing 2 connections per user and 2 rooms per connection."""
    url = stack.start_gateway("bounded", stack_module.free_port(), {"SOCKET_MAX_PER_USER": "2", "SOCKET_MAX_ROOMS": "2"})
    yield url
    stack.stop("bounded")


def test_a_user_holds_a_bounded_number_of_connections(api, bounded_gateway):
    token = api.register("Hoarder")[0].token
    first, second = ChatClient(bounded_gateway, token).connect(), ChatClient(bounded_gateway, token).connect()
    try:
        assert refused_connect(bounded_gateway, token)["data"]["code"] == "too_many_connections"
        # Another user is not concerned, and a freed place is taken again.
        other = api.register("Other")[0].token
        with ChatClient(bounded_gateway, other):
            pass
        second.disconnect()
        time.sleep(0.3)
        with ChatClient(bounded_gateway, token) as again:
            assert again.call("no_such_event")["error"]["code"] == "unknown_event"
    finally:
        first.disconnect()
        second.disconnect()


def test_a_connection_joins_a_bounded_number_of_conversations(api, bounded_gateway):
    joiner, _ = api.register("Joiner")
    conversations = [joiner.open_conversation(api.register(f"Expert{i}", "expert")[1]) for i in range(3)]
    with ChatClient(bounded_gateway, joiner.token) as client:
        assert client.join(conversations[0]["id"]) and client.join(conversations[1]["id"])
        assert client.join(conversations[1]["id"])  # joining one already joined is not one more
        refused = client.call("join_conversation", {"conversationId": conversations[2]["id"]})
        assert refused["error"]["code"] == "too_many_rooms", refused
        assert client.call("leave_conversation", {"conversationId": conversations[0]["id"]})["ok"]
        assert client.join(conversations[2]["id"])


def test_an_account_is_locked_after_failed_sign_ins_through_the_load_balancer(api):
    """Guessing a password: after 5 failures (AUTH_MAX_FAILED_LOGINS) the account answers 429
    with Retry-After, even to the right password, until the lockout ends."""
    _, user = api.register("Locked")
    email = user["email"]
    guesses = [api.login(email, f"guess {i}").status_code for i in range(5)]
    assert guesses == [401] * 5
    locked = api.login(email, "correct horse")
    assert locked.status_code == 429 and locked.json()["error"]["code"] == "rate_limited"
    assert int(locked.headers["Retry-After"]) > 60


def test_redis_is_bounded_and_refuses_writes_rather_than_evicting(stack):
    """Issue #15, finding 1 (part): a full Redis must fail writes, not drop acknowledged work."""
    with socket.create_connection(("127.0.0.1", stack.ports.redis)) as connection:
        connection.sendall(b"*3\r\n$6\r\nCONFIG\r\n$3\r\nGET\r\n$10\r\nmaxmemory*\r\n")
        time.sleep(0.2)
        reply = connection.recv(65536).decode()
    values = reply.split("\r\n")
    settings = dict(zip(values[2::4], values[4::4]))
    assert settings["maxmemory-policy"] == "noeviction"
    assert int(settings["maxmemory"]) > 0


def redis_cli(stack, *arguments: str) -> list[str]:
    result = subprocess.run(["redis-cli", "-p", str(stack.ports.redis), *arguments], capture_output=True, text=True, timeout=10, check=True)
    return result.stdout.splitlines()


def commands_appended(stack) -> int:
    """How many entries `chat:commands` was ever given (trimming does not lower it)."""
    fields = redis_cli(stack, "XINFO", "STREAM", "chat:commands")
    return int(fields[fields.index("entries-added") + 1])


def test_a_send_nobody_would_store_is_refused_before_it_is_queued(stack, api):
    """Finding 1: what the store would refuse (a stranger's send, too long, NUL) is refused
    by the gateway and takes no space in Redis; a member's send still goes through."""
    (owner, _), _, conversation = api.student_and_expert("Member", "Expert")
    stranger, _ = api.register("Stranger")
    with ChatClient(stack.service_url("gateway1"), owner.token) as member, \
            ChatClient(stack.service_url("gateway2"), stranger.token) as outsider:
        assert member.call("send_message", {"conversationId": conversation["id"], "content": "first"})["ok"]
        before = commands_appended(stack)
        refusals = [
            outsider.call("send_message", {"conversationId": conversation["id"], "content": "let me in"}),
            outsider.call("send_message", {"conversationId": str(uuid.uuid4()), "content": "anyone?"}),
            member.call("send_message", {"conversationId": conversation["id"], "content": "x" * 10_001}),
            member.call("send_message", {"conversationId": conversation["id"], "content": "nul \u0000 inside"}),
            member.call("send_message", {"conversationId": conversation["id"], "content": "ok", "clientMessageId": "has space"}),
        ]
        codes = [refusal["error"]["code"] for refusal in refusals]
        assert codes[0] in ("forbidden", "not_found") and codes[1] in ("forbidden", "not_found"), refusals
        assert codes[2:] == ["validation_failed"] * 3, refusals
        assert "10000" in refusals[2]["error"]["message"]
        assert commands_appended(stack) == before
        # A member who never joined the room is checked once, then sends.
        assert member.call("send_message", {"conversationId": conversation["id"], "content": "second"})["ok"]
        assert commands_appended(stack) == before + 1


def test_settled_commands_do_not_stay_in_the_stream(stack, api):
    """Finding 1: handled sends are trimmed from `chat:commands` (STREAM_TRIM_EVERY is 1 s here),
    not kept until a million pile up."""
    (trimmer, _), _, conversation = api.student_and_expert("Trimmer", "Expert")
    with ChatClient(stack.service_url("gateway1"), trimmer.token) as client:
        for i in range(40):
            assert client.call("send_message", {"conversationId": conversation["id"], "content": f"m{i}"})["ok"]
    deadline = time.monotonic() + 15
    while int(redis_cli(stack, "XLEN", "chat:commands")[0]) > 1 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert int(redis_cli(stack, "XLEN", "chat:commands")[0]) <= 1
    assert len(trimmer.history(conversation["id"])) >= 41  # welcome + 40, all stored


@pytest.fixture(scope="module")
def allowance_gateway(stack):
    """A gateway allowing each user a burst of 5 API requests, then 2 a second, and 3 sockets in all."""
    url = stack.start_gateway("allowance", stack_module.free_port(),
                              {"API_BURST": "5", "API_REQUESTS_PER_SECOND": "2", "SOCKET_MAX_PER_USER_TOTAL": "3"})
    yield url
    stack.stop("allowance")


def test_each_user_has_an_allowance_of_api_requests(api, allowance_gateway):
    """Finding 6: one account cannot keep the services busy; 429 with Retry-After, others unaffected."""
    (reader, _), _, conversation = api.student_and_expert("Reader", "Expert")
    other, _ = api.register("Patient")
    reader, other = reader.via(allowance_gateway), other.via(allowance_gateway)
    path = f"/api/chat/conversations/{conversation['id']}/messages"
    statuses = [reader.get(path, timeout=5) for _ in range(8)]
    assert [r.status_code for r in statuses[:5]] == [200] * 5
    refused = statuses[-1]
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) >= 1
    assert other.get("/api/me", timeout=5).status_code == 200
    time.sleep(1.1)  # two more have come in
    assert reader.get(path, timeout=5).status_code == 200


def test_a_user_holds_a_bounded_number_of_connections_across_gateways(stack, api, allowance_gateway):
    """Finding 6: SOCKET_MAX_PER_USER bounds one gateway; SOCKET_MAX_PER_USER_TOTAL all of them,
    counted by presence."""
    token = api.register("Everywhere")[0].token
    held = [ChatClient(stack.service_url(name), token).connect() for name in ("gateway1", "gateway2", "gateway1")]
    try:
        time.sleep(0.5)  # presence has counted them
        assert refused_connect(allowance_gateway, token)["data"]["code"] == "too_many_connections"
        held.pop().disconnect()
        time.sleep(0.5)
        with ChatClient(allowance_gateway, token):
            pass
    finally:
        for client in held:
            client.disconnect()


def test_a_user_starts_a_bounded_number_of_conversations_an_hour(api):
    """Finding 6: CONVERSATIONS_PER_HOUR (60); opening an existing direct conversation again is free."""
    starter, _ = api.register("Starter")
    experts = [api.register(f"Expert{i}", "expert")[1] for i in range(61)]
    for expert in experts[:60]:
        starter.open_conversation(expert)
    again = starter.open_conversation(experts[0])  # the same direct conversation: not counted
    assert again["id"]
    refused = starter.post("/api/chat/conversations", json={"participantIds": [experts[60]["id"]]})
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) <= 3600
    other, _ = api.register("Other")
    other.open_conversation(experts[60])
