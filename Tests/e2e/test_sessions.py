"""A socket does not outlive its token (issue #15, finding 5): it ends when the token
expires, and "log out everywhere" ends every session of the user on every gateway, REST
and sockets alike, at once."""

import threading
import time

import socketio

import stack as stack_module
from api import Api
from chat import forge_token, refused_connect

GATEWAYS = ("gateway1", "gateway2")


def watched_client(url: str, token: str) -> tuple[socketio.Client, threading.Event]:
    """A client with the JS client's default of reconnecting, and an event set when the
    server ends its session (`io server disconnect`: it must not reconnect by itself)."""
    client = socketio.Client(reconnection=True)
    ended = threading.Event()
    client.on("disconnect", lambda reason=None: ended.set())
    client.connect(url, transports=["websocket"], auth={"token": token}, wait_timeout=10)
    return client, ended


def test_a_socket_ends_when_its_token_expires(stack, api):
    _, user = api.register("Brief")
    token = forge_token(stack.jwt_secret(), user["id"], lifetime=4)
    client, ended = watched_client(stack.service_url("gateway1"), token)
    try:
        started = time.monotonic()
        assert client.call("no_such_event", {}, timeout=5)["error"]["code"] == "unknown_event"
        assert ended.wait(10), "the socket outlived its token"
        assert 2 < time.monotonic() - started < 8
        time.sleep(1.5)
        assert not client.connected, "it reconnected with an expired token"
        assert api.as_user(token).get("/api/me", timeout=5).status_code == 401
    finally:
        client.disconnect()


def test_logging_out_everywhere_ends_every_session_on_every_gateway(stack, api):
    leaver, user = api.register("Leaver")
    old = leaver.token
    clients = [watched_client(stack.service_url(name), old) for name in GATEWAYS]
    other_token = api.register("Stayer")[0].token
    bystander, bystander_ended = watched_client(stack.service_url("gateway2"), other_token)
    try:
        response = leaver.via(stack.service_url("gateway1")).logout_all()
        assert response.status_code == 204, response.text
        for (client, ended), name in zip(clients, GATEWAYS):
            assert ended.wait(5), f"the socket on {name} outlived the revocation"
        # The old token is refused everywhere, a new sign-in is not (even within the same second).
        for name in GATEWAYS:
            refused = leaver.via(stack.service_url(name)).get("/api/me", timeout=5)
            assert refused.status_code == 401 and refused.json()["error"]["code"] == "invalid_token"
        login = api.login(user["email"], "correct horse")
        fresh = login.json()["token"]
        for name in GATEWAYS:
            assert Api(stack.service_url(name), fresh).get("/api/me", timeout=5).status_code == 200
        again, _ = watched_client(stack.service_url("gateway2"), fresh)
        again.disconnect()
        assert refused_connect(stack.service_url("gateway1"), old)["data"]["code"] == "invalid_token"
        # Nobody else was touched.
        assert not bystander_ended.is_set() and bystander.connected
    finally:
        for client, _ in clients:
            client.disconnect()
        bystander.disconnect()


def test_a_revocation_reaches_a_gateway_started_after_it(stack, api):
    """Revocations are stored, not only announced: a gateway that starts later refuses the token too."""
    old, _ = api.register("Earlier")
    assert old.logout_all().status_code == 204
    url = stack.start_gateway("late", stack_module.free_port(), {})
    try:
        assert old.via(url).get("/api/me", timeout=5).status_code == 401
    finally:
        stack.stop("late")
