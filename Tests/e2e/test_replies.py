"""Replies with python-socketio on two gateways at once and over REST: a reply carries what
it answers to every member, history and change sync show the original as it is now, and a
reply to a message elsewhere or deleted is refused and stored nowhere."""

import uuid

from test_changes import history, rest, send


def test_a_reply_reaches_the_other_gateway_with_its_original(sides):
    a, b, a_user, b_user, conversation = sides
    question = send(a, conversation, "What is the derivative of x²?")
    ack = b.call("send_message", {"conversationId": conversation["id"], "content": "2x", "replyTo": question["id"]})
    assert ack["ok"], ack
    preview = {"id": question["id"], "seq": question["seq"], "senderId": a_user["id"], "messageType": "TEXT",
               "snippet": "What is the derivative of x²?", "deleted": False}
    assert ack["message"]["replyTo"] == preview
    for client in (a, b):
        event = client.recorder.wait_event("new_message", lambda m: m["id"] == ack["message"]["id"])
        assert event and event["replyTo"] == preview
    assert history(a, conversation["id"])[-1]["replyTo"] == preview
    # A message that answers nothing has no replyTo at all.
    assert "replyTo" not in question


def test_a_reply_is_refused_for_a_message_elsewhere_or_deleted(stack, sides):
    a, b, _, _, conversation = sides
    target = send(a, conversation, "soon gone")
    for reply_to, code in ((str(uuid.uuid4()), "not_found"), ("not-a-uuid", "bad_request"), (42, "bad_request")):
        refused = b.call("send_message", {"conversationId": conversation["id"], "content": "?", "replyTo": reply_to})
        assert not refused.get("ok") and refused["error"]["code"] == code, (reply_to, refused)
    assert a.call("delete_message", {"conversationId": conversation["id"], "messageId": target["id"]})["ok"]
    refused = b.call("send_message", {"conversationId": conversation["id"], "content": "?", "replyTo": target["id"]})
    assert refused["error"]["code"] == "message_deleted", refused
    over_rest = rest(stack, b).send_message(conversation["id"], "?", replyTo=target["id"])
    assert over_rest.status_code == 409 and over_rest.json()["error"]["code"] == "message_deleted"
    assert all("replyTo" not in m for m in history(a, conversation["id"]))


def test_a_rest_reply_and_its_deleted_original_in_change_sync(stack, sides):
    a, b, a_user, _, conversation = sides
    original = send(a, conversation, "x" * 150)
    response = rest(stack, b).send_message(conversation["id"], "agreed", replyTo=original["id"], clientMessageId="rr-1")
    assert response.status_code == 201, response.text
    reply = response.json()
    assert reply["replyTo"]["snippet"] == "x" * 100 and reply["replyTo"]["senderId"] == a_user["id"]
    assert a.recorder.wait_event("new_message", lambda m: m["id"] == reply["id"])["replyTo"]["id"] == original["id"]

    assert a.call("delete_message", {"conversationId": conversation["id"], "messageId": original["id"]})["ok"]
    page = rest(stack, a).get(f"/api/chat/conversations/{conversation['id']}/changes", params={"after": 0}).json()
    synced = next(m for m in page["messages"] if m["id"] == reply["id"])
    assert synced["replyTo"] == {"id": original["id"], "seq": original["seq"], "senderId": a_user["id"], "messageType": "TEXT",
                                 "snippet": "", "deleted": True}
    # Over the socket the same: what the page asks after a reconnect.
    sync = a.call("sync_conversation", {"conversationId": conversation["id"], "changesAfter": 0})
    assert sync.get("ok"), sync
    assert next(m for m in sync["messages"] if m["id"] == reply["id"])["replyTo"]["deleted"] is True
