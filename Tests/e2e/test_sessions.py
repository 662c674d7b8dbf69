"""A socket does not outlive its token (issue #15, finding 5): it ends when the token
expires, and "log out everywhere" ends every session of the user on every gateway, REST
and sockets alike, at once."""

import threading
import time

import socketio

import stack as stack_module
from api import Api
from chat import forge_token, refused_connect
from pages import ChatPage

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


def signed_in(api, email: str, agent: str) -> dict:
    """A sign-in as a device (its User-Agent): the whole answer, refresh token included."""
    response = api.as_user(None).post("/api/auth/login", json={"email": email, "password": "correct horse"}, headers={"User-Agent": agent})
    assert response.status_code == 200, response.text
    return response.json()


def test_an_api_client_renews_its_token_and_its_socket_goes_on_past_the_old_one(stack, api):
    """The renewal an API client makes (the README's), and `renew_token` on its socket: the
    socket outlives the token it connected with, on the new one's time."""
    _, user = api.register("Renewer")
    session = signed_in(api, user["email"], "renewer-script/1.0")
    assert session["refreshToken"] and session["expiresAt"] and session["sessionId"]
    short = forge_token(stack.jwt_secret(), user["id"], lifetime=6)
    client, ended = watched_client(stack.service_url("gateway1"), short)
    try:
        renewed = api.refresh(session["refreshToken"])
        assert renewed.status_code == 200, renewed.text
        body = renewed.json()
        assert body["refreshToken"] != session["refreshToken"] and body["sessionId"] == session["sessionId"]
        # A token of someone else, or none at all, is refused and changes nothing.
        other = api.register("Other")[0].token
        assert client.call("renew_token", {"token": other}, timeout=5)["error"]["code"] == "forbidden"
        assert client.call("renew_token", {"token": "x" * 5000}, timeout=5)["error"]["code"] == "validation_failed"
        assert client.call("renew_token", {"token": short + "x"}, timeout=5)["error"]["code"] == "invalid_token"
        ack = client.call("renew_token", {"token": body["token"]}, timeout=5)
        assert ack["ok"] and ack["expiresAt"] == body["expiresAt"]
        assert not ended.wait(8), "the socket ended with the token it connected with"
        assert client.call("no_such_event", {}, timeout=5)["error"]["code"] == "unknown_event"
        # The replaced refresh token is refused (after the grace it would end the session).
        assert api.refresh(body["refreshToken"]).status_code == 200
    finally:
        client.disconnect()


def test_ending_one_session_ends_its_sockets_on_every_gateway_and_no_other(stack, api):
    _, user = api.register("Twodevices")
    laptop = signed_in(api, user["email"], "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0 Safari/537.36")
    phone = signed_in(api, user["email"], "Mozilla/5.0 (iPhone) Safari/604.1")
    phone_sockets = [watched_client(stack.service_url(name), phone["token"]) for name in GATEWAYS]
    laptop_socket, laptop_ended = watched_client(stack.service_url("gateway2"), laptop["token"])
    try:
        laptop_api = api.as_user(laptop["token"]).via(stack.service_url("gateway1"))
        listed = {entry["id"]: entry for entry in laptop_api.sessions()}
        assert listed[laptop["sessionId"]]["current"] and not listed[phone["sessionId"]]["current"]
        assert listed[phone["sessionId"]]["userAgent"].startswith("Mozilla/5.0 (iPhone)")
        assert laptop_api.delete(f"/api/auth/sessions/{phone['sessionId']}").status_code == 204
        for (client, ended), name in zip(phone_sockets, GATEWAYS):
            assert ended.wait(5), f"the ended session's socket on {name} went on"
        for name in GATEWAYS:
            assert api.as_user(phone["token"]).via(stack.service_url(name)).get("/api/me").status_code == 401
        assert api.refresh(phone["refreshToken"]).json()["error"]["code"] == "invalid_token"
        assert refused_connect(stack.service_url("gateway1"), phone["token"])["data"]["code"] == "invalid_token"
        # The laptop's session is another: untouched.
        assert not laptop_ended.is_set() and laptop_socket.connected
        assert phone["sessionId"] not in {entry["id"] for entry in laptop_api.sessions()}
    finally:
        for client, _ in phone_sockets:
            client.disconnect()
        laptop_socket.disconnect()


