"""Unread counts that move by themselves: a new message reaches every socket of a member once
(`new_message` in the room, `notification` outside it), which counts it; `conversation_updated`
brings the server's count to a member's own sockets, on every gateway, when they read or mark
unread on another device, and when a message is deleted or the last one edited."""

import concurrent.futures
import time

from chat import ChatClient


def test_counts_follow_messages_reads_deletes_and_edits_on_every_device(stack, api, pair):
    (a_api, a_user), (b_api, _), conversation = pair
    cid = conversation["id"]
    updates = lambda client: [u for u in client.recorder.of("conversation_updated") if u["conversationId"] == cid]  # noqa: E731
    with ChatClient(stack.service_url("gateway1"), a_api.token) as reading, \
            ChatClient(stack.service_url("gateway2"), a_api.token) as phone, \
            ChatClient(stack.service_url("gateway2"), b_api.token) as b, \
            ChatClient(stack.service_url("gateway1"), b_api.token) as b_laptop:
        reading.join(cid)
        b.join(cid)
        first = b.call("send_message", {"conversationId": cid, "content": "one"})["message"]
        second = b.call("send_message", {"conversationId": cid, "content": "two"})["message"]
        # A new message is one event to each socket, which counts it: `new_message` in the room,
        # `notification` outside it. The count they make is the server's.
        assert reading.recorder.wait_for(lambda: [m["id"] for m in reading.recorder.of("new_message")] == [first["id"], second["id"]])
        assert phone.recorder.wait_for(lambda: [n["message"]["id"] for n in phone.recorder.of("notification")] == [first["id"], second["id"]])
        assert a_api.conversation(cid)["unreadCount"] == 2
        time.sleep(0.5)  # long enough for an update, were one sent
        assert updates(reading) == updates(phone) == []
        assert not [u for client in (b, b_laptop) for u in client.recorder.of("conversation_updated") if u["conversationId"] == cid]

        # Read on one device: the other one's count drops to zero.
        assert reading.call("mark_read", {"conversationId": cid, "seq": second["seq"]})["ok"]
        assert phone.recorder.wait_event("conversation_updated", lambda u: u["conversationId"] == cid and u["unreadCount"] == 0)

        # Marked unread from the first: two again on every device, read still for the sender.
        reading.recorder.wait_event("conversation_updated", lambda u: u["conversationId"] == cid and u["unreadCount"] == 0)
        seen = len(updates(reading))
        ack = phone.call("mark_unread", {"conversationId": cid, "messageId": first["id"]})
        assert ack == {"ok": True, "conversationId": cid, "unreadCount": 2, "lastSeq": second["seq"], "lastReadSeq": first["seq"] - 1}
        assert reading.recorder.wait_for(lambda: len(updates(reading)) > seen and updates(reading)[-1]["unreadCount"] == 2)
        assert updates(reading)[-1]["lastReadSeq"] == first["seq"] - 1, "the watermark, on every device"
        assert a_api.conversation(cid)["unreadCount"] == 2 and a_api.conversation(cid)["lastReadSeq"] == first["seq"] - 1
        reads = b_api.conversation(cid)["reads"]
        assert {"userId": a_user["id"], "seq": second["seq"]} in reads

        # The last message deleted: one unread, the tombstone as the last message.
        before = len(updates(phone))
        assert b.call("delete_message", {"conversationId": cid, "messageId": second["id"]})["ok"]
        deleted = phone.recorder.wait_event("conversation_updated", lambda u: u["conversationId"] == cid and u["lastMessage"].get("deletedAt"))
        assert deleted and deleted["unreadCount"] == 1 and len(updates(phone)) > before
        # An edit of an older message changes no list; of the newest, the preview.
        third = b.call("send_message", {"conversationId": cid, "content": "thre"})["message"]
        assert phone.recorder.wait_event("notification", lambda n: n["message"]["id"] == third["id"])
        count = len(updates(phone))
        assert b.call("edit_message", {"conversationId": cid, "messageId": first["id"], "content": "one!"})["ok"]
        assert b.call("edit_message", {"conversationId": cid, "messageId": third["id"], "content": "three"})["ok"]
        edited = phone.recorder.wait_event("conversation_updated", lambda u: u.get("lastMessage", {}).get("content") == "three")
        assert edited and len(updates(phone)) == count + 1

        # Mark unread: members only, and a message of this conversation.
        stranger, _ = api.register("Nosy")
        assert stranger.post(f"/api/chat/conversations/{cid}/unread", json={"messageId": first["id"]}).status_code == 403
        other = a_api.open_conversation(api.register("Other", "expert")[1])
        elsewhere = a_api.post(f"/api/chat/conversations/{other['id']}/unread", json={"messageId": first["id"]})
        assert elsewhere.status_code == 404


