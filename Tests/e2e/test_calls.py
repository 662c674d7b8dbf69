"""Calls: the STUN and TURN servers the page hands to WebRTC, checked against the real
coturn the stack runs (its `use-auth-secret` recomputes each credential)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import shutil
import subprocess
import time
import uuid

import stack as stack_module
from chat import ChatClient


def turn_password(secret: str, username: str) -> str:
    """The TURN REST convention's password, computed here independently of the service."""
    return base64.b64encode(hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()).decode()


def allocate(stack, username: str, password: str) -> subprocess.Popen:
    """turnutils_uclient allocating relays on the stack's coturn with the credential, and
    sending a few packets through them client to client (`-y`); exit 0 when it could."""
    return subprocess.Popen([shutil.which("turnutils_uclient") or "turnutils_uclient", "-y", "-n", "2", "-m", "1", "-l", "100",
                             "-u", username, "-w", password, "-p", str(stack.ports.turn), "127.0.0.1"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_ice_servers_need_a_token(api):
    response = api.get("/api/calls/ice-servers")
    assert response.status_code == 401, response.text
    assert response.json()["error"]["code"] == "unauthorized"


def test_ice_servers_give_stun_and_a_personal_turn_credential(stack, api):
    user_api, user = api.register("Caller", login=True)
    before = time.time()
    response = user_api.get("/api/calls/ice-servers")
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    stun = [server for server in body["iceServers"] if "username" not in server]
    turn = [server for server in body["iceServers"] if "username" in server]
    assert stun == [{"urls": [f"stun:127.0.0.1:{stack.ports.turn}"]}]
    assert len(turn) == 1 and turn[0]["urls"] == [f"turn:127.0.0.1:{stack.ports.turn}?transport=udp",
                                                  f"turn:127.0.0.1:{stack.ports.turn}?transport=tcp"]
    expiry, _, user_id = turn[0]["username"].partition(":")
    assert user_id == user["id"]
    # TURN_CREDENTIAL_TTL's default, 12 hours, from the moment of asking.
    assert before + 12 * 3600 - 2 <= int(expiry) <= time.time() + 12 * 3600
    assert turn[0]["credential"] == turn_password(stack.turn_secret(), turn[0]["username"])
    assert body["expiresAt"].startswith(time.strftime("%Y-%m-%dT%H:%M", time.gmtime(int(expiry))))


def test_coturn_relays_for_issued_credentials_and_refuses_forged_and_expired_ones(stack, api):
    user_api, user = api.register("Relayed", login=True)
    turn = next(server for server in user_api.get("/api/calls/ice-servers").json()["iceServers"] if "username" in server)
    expired = f"{int(time.time()) - 60}:{user['id']}"
    forged_user = f"{int(time.time()) + 3600}:{uuid.uuid4()}"
    attempts = {
        "issued": allocate(stack, turn["username"], turn["credential"]),
        # Someone else's name on a credential made without the secret.
        "forged": allocate(stack, forged_user, turn_password("not the secret at all", forged_user)),
        # The issued password with the name changed: the HMAC no longer matches.
        "altered": allocate(stack, forged_user, turn["credential"]),
        # Correctly signed, but its time is up.
        "expired": allocate(stack, expired, turn_password(stack.turn_secret(), expired)),
    }
    output = {name: process.communicate(timeout=45)[0][-2000:] for name, process in attempts.items()}
    outcomes = {name: process.returncode for name, process in attempts.items()}
    assert outcomes["issued"] == 0, output["issued"]
    for name in ("forged", "altered", "expired"):
        assert outcomes[name] != 0, (name, output[name])


# Signaling: python-socketio clients on both gateways, presence keeping the calls.

OFFER = {"type": "offer", "sdp": "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"}
ANSWER = {"type": "answer", "sdp": "v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"}
CANDIDATE = {"candidate": "candidate:1 1 udp 2113937151 127.0.0.1 50000 typ host", "sdpMid": "0", "sdpMLineIndex": 0}


def ok(ack: dict) -> dict:
    assert ack.get("ok"), ack
    return ack


def refused(ack: dict, code: str) -> None:
    assert ack.get("ok") is not True and ack["error"]["code"] == code, ack


def states(client, call_id: str) -> list[dict]:
    return [state for state in client.recorder.of("call_state") if state["id"] == call_id]


def wait_state(client, call_id: str, predicate, timeout: float = 10.0) -> dict:
    state = client.recorder.wait_event("call_state", lambda s: s["id"] == call_id and predicate(s), timeout=timeout)
    assert state, (call_id, states(client, call_id))
    return state


def party(state: dict, user: dict) -> dict:
    return next(p for p in state["participants"] if p["userId"] == user["id"])


def test_a_direct_call_rings_every_device_and_goes_on_with_the_one_that_answers(stack, api, pair):
    (a_api, a_user), (b_api, b_user), conversation = pair
    with ChatClient(stack.service_url("gateway1"), a_api.token) as a, \
            ChatClient(stack.service_url("gateway2"), b_api.token) as phone, \
            ChatClient(stack.service_url("gateway1"), b_api.token) as laptop:
        invite = ok(a.call("call_invite", {"conversationId": conversation["id"], "media": "video", "offer": OFFER}))
        call = invite["call"]
        assert call["status"] == "ringing" and call["callerId"] == a_user["id"] and call["media"] == "video"
        assert [(p["userId"], p["state"]) for p in call["participants"]] == [(a_user["id"], "joined"), (b_user["id"], "ringing")]
        # Every device of the callee rings, on both gateways; the offer is not in what they hear.
        for device in (phone, laptop):
            ringing = wait_state(device, call["id"], lambda s: s["status"] == "ringing")
            assert "offer" not in ringing and party(ringing, b_user)["state"] == "ringing"

        answered = ok(phone.call("call_answer", {"callId": call["id"]}))
        assert answered["offer"] == OFFER and answered["call"]["status"] == "active"
        # The other device stops ringing: it hears the call active with its user joined elsewhere.
        wait_state(laptop, call["id"], lambda s: s["status"] == "active" and party(s, b_user)["state"] == "joined")
        wait_state(a, call["id"], lambda s: s["status"] == "active")
        refused(laptop.call("call_answer", {"callId": call["id"]}), "call_over")

        # SDP and candidates go to the one socket in the call, not to the callee's other device.
        ok(phone.call("call_signal", {"callId": call["id"], "to": a_user["id"], "description": ANSWER}))
        heard = a.recorder.wait_event("call_peer_signal")
        assert heard == {"callId": call["id"], "from": b_user["id"], "description": ANSWER}
        ok(a.call("call_signal", {"callId": call["id"], "to": b_user["id"], "candidate": CANDIDATE}))
        assert phone.recorder.wait_event("call_peer_signal")["candidate"] == CANDIDATE
        refused(laptop.call("call_signal", {"callId": call["id"], "to": a_user["id"], "candidate": CANDIDATE}), "not_in_call")
        time.sleep(0.3)
        assert laptop.recorder.of("call_peer_signal") == []

        # Media state reaches everyone; hanging up ends the call for every device.
        muted = ok(a.call("call_media", {"callId": call["id"], "audio": False, "video": True}))
        assert party(muted["call"], a_user)["audio"] is False
        wait_state(phone, call["id"], lambda s: party(s, a_user)["audio"] is False)
        time.sleep(1.1)
        ended = ok(phone.call("call_end", {"callId": call["id"]}))["call"]
        assert ended["status"] == "ended" and ended["endReason"] == "completed" and ended["answeredAt"] and ended["endedAt"]
        for device in (a, phone, laptop):
            wait_state(device, call["id"], lambda s: s["status"] == "ended" and s["endReason"] == "completed")
        refused(a.call("call_end", {"callId": call["id"]}), "call_over")
        # Free again: a new call in the conversation rings.
        again = ok(laptop.call("call_invite", {"conversationId": conversation["id"], "media": "audio", "offer": OFFER}))["call"]
        ok(laptop.call("call_end", {"callId": again["id"]}))
        assert wait_state(a, again["id"], lambda s: s["status"] == "ended")["endReason"] == "cancelled"


def test_a_second_call_gets_busy_and_a_decline_ends_a_direct_call(stack, api, pair):
    (a_api, a_user), (b_api, b_user), conversation = pair
    c_api, _ = api.register("Cleo", login=True)
    d_api, d_user = api.register("Dev", "expert", login=True)
    with_c = c_api.open_conversation(b_user)
    with_a = a_api.open_conversation(d_user)
    with ChatClient(stack.service_url("gateway1"), a_api.token) as a, ChatClient(stack.service_url("gateway2"), b_api.token) as b, \
            ChatClient(stack.service_url("gateway2"), c_api.token) as c, ChatClient(stack.service_url("gateway1"), d_api.token) as d:
        call = ok(a.call("call_invite", {"conversationId": conversation["id"], "media": "audio", "offer": OFFER}))["call"]
        wait_state(b, call["id"], lambda s: s["status"] == "ringing")
        # One call per conversation, per caller and per callee.
        refused(b.call("call_invite", {"conversationId": conversation["id"], "media": "audio", "offer": OFFER}), "busy")
        refused(c.call("call_invite", {"conversationId": with_c["id"], "media": "audio", "offer": OFFER}), "busy")
        refused(d.call("call_invite", {"conversationId": with_a["id"], "media": "audio", "offer": OFFER}), "busy")
        assert c.recorder.of("call_state") == [] and d.recorder.of("call_state") == []

        declined = ok(b.call("call_decline", {"callId": call["id"]}))["call"]
        assert declined["status"] == "ended" and declined["endReason"] == "declined"
        assert party(wait_state(a, call["id"], lambda s: s["status"] == "ended"), b_user)["state"] == "declined"
        # Nobody is busy any more.
        other = ok(c.call("call_invite", {"conversationId": with_c["id"], "media": "audio", "offer": OFFER}))["call"]
        ok(c.call("call_end", {"callId": other["id"]}))


def test_an_unanswered_call_is_missed_when_the_ringing_times_out(stack, api, pair):
    (a_api, _), (b_api, b_user), conversation = pair
    with ChatClient(stack.service_url("gateway1"), a_api.token) as a, ChatClient(stack.service_url("gateway2"), b_api.token) as b:
        began = time.monotonic()
        call = ok(a.call("call_invite", {"conversationId": conversation["id"], "media": "audio", "offer": OFFER}))["call"]
        # CALL_RING_TIMEOUT is 6 s in these tests (30 s by default).
        missed = wait_state(b, call["id"], lambda s: s["status"] == "ended", timeout=15)
        assert missed["endReason"] == "missed" and party(missed, b_user)["state"] == "missed"
        assert 5 < time.monotonic() - began < 10
        refused(b.call("call_answer", {"callId": call["id"]}), "call_over")


def test_a_party_whose_socket_is_gone_past_the_grace_leaves_and_a_reconnect_within_it_keeps_the_call(stack, api, pair):
    (a_api, _), (b_api, b_user), conversation = pair
    with ChatClient(stack.service_url("gateway1"), a_api.token) as a:
        b = ChatClient(stack.service_url("gateway2"), b_api.token).connect()
        call = ok(a.call("call_invite", {"conversationId": conversation["id"], "media": "audio", "offer": OFFER}))["call"]
        ok(b.call("call_answer", {"callId": call["id"]}))
        # A reconnect (a new socket, on the other gateway) within CALL_RECONNECT_GRACE (3 s here).
        b.disconnect()
        time.sleep(1)
        with ChatClient(stack.service_url("gateway1"), b_api.token) as back:
            assert ok(back.call("call_resume", {"callId": call["id"]}))["call"]["status"] == "active"
            time.sleep(4.5)
            ok(a.call("call_signal", {"callId": call["id"], "to": b_user["id"], "candidate": CANDIDATE}))
            assert back.recorder.wait_event("call_peer_signal")["from"]
            assert [s["status"] for s in states(a, call["id"])][-1] == "active"
        # Gone for good: the call ends once the grace runs out.
        gone = time.monotonic()
        ended = wait_state(a, call["id"], lambda s: s["status"] == "ended", timeout=15)
        assert ended["endReason"] == "disconnected" and 2 < time.monotonic() - gone < 8


def test_only_the_parties_may_touch_a_call_and_what_they_send_is_bounded(stack, api, pair):
    (a_api, _), (b_api, b_user), conversation = pair
    outsider_api, _ = api.register("Mallory", login=True)
    with ChatClient(stack.service_url("gateway1"), a_api.token) as a, ChatClient(stack.service_url("gateway2"), b_api.token) as b, \
            ChatClient(stack.service_url("gateway2"), outsider_api.token) as outsider:
        refused(outsider.call("call_invite", {"conversationId": conversation["id"], "media": "audio", "offer": OFFER}), "forbidden")
        refused(a.call("call_invite", {"conversationId": conversation["id"], "media": "audio"}), "validation_failed")
        refused(a.call("call_invite", {"conversationId": conversation["id"], "media": "hologram", "offer": OFFER}), "bad_request")
        huge = {"type": "offer", "sdp": "a=x\r\n" * 4000}
        refused(a.call("call_invite", {"conversationId": conversation["id"], "media": "audio", "offer": huge}), "validation_failed")
        call = ok(a.call("call_invite", {"conversationId": conversation["id"], "media": "audio", "offer": OFFER}))["call"]
        wait_state(b, call["id"], lambda s: s["status"] == "ringing")
        for event in ("call_answer", "call_decline", "call_end", "call_resume"):
            refused(outsider.call(event, {"callId": call["id"]}), "not_in_call")
        refused(outsider.call("call_signal", {"callId": call["id"], "to": b_user["id"], "candidate": CANDIDATE}), "not_in_call")
        refused(a.call("call_answer", {"callId": str(uuid.uuid4())}), "not_found")
        # Before the callee answers, there is nobody to signal to.
        refused(a.call("call_signal", {"callId": call["id"], "to": b_user["id"], "candidate": CANDIDATE}), "not_in_call")
        refused(a.call("call_signal", {"callId": call["id"], "to": b_user["id"], "candidate": CANDIDATE, "description": ANSWER}),
                "validation_failed")
        refused(a.call("call_signal", {"callId": call["id"], "to": b_user["id"], "candidate": {"candidate": "x" * 2000}}),
                "validation_failed")
        assert outsider.recorder.of("call_state") == []
        ok(a.call("call_end", {"callId": call["id"]}))


def test_a_group_call_rings_everyone_and_takes_as_many_as_a_call_may_have(stack, api):
    owner_api, owner = api.register("Owner", login=True)
    others = [api.register(f"Expert {n}", "expert", login=True) for n in range(4)]
    group = owner_api.post("/api/chat/conversations", json={"participantIds": [user["id"] for _, user in others], "title": "Mesh"}).json()
    clients = [ChatClient(stack.service_url(f"gateway{1 + n % 2}"), member_api.token).connect() for n, (member_api, _) in
               enumerate([(owner_api, owner), *others])]
    try:
        caller, *members = clients
        refused(caller.call("call_invite", {"conversationId": group["id"], "media": "video", "offer": OFFER}), "validation_failed")
        call = ok(caller.call("call_invite", {"conversationId": group["id"], "media": "video"}))["call"]
        assert len(call["participants"]) == 5
        for member in members:
            wait_state(member, call["id"], lambda s: s["status"] == "ringing")
        first = ok(members[0].call("call_answer", {"callId": call["id"]}))
        assert "offer" not in first  # in a group each joiner makes offers to those already in
        # The one who joined signals the caller; the others still ring.
        ok(members[0].call("call_signal", {"callId": call["id"], "to": owner["id"], "description": OFFER}))
        assert caller.recorder.wait_event("call_peer_signal")["from"] == others[0][1]["id"]
        ok(members[1].call("call_answer", {"callId": call["id"]}))
        ok(members[2].call("call_decline", {"callId": call["id"]}))
        # CALL_MAX_PARTICIPANTS is 4 (caller included): three more fit, the fourth... does not exist; the group has 5.
        ok_or_full = members[3].call("call_answer", {"callId": call["id"]})
        assert ok_or_full["ok"]
        state = wait_state(caller, call["id"], lambda s: sum(p["state"] == "joined" for p in s["participants"]) == 4)
        assert party(state, others[2][1])["state"] == "declined"
        # Leaving one by one: the call goes on while two are in it.
        ok(members[0].call("call_end", {"callId": call["id"]}))
        ok(members[1].call("call_end", {"callId": call["id"]}))
        assert wait_state(caller, call["id"], lambda s: party(s, others[1][1])["state"] == "left")["status"] == "active"
        ended = ok(members[3].call("call_end", {"callId": call["id"]}))["call"]
        assert ended["status"] == "ended" and ended["endReason"] == "completed"
    finally:
        for client in clients:
            client.disconnect()


def test_past_the_most_a_call_may_have_a_joiner_is_refused(stack, api):
    owner_api, owner = api.register("Host", login=True)
    others = [api.register(f"Tutor {n}", "expert", login=True) for n in range(4)]
    group = owner_api.post("/api/chat/conversations", json={"participantIds": [user["id"] for _, user in others], "title": "Full"}).json()
    clients = [ChatClient(stack.service_url("gateway2"), member_api.token).connect() for member_api, _ in [(owner_api, owner), *others]]
    try:
        caller, *members = clients
        call = ok(caller.call("call_invite", {"conversationId": group["id"], "media": "audio"}))["call"]
        for member in members[:3]:
            ok(member.call("call_answer", {"callId": call["id"]}))
        refused(members[3].call("call_answer", {"callId": call["id"]}), "call_full")
        # Still ringing for them: once someone leaves, there is room.
        ok(members[0].call("call_end", {"callId": call["id"]}))
        ok(members[3].call("call_answer", {"callId": call["id"]}))
        ok(caller.call("call_end", {"callId": call["id"]}))
    finally:
        for client in clients:
            client.disconnect()


def test_a_gateway_killed_mid_call_cannot_leave_it_running_or_ringing(stack, api, pair):
    (a_api, _), (b_api, b_user), conversation = pair
    c_api, c_user = api.register("Callee", "expert", login=True)
    with_c = a_api.open_conversation(c_user)
    url = stack.start_gateway("doomed", stack_module.free_port(), {})
    try:
        doomed_a = ChatClient(url, a_api.token).connect()
        with ChatClient(stack.service_url("gateway2"), b_api.token) as b, ChatClient(stack.service_url("gateway2"), c_api.token) as c:
            running = ok(doomed_a.call("call_invite", {"conversationId": conversation["id"], "media": "audio", "offer": OFFER}))["call"]
            ok(b.call("call_answer", {"callId": running["id"]}))
            stack.kill("doomed")
            killed = time.monotonic()
            doomed_a.client.eio.disconnect(abort=True)
            # GATEWAY_DEAD_AFTER (10 s) until presence sweeps its sockets, then CALL_RECONNECT_GRACE (3 s).
            ended = wait_state(b, running["id"], lambda s: s["status"] == "ended", timeout=25)
            assert ended["endReason"] == "disconnected" and time.monotonic() - killed < 20
            # And the caller is free to call again (nothing keeps them busy).
            with ChatClient(stack.service_url("gateway1"), a_api.token) as a:
                again = ok(a.call("call_invite", {"conversationId": with_c["id"], "media": "audio", "offer": OFFER}))["call"]
                wait_state(c, again["id"], lambda s: s["status"] == "ringing")
                ok(a.call("call_end", {"callId": again["id"]}))
    finally:
        stack.stop("doomed")


def test_each_call_leaves_a_line_in_history_and_only_a_missed_one_is_unread_and_notifies(stack, api, pair):
    (a_api, a_user), (b_api, b_user), conversation = pair
    with ChatClient(stack.service_url("gateway1"), a_api.token) as a, ChatClient(stack.service_url("gateway2"), b_api.token) as b:
        a.join(conversation["id"])  # the caller looks at the conversation; the callee does not

        def lines(client, count):
            assert client.recorder.wait_for(lambda: len([m for m in client.recorder.of("new_message") if m["messageType"] == "CALL"]) >= count)
            return [m for m in client.recorder.of("new_message") if m["messageType"] == "CALL"]

        declined = ok(a.call("call_invite", {"conversationId": conversation["id"], "media": "audio", "offer": OFFER}))["call"]
        wait_state(b, declined["id"], lambda s: s["status"] == "ringing")
        ok(b.call("call_decline", {"callId": declined["id"]}))
        assert lines(a, 1)[0]["call"] == {"callId": declined["id"], "media": "audio", "outcome": "declined"}
        # Not news to the callee: their list moves, nothing notifies them.
        assert b.recorder.wait_event("conversation_updated", lambda u: (u.get("lastMessage") or {}).get("messageType") == "CALL")

        answered = ok(a.call("call_invite", {"conversationId": conversation["id"], "media": "video", "offer": OFFER}))["call"]
        wait_state(b, answered["id"], lambda s: s["status"] == "ringing")
        ok(b.call("call_answer", {"callId": answered["id"]}))
        time.sleep(1.6)
        ok(a.call("call_end", {"callId": answered["id"]}))
        line = lines(a, 2)[1]
        assert line["call"]["outcome"] == "answered" and line["call"]["media"] == "video" and 1 <= line["call"]["durationSeconds"] <= 4
        assert line["senderId"] == a_user["id"] and line["content"].startswith("Video call, 0:0")

        missed = ok(a.call("call_invite", {"conversationId": conversation["id"], "media": "audio", "offer": OFFER}))["call"]
        wait_state(b, missed["id"], lambda s: s["status"] == "ringing")
        ok(a.call("call_end", {"callId": missed["id"]}))  # hung up while it rang: the callee missed it
        notified = b.recorder.wait_event("notification")
        assert notified["message"]["call"] == {"callId": missed["id"], "media": "audio", "outcome": "missed"}
        assert [n["message"]["messageType"] for n in b.recorder.of("notification")] == ["CALL"], "only the missed call notifies"

    history = b_api.get(f"/api/chat/conversations/{conversation['id']}/messages").json()["messages"]
    assert [(m["messageType"], (m.get("call") or {}).get("outcome")) for m in history[1:]] == [
        ("CALL", "declined"), ("CALL", "answered"), ("CALL", "missed")]
    listed = next(c for c in b_api.get("/api/chat/conversations").json() if c["id"] == conversation["id"])
    assert listed["unreadCount"] == 1 and listed["lastMessage"]["call"]["outcome"] == "missed"
    assert b_api.get("/api/chat/search", params={"q": "call"}).json()["results"] == []


def test_the_page_shows_call_lines_and_counts_only_a_missed_call(stack, api, browsers):
    from pages import ChatPage

    (student, _), (expert, _), conversation = api.student_and_expert("Mina", "Omar")
    callee = ChatPage(browsers()).open_signed_in(stack.service_url("gateway1"), student.token)
    caller = ChatPage(browsers()).open_signed_in(stack.service_url("gateway2"), expert.token)
    caller.open_conversation(conversation["id"])
    with ChatClient(stack.service_url("gateway2"), expert.token) as phone, ChatClient(stack.service_url("gateway1"), student.token) as other:
        answered = ok(phone.call("call_invite", {"conversationId": conversation["id"], "media": "video", "offer": OFFER}))["call"]
        wait_state(other, answered["id"], lambda s: s["status"] == "ringing")
        ok(other.call("call_answer", {"callId": answered["id"]}))
        ok(phone.call("call_end", {"callId": answered["id"]}))
        missed = ok(phone.call("call_invite", {"conversationId": conversation["id"], "media": "audio", "offer": OFFER}))["call"]
        wait_state(other, missed["id"], lambda s: s["status"] == "ringing")
        ok(phone.call("call_end", {"callId": missed["id"]}))

    # The callee's page: one unread (the missed call, not the answered one), said in words.
    callee.wait_until(lambda: callee.sidebar.unread_badge(conversation["id"]) == "1", message="the missed call counted")
    assert callee.sidebar.preview(conversation["id"]) == "Missed voice call"
    assert callee.toasts.text() == "Omar: Missed voice call"
    callee.open_conversation(conversation["id"])
    def shown(page, missed_line):
        lines = page.conversation.call_lines()
        # The answered call lasted well under 10 s, whatever this machine's pace.
        return len(lines) == 2 and lines[0][0].startswith("Video call · 0:0") and lines[0][1] == "answered" and lines[1] == missed_line

    callee.wait_until(lambda: shown(callee, ["Missed voice call", "missed"]), message="both lines, as the callee reads them")
    # The caller's page heard them live, from the caller's side.
    caller.wait_until(lambda: shown(caller, ["Voice call, no answer", "missed"]), message="both lines, as the caller reads them")
    callee.screenshot("call-lines.png")
    assert callee.accessibility_violations() == []
    for page in (callee, caller):
        assert page.console_errors() == []


# The page: real calls between headless Chromiums with fake cameras, each on its own gateway.

def media_flowing(page, peers: int = 1, relay: bool = False, video: bool = True):
    """The page's connections once each hears audio and decodes video (`video`); every pair
    in use is on loopback (through the relay when `relay`)."""
    def flowing():
        stats = page.calls.stats()
        good = [s for s in stats if s["state"] == "connected" and s["audioBytes"] > 0 and (s["frames"] > 0 or not video)]
        return stats if len(good) >= peers else None
    try:
        stats = page.wait_until(flowing, message="media flowing both ways", timeout=30)
    except Exception as error:
        raise AssertionError(f"no media flowing: {page.calls.stats()}") from error
    for connection in stats:
        ends = (connection["local"], connection["remote"])
        if relay:
            # Relay-only: this side sends through its allocation on the relay (the other side's,
            # learnt from its checks before its candidate came, may read peer-reflexive).
            assert connection["local"] == {"address": "127.0.0.1", "type": "relay"}, connection
            assert connection["remote"]["type"] in ("relay", "prflx"), connection
        else:
            # Only loopback candidates are signalled; Chromium may still answer from a socket on
            # another of this machine's own addresses, which the kernel carries over lo too (a
            # peer-reflexive end's address is not shown to pages).
            shown = {end["address"] for end in ends if end["type"] != "prflx"}
            assert "127.0.0.1" in shown and shown <= machine_addresses(), connection
            assert connection["local"]["type"] == "host", connection
    return stats


def machine_addresses() -> set[str]:
    """This machine's own IPv4 addresses."""
    lines = subprocess.run(["ip", "-4", "-o", "addr", "show"], capture_output=True, text=True, check=True).stdout.splitlines()
    return {line.split()[3].split("/")[0] for line in lines}


def test_two_browsers_talk_over_a_video_call_through_the_page(stack, api, browsers):
    from pages import ChatPage

    (student, _), (expert, expert_user), conversation = api.student_and_expert("Ines", "Pablo")
    caller = ChatPage(browsers(media="fake")).open_signed_in(stack.service_url("gateway1"), student.token)
    callee = ChatPage(browsers(media="fake")).open_signed_in(stack.service_url("gateway2"), expert.token)
    caller.open_conversation(conversation["id"])
    caller.calls.start("video")
    caller.wait_until(lambda: caller.calls.shown() and caller.calls.status() == "Calling…", message="calling")
    callee.wait_until(lambda: callee.calls.incoming() == "Ines is calling — Video call", message="ringing on the callee's page")
    callee.calls.accept()
    for page in (caller, callee):
        media_flowing(page)
    caller.wait_until(lambda: caller.calls.status().startswith("0:"), message="the duration runs")

    # Muted and camera off on one side: the other side shows it.
    callee.calls.mute()
    callee.calls.camera()
    caller.wait_until(lambda: caller.calls.peers() == [{"userId": expert_user["id"], "state": "joined", "muted": True, "video": False}],
                      message="the other side muted, camera off")
    callee.calls.camera()
    caller.wait_until(lambda: caller.calls.peers()[0]["video"], message="camera back")
    # The picture itself back, not only the flag: frames decoded since the camera came on.
    frames = caller.calls.stats()[0]["frames"]
    caller.wait_until(lambda: caller.calls.stats()[0]["frames"] > frames + 10, message="the other's picture back")
    caller.screenshot("in-call.png")
    assert caller.accessibility_violations() == []

    callee.calls.hang_up()
    for page in (caller, callee):
        page.wait_until(lambda: not page.calls.shown(), message="the call view closes on both sides")
        assert page.calls.stats() == [], "no connection left open"
    caller.wait_until(lambda: any(line[1] == "answered" for line in caller.conversation.call_lines()), message="the call's line")
    for page in (caller, callee):
        assert page.console_errors() == []


def test_a_call_forced_through_the_turn_relay_carries_media(stack, api, browsers):
    from pages import ChatPage

    (student, _), (expert, _), conversation = api.student_and_expert("Rita", "Relay")
    # Both through the load balancer, as a deployment's users come.
    pages = [ChatPage(browsers(media="fake")).open_signed_in(stack.lb_url, user.token) for user in (student, expert)]
    for page in pages:
        page.driver.execute_script("localStorage.setItem('chat.callRelayOnly', 'relay')")
    caller, callee = pages
    caller.open_conversation(conversation["id"])
    caller.calls.start("video")
    callee.wait_until(lambda: callee.calls.incoming() is not None, message="ringing")
    callee.calls.accept()
    for page in pages:
        media_flowing(page, relay=True)
    caller.calls.hang_up()
    callee.wait_until(lambda: not callee.calls.shown(), message="hung up")


def test_the_callee_second_device_stops_ringing_and_busy_decline_and_timeout_are_told(stack, api, browsers):
    from pages import ChatPage

    (student, _), (expert, expert_user), conversation = api.student_and_expert("Sami", "Tara")
    caller = ChatPage(browsers(media="fake")).open_signed_in(stack.service_url("gateway1"), student.token)
    laptop = ChatPage(browsers(media="fake")).open_signed_in(stack.service_url("gateway2"), expert.token)
    phone = ChatPage(browsers(media="fake")).open_signed_in(stack.service_url("gateway1"), expert.token)
    caller.open_conversation(conversation["id"])

    caller.calls.start("audio")
    for device in (laptop, phone):
        device.wait_until(lambda: device.calls.incoming() == "Sami is calling — Voice call", message="every device rings")
    laptop.calls.accept()
    phone.wait_until(lambda: phone.calls.incoming() is None, message="answered elsewhere: the phone stops ringing")
    assert not phone.calls.shown()
    media_flowing(caller, video=False)

    # Someone else calls the expert meanwhile: busy, said in words.
    other_api, _ = api.register("Uma", login=True)
    with_other = other_api.open_conversation(expert_user)
    other = ChatPage(browsers(media="fake")).open_signed_in(stack.service_url("gateway2"), other_api.token)
    other.open_conversation(with_other["id"])
    other.calls.start("audio")
    other.wait_until(lambda: "another call" in (other.toasts.text() or ""), message="busy")
    assert not other.calls.shown()
    caller.calls.hang_up()
    laptop.wait_until(lambda: not laptop.calls.shown(), message="the callee's view closes")

    # Declined on the phone: the caller is told.
    caller.calls.start("audio")
    phone.wait_until(lambda: phone.calls.incoming() is not None, message="rings again")
    phone.calls.decline()
    caller.wait_until(lambda: not caller.calls.shown() and "Call declined" in caller.toasts.text(), message="declined")

    # Nobody answers: after CALL_RING_TIMEOUT (6 s here) the caller hears "No answer".
    caller.calls.start("audio")
    laptop.wait_until(lambda: laptop.calls.incoming() is not None, message="rings")
    caller.wait_until(lambda: not caller.calls.shown(), message="the ringing times out", timeout=20)
    for device in (laptop, phone):
        device.wait_until(lambda: device.calls.incoming() is None, message="stops ringing")
    laptop.wait_until(lambda: laptop.sidebar.unread_badge(conversation["id"]) == "1", message="the missed call counted")
    for page in (caller, laptop, phone, other):
        assert page.console_errors() == []


def test_a_group_call_of_three_is_a_mesh_on_the_page(stack, api, browsers):
    from pages import ChatPage

    owner_api, _ = api.register("Gia", login=True)
    member_apis = [api.register(name, "expert", login=True) for name in ("Hal", "Ivy")]
    group = owner_api.post("/api/chat/conversations", json={"title": "Study", "participantIds": [u["id"] for _, u in member_apis]}).json()
    pages = [ChatPage(browsers(media="fake", width=900, height=700)).open_signed_in(stack.service_url(f"gateway{1 + i % 2}"), a.token)
             for i, a in enumerate([owner_api] + [a for a, _ in member_apis])]
    owner, hal, ivy = pages
    owner.open_conversation(group["id"])
    owner.calls.start("video")
    for page in (hal, ivy):
        page.wait_until(lambda: page.calls.incoming() == "Gia is calling — Video call in Study", message="the group rings")
    hal.calls.accept()
    media_flowing(hal)
    ivy.calls.accept()
    for page in pages:
        media_flowing(page, peers=2)
        page.wait_until(lambda: len([p for p in page.calls.peers() if p["state"] == "joined"]) == 2, message="two others in the call")
    ivy.calls.hang_up()
    owner.wait_until(lambda: [p["state"] for p in owner.calls.peers()] == ["joined"], message="Ivy left; Gia and Hal talk on")
    hal.calls.hang_up()
    owner.wait_until(lambda: not owner.calls.shown(), message="fewer than two: the call ends")


def test_a_refused_microphone_is_explained_and_no_camera_still_makes_a_voice_call(stack, api, browsers):
    from pages import ChatPage

    (student, _), (expert, _), conversation = api.student_and_expert("Vera", "Walt")
    refused_page = ChatPage(browsers(media="refused")).open_signed_in(stack.service_url("gateway1"), student.token)
    refused_page.open_conversation(conversation["id"])
    refused_page.calls.start("video")
    refused_page.wait_until(lambda: "allow it for this site" in (refused_page.toasts.text() or ""), message="permission refused, said")
    assert not refused_page.calls.shown() and refused_page.calls.can_start()

    # No camera: getUserMedia finds no video device; the call goes on with the voice.
    caller = ChatPage(browsers(media="fake")).open_signed_in(stack.service_url("gateway1"), student.token)
    caller.driver.execute_script("""
        const original = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
        navigator.mediaDevices.getUserMedia = (constraints) => constraints.video
          ? Promise.reject(new DOMException("no camera", "NotFoundError")) : original(constraints);
    """)
    callee = ChatPage(browsers(media="fake")).open_signed_in(stack.service_url("gateway2"), expert.token)
    caller.open_conversation(conversation["id"])
    caller.calls.start("video")
    caller.wait_until(lambda: "voice only" in (caller.toasts.text() or ""), message="no camera, said")
    callee.wait_until(lambda: callee.calls.incoming() is not None, message="rings")
    callee.calls.accept()
    for page in (caller, callee):
        media_flowing(page, video=False)
    callee.calls.hang_up()