def test_a_new_tab_signs_in_from_the_browsers_session_and_signing_out_ends_every_tab(stack, api, browsers):
    """In the browser: "Keep me signed in", a second tab signed in without a password (the
    session cookie), the profile's list of where one is signed in, another device signed
    out from it, and signing out in one tab ending the other."""
    _, user = api.register("Tabby")
    other_device = signed_in(api, user["email"], "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1")
    page = ChatPage(browsers())
    page.sign_in(stack.lb_url, user["email"], remember=True)
    page.wait_connected(message="signed in")
    first = page.new_tab(stack.lb_url)
    page.wait_connected(message="the second tab signed in by itself")
    assert page.sidebar.my_name() == "Tabby" and not page.auth.is_shown()
    second_token = page.session_token()
    assert second_token

    page.profile.open()
    listed = page.profile.wait_for_sessions(3)  # the sign-up's, the phone's and this browser's
    current = [entry for entry in listed if entry["current"]]
    assert len(current) == 1 and current[0]["text"] == "Chrome on Linux (this device)", listed
    assert current[0]["detail"].startswith("last used ") and current[0]["detail"].endswith("from 127.0.0.1"), listed
    assert any(entry["id"] == other_device["sessionId"] and entry["text"] == "Safari on iPhone" for entry in listed), listed
    assert page.accessibility_violations(only="#profile") == []
    page.screenshot("sessions.png")
    page.profile.end_session(other_device["sessionId"])
    page.profile.wait_for_sessions(2)
    assert api.refresh(other_device["refreshToken"]).status_code == 401
    page.profile.close()

    # Signed out in this tab: the session ends, and the first tab is shown the sign-in.
    page.sign_out()
    page.auth.wait_loaded()
    page.switch_to_tab(first)
    page.wait_until(page.auth.is_shown, message="the first tab signed out too")
    assert api.as_user(second_token).get("/api/me").status_code == 401
    # A new tab now has nothing to sign in from.
    page.new_tab(stack.lb_url)
    page.auth.wait_loaded()
    assert page.auth.is_shown() and page.session_token() is None
    assert page.console_errors() == []


def test_a_token_that_expired_while_the_tab_slept_is_renewed_and_the_socket_connects_again(stack, api, browsers):
    """The tab's timers did not run (a laptop asleep), and its token expired: the server
    ends the socket; the page renews from the session and goes on, signed in."""
    (student, student_user), (_, expert_user), conversation = api.student_and_expert("Sleepy", "Sage")
    page = ChatPage(browsers())
    page.sign_in(stack.lb_url, student_user["email"])
    page.wait_connected(message="signed in")
    expiring = forge_token(stack.jwt_secret(), student_user["id"], lifetime=4)
    page.driver.execute_script("sessionStorage.setItem('chat.token', arguments[0]); sessionStorage.removeItem('chat.tokenExpires')", expiring)
    page.refresh()
    page.wait_connected(message="connected on the short token")
    assert page.session_token() == expiring
    page.wait_until(lambda: page.session_token() not in (None, expiring), timeout=20, message="renewed after the server ended the socket")
    page.wait_connected(message="connected again")
    page.open_conversation(conversation["id"])
    page.conversation.send("still here")
    page.wait_until(lambda: not page.conversation.has_pending(), message="sent on the renewed token")
    assert any(m["content"] == "still here" for m in student.history(conversation["id"]))
    assert not page.auth.is_shown()


def test_changing_the_password_in_the_profile_signs_out_every_other_device(stack, api, browsers):
    _, user = api.register("Passer")
    here, there = ChatPage(browsers()), ChatPage(browsers())
    for page, gateway in ((here, "gateway1"), (there, "gateway2")):
        page.sign_in(stack.service_url(gateway), user["email"])
        page.wait_connected(message=f"signed in on {gateway}")

    here.profile.open()
    # The current password wrong: said on that field, nothing changes.
    here.profile.change_password("not my password", "a brand new passphrase")
    here.wait_until(lambda: here.profile.password_error() == "The current password is not right", message="refused")
    assert here.profile.invalid_password_fields() == ["password-current"]
    # A common one: said on the new one.
    here.profile.change_password("correct horse", "iloveyou")
    here.wait_until(lambda: (here.profile.password_error() or "").endswith("choose another"), message="common")
    assert here.profile.invalid_password_fields() == ["password-new"]
    assert here.accessibility_violations(only="#profile") == []
    here.screenshot("change-password.png")

    here.profile.change_password("correct horse", "a brand new passphrase")
    here.wait_until(lambda: here.profile.password_done().startswith("Password changed"), message="changed")
    assert here.profile.password_error() is None
    there.wait_until(there.auth.is_shown, message="the other device signed out")
    here.profile.close()
    here.wait_connected(message="this device goes on")
    assert api.login(user["email"], "correct horse").status_code == 401
    assert api.login(user["email"], "a brand new passphrase").status_code == 200
    # What the console has is the browser's own line for each refused change, nothing else.
    assert all("/api/me/password" in e["message"] and "status of 422" in e["message"] for e in here.console_errors()), here.console_errors()