def test_a_new_conversation_reaches_its_members_lists(stack, api):
    student, _ = api.register("Newcomer")
    helper_api, expert = api.register("Helper", "expert")
    with ChatClient(stack.service_url("gateway2"), helper_api.token) as helper:
        conversation = student.open_conversation(expert)
        update = helper.recorder.wait_event("conversation_updated", lambda u: u["conversationId"] == conversation["id"])
        # The welcome message is a SYSTEM one: nothing unread.
        assert update and update["unreadCount"] == 0 and update["lastMessage"]["messageType"] == "SYSTEM"


def recount(stack, conversation_id: str, user_id: str) -> int:
    """The unread count as it would be counted from scratch."""
    return int(stack.psql(f"""
        SELECT count(*) FROM messages x JOIN conversation_members m ON m.conversation_id = x.conversation_id
        WHERE m.conversation_id = '{conversation_id}' AND m.user_id = '{user_id}' AND x.seq > m.last_read_seq
          AND x.deleted_at IS NULL AND x.message_type <> 'SYSTEM' AND x.sender_id IS DISTINCT FROM m.user_id""", database=stack.database))


def test_the_count_is_right_under_concurrent_sends_reads_and_deletes(stack, pair):
    """Sends from both sides, reads and mark-unreads by the reader and deletes by the
    sender, all at once, leave the count what a count from scratch gives."""
    (a_api, a_user), (b_api, b_user), conversation = pair
    cid = conversation["id"]
    sent = []

    def send(index):
        sender = b_api if index % 3 else a_api
        message = sender.send_message(cid, f"m{index}").json()
        sent.append((sender, message))

    def read(index):
        last = a_api.conversation(cid)["lastSeq"]
        if index % 4 == 0:
            theirs = [m for sender, m in list(sent) if sender is b_api]
            if theirs:
                a_api.post(f"/api/chat/conversations/{cid}/unread", json={"messageId": theirs[len(theirs) // 2]["id"]})
                return
        a_api.post(f"/api/chat/conversations/{cid}/read", json={"seq": max(1, last - index % 5)})

    def delete(index):
        theirs = [m for sender, m in list(sent) if sender is b_api]
        if theirs:
            b_api.delete(f"/api/chat/conversations/{cid}/messages/{theirs[index % len(theirs)]['id']}")

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        jobs = [pool.submit(send, i) for i in range(60)] + [pool.submit(read, i) for i in range(30)] + \
               [pool.submit(delete, i) for i in range(10)]
        for job in jobs:
            job.result()
    for user, member in ((a_user, a_api), (b_user, b_api)):
        shown = member.conversation(cid)["unreadCount"]
        assert shown == recount(stack, cid, user["id"]), user["name"]
    # Reading to the end is none; marking unread from the first of theirs is all of theirs not deleted.
    last = a_api.conversation(cid)["lastSeq"]
    a_api.post(f"/api/chat/conversations/{cid}/read", json={"seq": last})
    assert a_api.conversation(cid)["unreadCount"] == 0
    first = min((m for sender, m in sent if sender is b_api), key=lambda m: m["seq"])
    a_api.post(f"/api/chat/conversations/{cid}/unread", json={"messageId": first["id"]})
    assert a_api.conversation(cid)["unreadCount"] == recount(stack, cid, a_user["id"]) > 0


def test_a_receipt_reaches_the_other_members_sockets_that_have_not_joined(stack, pair):
    """Read receipts go to the conversation's room and, once, to the members' sockets outside
    it (a list open elsewhere), but not to the reader's own."""
    (student, _), (expert, _), conversation = pair
    sent = expert.send_message(conversation["id"], "read me").json()
    with ChatClient(stack.service_url("gateway2"), expert.token) as outside, \
            ChatClient(stack.service_url("gateway1"), expert.token) as inside, \
            ChatClient(stack.service_url("gateway1"), student.token) as reader:
        inside.join(conversation["id"])
        reader.call("mark_read", {"conversationId": conversation["id"], "seq": sent["seq"]})
        for client in (outside, inside):
            receipt = client.recorder.wait_event("messages_read", lambda data: data["seq"] == sent["seq"])
            assert receipt and receipt["userId"].lower() == reader_id(student)
        time.sleep(0.3)
        assert len(inside.recorder.of("messages_read")) == 1  # the room's copy alone
        assert reader.recorder.of("messages_read") == []


def reader_id(client) -> str:
    return client.get("/api/me").json()["id"].lower()
