"""Blocking someone (#27), against the real stack with python-socketio on both gateways:
their messages in the direct conversation are refused (the one blocked is told only that
nothing was delivered), no typing or status flows either way, and an unblock restores it."""

import time

from chat import ChatClient
from pages import ChatPage


def test_a_block_stops_messages_typing_and_status_between_two_people(stack, pair, sides):
    (student_api, _), (expert_api, expert_user), conversation = pair
    student, expert, _, _, _ = sides
    cid = conversation["id"]
    # Before: typing flows.
    assert expert.call("typing", {"conversationId": cid})["ok"]
    assert student.recorder.wait_event("user_typing", lambda e: e["isTyping"])

    with ChatClient(stack.service_url("gateway2"), student_api.token) as other_device:
        assert student_api.put(f"/api/me/blocks/{expert_user['id']}").status_code == 204
        # The blocker's other devices learn whom they block.
        told = other_device.recorder.wait_event("blocks_updated")
        assert told == {"userIds": [expert_user["id"]]}
    assert [user["id"] for user in student_api.get("/api/me/blocks").json()] == [expert_user["id"]]

    # Messages: refused both ways, over the socket and REST; the one blocked is not told why.
    ack = expert.call("send_message", {"conversationId": cid, "content": "are you there?"})
    assert ack["error"]["code"] == "not_delivered" and "block" not in ack["error"]["message"].lower(), ack
    refused = expert_api.send_message(cid, "are you there?")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_delivered"
    own = student.call("send_message", {"conversationId": cid, "content": "hello?"})
    assert own["error"]["code"] == "not_delivered" and "unblock" in own["error"]["message"]
    assert not [m for m in student_api.history(cid) if m["content"] in ("are you there?", "hello?")]

    # Typing and status: nothing reaches the blocker, and a lookup says offline.
    student.recorder.clear()
    assert expert.call("typing", {"conversationId": cid, "isTyping": True})["ok"]
    assert expert_api.status_of(expert_user["id"]) == "online"
    assert student_api.status_of(expert_user["id"]) == "offline"
    # Watching them (as a directory does) says offline too, and no change of theirs arrives.
    assert student.call("watch_statuses", {"userIds": [expert_user["id"]]}) == {"ok": True, "online": []}
    with ChatClient(stack.service_url("gateway1"), expert_api.token):
        pass  # another of the expert's devices comes and goes
    assert expert.call("user_offline")["status"] == "offline"
    assert expert.call("user_online")["status"] == "online"
    time.sleep(1.5)
    assert student.recorder.of("user_typing") == []
    assert [e for e in student.recorder.of("user_status_changed") if e["userId"] == expert_user["id"]] == []

    # Unblocked: all of it flows again.
    assert student_api.delete(f"/api/me/blocks/{expert_user['id']}").status_code == 204
    assert expert.call("send_message", {"conversationId": cid, "content": "back again"})["ok"]
    assert student.recorder.wait_event("new_message", lambda m: m["content"] == "back again")
    assert student_api.status_of(expert_user["id"]) == "online"
    assert student.call("watch_statuses", {"userIds": [expert_user["id"]]}) == {"ok": True, "online": [expert_user["id"]]}
    # (The indicator begun while blocked still runs: stopped, then begun again, it is heard.)
    assert expert.call("typing", {"conversationId": cid, "isTyping": False})["ok"]
    assert expert.call("typing", {"conversationId": cid, "isTyping": True})["ok"]
    assert student.recorder.wait_event("user_typing", lambda e: e["isTyping"] and e["userId"] == expert_user["id"])


def test_blocks_are_bounded_to_real_other_people_and_need_a_token(api):
    user_api, user = api.register("Blocker")
    assert user_api.put(f"/api/me/blocks/{user['id']}").status_code == 422
    assert user_api.put("/api/me/blocks/00000000-0000-4000-8000-000000000000").status_code == 404
    assert user_api.put("/api/me/blocks/not-an-id").status_code in (400, 404)
    assert api.get("/api/me/blocks").status_code == 401
    assert user_api.delete("/api/me/blocks/00000000-0000-4000-8000-000000000000").status_code == 204  # nothing to end


def test_the_page_hides_a_blocked_senders_messages_in_a_group_and_closes_the_direct_conversation(stack, api, browsers):
    """Blocked from a message's menu: in a group their messages stand behind a line (Show
    reveals one), their new ones too; a direct conversation with them loses its composer for
    a line with Unblock; the profile lists whom the reader blocked."""
    (ann, _), (eve, eve_user), direct = api.student_and_expert("Ann", "Eve")
    bob, bob_user = api.register("Bob")
    group = ann.post("/api/chat/conversations", json={"participantIds": [bob_user["id"], eve_user["id"]], "title": "Study group"}).json()
    said = bob.send_message(group["id"], "bob says hi").json()
    eve.send_message(direct["id"], "eve writes").raise_for_status()

    page = ChatPage(browsers()).open_signed_in(stack.lb_url, ann.token)
    page.open_conversation(group["id"])
    page.conversation.wait_for_message("bob says hi")
    page.conversation.message(said["id"]).block_sender()
    page.wait_until(page.conversation.message(said["id"]).is_hidden, message="hidden behind a line")
    assert "You blocked Bob" in page.toasts.text()
    assert [user["id"] for user in ann.get("/api/me/blocks").json()] == [bob_user["id"]]
    later = bob.send_message(group["id"], "bob again").json()
    page.wait_until(lambda: page.conversation.message(later["id"]).is_hidden(), message="a new one hidden too")
    assert "bob again" not in page.conversation.message_texts()
    page.wait_until(lambda: page.sidebar.preview(group["id"]) == "Message from someone you blocked", message="nor in the list")
    assert page.accessibility_violations() == []
    page.screenshot("blocked-in-group.png")
    page.conversation.message(said["id"]).reveal()
    page.wait_until(lambda: "bob says hi" in page.conversation.message_texts(), message="shown once asked")

    # The direct conversation with someone blocked: no composer, a way back.
    page.open_conversation(direct["id"])
    page.conversation.wait_for_message("eve writes")
    eve_message = [m for m in ann.history(direct["id"]) if m["content"] == "eve writes"][0]
    page.conversation.message(eve_message["id"]).block_sender()
    page.wait_until(lambda: page.conversation.blocked_banner() is not None, message="the banner")
    assert page.conversation.blocked_banner().startswith("You blocked Eve") and not page.conversation.composer_shown()
    page.screenshot("blocked-direct.png")
    assert eve.send_message(direct["id"], "still there?").status_code == 403

    # The profile lists both; unblocking from there and from the banner.
    page.profile.open()
    page.wait_until(lambda: page.profile.blocked_names() == ["Bob", "Eve"], message="both listed")
    assert page.accessibility_violations() == []
    page.profile.unblock("Bob")
    page.wait_until(lambda: page.profile.blocked_names() == ["Eve"], message="Bob unblocked")
    page.profile.close()
    page.conversation.unblock_from_banner()
    page.wait_until(page.conversation.composer_shown, message="the composer back")
    assert ann.get("/api/me/blocks").json() == []
    page.open_conversation(group["id"])
    page.wait_until(lambda: "bob again" in page.conversation.message_texts(), message="Bob's messages shown again")
    assert page.console_errors() == []
