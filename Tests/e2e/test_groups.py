"""Groups with roles (#28), through the load balancer: a group is its creator's, and its
owner renames it; every member hears of it live, on any gateway, and the page follows."""

from chat import ChatClient
from pages import ChatPage


def test_the_owner_renames_a_group_and_every_member_hears_it(stack, api, browsers):
    (student, student_user), (expert, expert_user), _ = api.student_and_expert("Gus", "Gwen")
    classmate, classmate_user = api.register("Hana")
    group = student.post("/api/chat/conversations", json={"participantIds": [classmate_user["id"], expert_user["id"]], "title": "Physics"}).json()
    assert {(r["userId"], r["role"]) for r in group["roles"]} == {
        (student_user["id"], "owner"), (classmate_user["id"], "member"), (expert_user["id"], "member")}

    page = ChatPage(browsers()).open_signed_in(stack.lb_url, classmate.token)
    page.open_conversation(group["id"])
    with ChatClient(stack.service_url("gateway2"), expert.token) as other:
        other.join(group["id"])
        renamed = student.patch(f"/api/chat/conversations/{group['id']}", json={"title": "Physics, term 2"})
        assert renamed.status_code == 200 and renamed.json()["title"] == "Physics, term 2"
        said = other.recorder.wait_event("new_message", lambda m: m["messageType"] == "SYSTEM" and "renamed" in m["content"])
        assert said["content"] == "Gus renamed the group to “Physics, term 2”"
        update = other.recorder.wait_event("conversation_updated", lambda u: u["conversationId"] == group["id"] and u.get("title") == "Physics, term 2")
        assert update
    # The page: the header and the list take the new name without a reload; the line says who.
    page.wait_until(lambda: page.conversation.title() == "Physics, term 2", message="the header renamed")
    page.conversation.wait_for_message("Gus renamed the group to “Physics, term 2”")

    refused = classmate.patch(f"/api/chat/conversations/{group['id']}", json={"title": "Mine"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_group_admin"
    assert page.console_errors() == []


def test_a_group_message_says_how_many_read_it_and_typing_names_who(stack, api, browsers):
    """Not "read" as soon as anyone read it: "read by 1 of 2", the names on hover, then
    "read by everyone"; two typing at once are named together."""
    (student, _), (expert, expert_user), _ = api.student_and_expert("Kai", "Kim")
    classmate, classmate_user = api.register("Lou")
    group = student.post("/api/chat/conversations", json={"participantIds": [classmate_user["id"], expert_user["id"]], "title": "Chemistry"}).json()
    page = ChatPage(browsers()).open_signed_in(stack.lb_url, student.token)
    page.open_conversation(group["id"])
    page.conversation.send("Who has read this?")
    page.conversation.wait_for_message("Who has read this?")
    sent = [m for m in student.history(group["id"]) if m["content"] == "Who has read this?"][0]
    page.wait_until(lambda: page.conversation.receipt_of(sent["id"])["text"] == "sent", message="sent, read by none")

    classmate.post(f"/api/chat/conversations/{group['id']}/read", json={"seq": sent["seq"]}).raise_for_status()
    page.wait_until(lambda: page.conversation.receipt_of(sent["id"]) == {"text": "read by 1 of 2", "title": "Read by Lou"}, message="one of two")
    assert not page.conversation.own_message_read()  # not everyone yet
    expert.post(f"/api/chat/conversations/{group['id']}/read", json={"seq": sent["seq"]}).raise_for_status()
    page.wait_until(lambda: page.conversation.receipt_of(sent["id"])["text"] == "read by everyone", message="everyone")

    with ChatClient(stack.service_url("gateway1"), classmate.token) as lou, ChatClient(stack.service_url("gateway2"), expert.token) as kim:
        for socket in (lou, kim):
            socket.join(group["id"])
            assert socket.call("typing", {"conversationId": group["id"], "isTyping": True})["ok"]
        page.wait_until(lambda: page.conversation.typing_indicator() in ("Lou and Kim are typing…", "Kim and Lou are typing…"), message="both named")
    page.screenshot("group-receipts.png")
    assert page.console_errors() == []
