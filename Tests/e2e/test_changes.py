"""Edits, deletes and reactions with python-socketio on two gateways at once and over REST:
each reaches every member once, is applied once however often it is sent, and a member who
was offline meanwhile finds every change by asking what changed since their last one."""

import concurrent.futures
import time
import urllib.parse
import uuid

import stack as stack_module

from api import Api
from chat import ChatClient


def send(client: ChatClient, conversation: dict, content: str) -> dict:
    ack = client.call("send_message", {"conversationId": conversation["id"], "content": content})
    assert ack.get("ok"), ack
    return ack["message"]


def rest(stack, client: ChatClient) -> Api:
    """The REST API as the user of a socket client, through the load balancer."""
    return Api(stack.lb_url, client.token)


def history(client: ChatClient, conversation_id: str) -> list[dict]:
    """The conversation's history as the socket's user reads it over REST, through the socket's gateway."""
    return Api(client.url, client.token).history(conversation_id)


def test_an_edit_reaches_every_member_once_and_a_retry_changes_nothing(sides):
    a, b, a_user, _, conversation = sides
    message = send(a, conversation, "helo")
    edit = {"conversationId": conversation["id"], "messageId": message["id"], "content": "hello"}
    ack = a.call("edit_message", edit)
    assert ack["ok"] and ack["message"]["content"] == "hello" and ack["message"]["version"] == 2
    assert ack["message"]["editedAt"] and ack["message"]["changeSeq"] > message["changeSeq"]
    for client in (a, b):
        updated = client.recorder.wait_event("message_updated", lambda e: e["messageId"] == message["id"])
        assert updated and updated["content"] == "hello" and updated["version"] == 2 and updated["changeSeq"] == ack["message"]["changeSeq"]
    # The same edit again (a client retrying) is the message as it stands: no new version, no event.
    again = a.call("edit_message", edit)
    assert again["message"]["version"] == 2 and again["message"]["changeSeq"] == ack["message"]["changeSeq"]
    time.sleep(0.5)
    assert len(b.recorder.of("message_updated")) == 1
    stored = history(b, conversation["id"])
    assert [m for m in stored if m["id"] == message["id"]][0]["content"] == "hello"


def test_only_the_sender_edits_or_deletes_and_system_messages_stay(sides):
    a, b, _, _, conversation = sides
    message = send(a, conversation, "mine")
    for event, extra in (("edit_message", {"content": "theirs"}), ("delete_message", {})):
        refused = b.call(event, {"conversationId": conversation["id"], "messageId": message["id"], **extra})
        assert refused["error"]["code"] == "not_your_message", refused
        welcome = a.call(event, {"conversationId": conversation["id"], "messageId": history(a, conversation["id"])[0]["id"], **extra})
        assert welcome["error"]["code"] == "system_message", welcome
    unknown = a.call("edit_message", {"conversationId": conversation["id"], "messageId": "6b0b1f5e-0000-4000-8000-000000000000", "content": "x"})
    assert unknown["error"]["code"] == "not_found"
    blank = a.call("edit_message", {"conversationId": conversation["id"], "messageId": message["id"], "content": "  "})
    assert blank["error"]["code"] == "validation_failed"
    assert history(a, conversation["id"])[-1]["content"] == "mine"


def test_the_edit_window_closes(stack, sides):
    a, _, _, _, conversation = sides
    message = send(a, conversation, "old news")
    stack.psql(f"UPDATE messages SET created_at = now() - interval '16 minutes' WHERE id = '{message['id']}'", database=stack.database)
    refused = a.call("edit_message", {"conversationId": conversation["id"], "messageId": message["id"], "content": "new news"})
    assert refused["error"]["code"] == "edit_window_passed" and "15 minutes" in refused["error"]["message"]
    # Deleting has no window.
    assert a.call("delete_message", {"conversationId": conversation["id"], "messageId": message["id"]})["ok"]


def test_a_delete_leaves_a_tombstone_and_moves_the_unread_count(stack, sides):
    a, b, _, _, conversation = sides
    kept = send(a, conversation, "kept")
    gone = send(a, conversation, "regret")
    unread = lambda: rest(stack, b).conversation(conversation["id"])["unreadCount"]
    assert unread() == 2
    ack = a.call("delete_message", {"conversationId": conversation["id"], "messageId": gone["id"]})
    assert ack["ok"] and ack["message"]["deletedAt"] and ack["message"]["content"] == "" and ack["message"]["seq"] == gone["seq"]
    deleted = b.recorder.wait_event("message_deleted", lambda e: e["messageId"] == gone["id"])
    assert deleted and deleted["seq"] == gone["seq"] and deleted["changeSeq"] == ack["message"]["changeSeq"]
    assert unread() == 1
    # History keeps the seq, without a hole; the last message shown is the tombstone.
    seqs = [m["seq"] for m in history(b, conversation["id"])]
    assert seqs == list(range(1, gone["seq"] + 1))
    last = rest(stack, b).conversation(conversation["id"])["lastMessage"]
    assert last["id"] == gone["id"] and last["deletedAt"] and last["content"] == ""
    # Deleted twice is deleted once; a deleted message is edited or reacted to by nobody.
    assert a.call("delete_message", {"conversationId": conversation["id"], "messageId": gone["id"]})["message"]["changeSeq"] == ack["message"]["changeSeq"]
    edit = a.call("edit_message", {"conversationId": conversation["id"], "messageId": gone["id"], "content": "back"})
    assert edit["error"]["code"] == "message_deleted"
    react = b.call("add_reaction", {"conversationId": conversation["id"], "messageId": gone["id"], "emoji": "👍"})
    assert react["error"]["code"] == "message_deleted"
    assert kept["content"] == "kept"


def test_reactions_are_one_per_user_and_emoji_and_counted(sides):
    a, b, a_user, b_user, conversation = sides
    message = send(a, conversation, "react to me")
    ref = {"conversationId": conversation["id"], "messageId": message["id"]}
    mine = a.call("add_reaction", {**ref, "emoji": "👍"})
    assert mine["message"]["reactions"] == [{"emoji": "👍", "count": 1, "me": True}]
    theirs = b.call("add_reaction", {**ref, "emoji": "👍"})
    assert theirs["message"]["reactions"] == [{"emoji": "👍", "count": 2, "me": True}]
    # Twice is once.
    assert b.call("add_reaction", {**ref, "emoji": "👍"})["message"]["reactions"][0]["count"] == 2
    added = a.recorder.wait_event("reaction_added", lambda e: e["userId"] == b_user["id"])
    assert added and added["emoji"] == "👍" and added["count"] == 2 and added["messageId"] == message["id"]
    family = "👨‍👩‍👧‍👦"
    assert b.call("add_reaction", {**ref, "emoji": family})["ok"]
    removed = b.call("remove_reaction", {**ref, "emoji": "👍"})
    assert removed["message"]["reactions"] == [{"emoji": "👍", "count": 1, "me": False}, {"emoji": family, "count": 1, "me": True}]
    gone = a.recorder.wait_event("reaction_removed", lambda e: e["userId"] == b_user["id"])
    assert gone and gone["count"] == 1
    # Each reader sees their own `me` in history.
    seen = {m["id"]: m for m in history(a, conversation["id"])}[message["id"]]
    assert seen["reactions"] == [{"emoji": "👍", "count": 1, "me": True}, {"emoji": family, "count": 1, "me": False}]
    for bad in ("a", "1", "ab", "👍👍", "", "x" * 100, "♥", "\u200d"):
        refused = a.call("add_reaction", {**ref, "emoji": bad})
        assert refused["error"]["code"] == "validation_failed", (bad, refused)


def test_a_message_carries_a_bounded_set_of_emoji(sides):
    a, b, _, _, conversation = sides
    message = send(a, conversation, "so many feelings")
    ref = {"conversationId": conversation["id"], "messageId": message["id"]}
    emoji = [chr(0x1F600 + index) for index in range(21)]
    for one in emoji[:20]:
        assert a.call("add_reaction", {**ref, "emoji": one})["ok"]
    refused = b.call("add_reaction", {**ref, "emoji": emoji[20]})
    assert refused["error"]["code"] == "too_many_reactions"
    # One already there may still be chosen by another member.
    assert b.call("add_reaction", {**ref, "emoji": emoji[0]})["message"]["reactions"][0]["count"] == 2


def test_rest_edits_deletes_and_reactions_reach_sockets(stack, sides):
    a, b, _, _, conversation = sides
    message = send(a, conversation, "via rest")
    path = f"/api/chat/conversations/{conversation['id']}/messages/{message['id']}"
    edited = rest(stack, a).patch(path, json={"content": "edited via rest"})
    assert edited.status_code == 200 and edited.json()["version"] == 2
    assert b.recorder.wait_event("message_updated", lambda e: e["content"] == "edited via rest")
    heart = urllib.parse.quote("❤️")
    reacted = rest(stack, b).put(f"{path}/reactions/{heart}")
    assert reacted.status_code == 200 and reacted.json()["reactions"] == [{"emoji": "❤️", "count": 1, "me": True}]
    assert a.recorder.wait_event("reaction_added", lambda e: e["emoji"] == "❤️")
    assert rest(stack, b).put(f"{path}/reactions/{urllib.parse.quote('no')}").status_code == 422
    assert rest(stack, b).delete(f"{path}/reactions/{heart}").json()["reactions"] == []
    assert rest(stack, b).patch(path, json={"content": "not mine"}).status_code == 403
    assert rest(stack, a).patch(path, json={}).status_code in (400, 422)
    deleted = rest(stack, a).delete(path)
    assert deleted.status_code == 200 and deleted.json()["deletedAt"]
    assert b.recorder.wait_event("message_deleted", lambda e: e["messageId"] == message["id"])
    # A stranger learns nothing.
    stranger, _ = Api(stack.lb_url).register("Stranger")
    assert stranger.patch(path, json={"content": "mine now"}).status_code == 403
    assert stranger.get(f"/api/chat/conversations/{conversation['id']}/changes", params={"after": 0}).status_code == 403


def test_an_offline_member_catches_up_on_every_change(stack, pair):
    (a_api, _), (b_api, _), conversation = pair
    with ChatClient(stack.service_url("gateway1"), a_api.token) as a:
        a.join(conversation["id"])
        first, second, third = (send(a, conversation, text) for text in ("one", "two", "three"))
        # The reader was last here: it knows every change so far.
        seen = b_api.conversation(conversation["id"])["lastChangeSeq"]
        assert seen == third["changeSeq"]
        # Offline meanwhile: an edit, a delete, a reaction, a new message.
        ref = {"conversationId": conversation["id"]}
        assert a.call("edit_message", {**ref, "messageId": first["id"], "content": "one, edited"})["ok"]
        assert a.call("delete_message", {**ref, "messageId": second["id"]})["ok"]
        assert a.call("add_reaction", {**ref, "messageId": third["id"], "emoji": "🎉"})["ok"]
        fourth = send(a, conversation, "four")
    with ChatClient(stack.service_url("gateway2"), b_api.token) as b:
        b.join(conversation["id"])
        synced = b.call("sync_conversation", {"conversationId": conversation["id"], "changesAfter": seen})
        assert synced["ok"] and not synced["hasMore"]
        changed = {m["id"]: m for m in synced["messages"]}
        assert set(changed) == {first["id"], second["id"], third["id"], fourth["id"]}
        assert changed[first["id"]]["content"] == "one, edited" and changed[second["id"]]["deletedAt"]
        assert changed[third["id"]]["reactions"] == [{"emoji": "🎉", "count": 1, "me": False}]
        assert [m["changeSeq"] for m in synced["messages"]] == sorted(m["changeSeq"] for m in synced["messages"])
        assert synced["lastChangeSeq"] == max(changed[x]["changeSeq"] for x in changed)
        # Nothing since: an empty page that starts where it ended; small pages walk it all.
        again = b.call("sync_conversation", {"conversationId": conversation["id"], "changesAfter": synced["lastChangeSeq"]})
        assert again["messages"] == [] and again["lastChangeSeq"] == synced["lastChangeSeq"]
        walked, cursor = [], seen
        while True:
            page = b.call("sync_conversation", {"conversationId": conversation["id"], "changesAfter": cursor, "limit": 1})
            walked += [m["id"] for m in page["messages"]]
            cursor = page["lastChangeSeq"]
            if not page["hasMore"]:
                break
        assert walked == [m["id"] for m in synced["messages"]]
        assert b.call("sync_conversation", {"conversationId": conversation["id"]})["error"]["code"] == "bad_request"
    rest_page = b_api.get(f"/api/chat/conversations/{conversation['id']}/changes", params={"after": seen}).json()
    assert [m["id"] for m in rest_page["messages"]] == [m["id"] for m in synced["messages"]]


def test_concurrent_changes_to_one_message_keep_every_reaction(stack, sides):
    a, b, _, _, conversation = sides
    message = send(a, conversation, "pile on")
    path = f"/api/chat/conversations/{conversation['id']}/messages/{message['id']}"
    emoji = [chr(0x1F600 + index) for index in range(10)]
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda e: rest(stack, b if ord(e) % 2 else a).put(f"{path}/reactions/{urllib.parse.quote(e)}").status_code,
                                emoji))
        edits = list(pool.map(lambda n: rest(stack, a).patch(path, json={"content": f"v{n}"}).status_code, range(5)))
    assert results == [200] * 10 and edits == [200] * 5
    final = rest(stack, a).get(f"/api/chat/conversations/{conversation['id']}/changes", params={"after": message["changeSeq"] - 1}).json()
    stored = [m for m in final["messages"] if m["id"] == message["id"]][0]
    assert sorted(r["emoji"] for r in stored["reactions"]) == sorted(emoji) and stored["version"] == 6


def test_a_deleted_attachment_is_gone_and_its_file_swept(stack, pair):
    (a_api, _), (b_api, _), conversation = pair
    data = b"%PDF-1.4\n" + uuid.uuid4().bytes * 100
    uploaded = a_api.upload(conversation["id"], data, name="notes.pdf", timeout=30)
    assert uploaded.status_code == 201, uploaded.text
    message = uploaded.json()
    download = message["attachments"][0]["url"]
    assert b_api.get(download).status_code == 200
    stored = stack.state_dir / "uploads" / "blobs"
    files = lambda: {path.name for path in stored.rglob("*") if path.is_file()}
    assert message["attachments"][0]["sha256"] in files()

    deleted = a_api.delete(f"/api/chat/conversations/{conversation['id']}/messages/{message['id']}")
    assert deleted.status_code == 200 and deleted.json()["attachments"] == [] and deleted.json()["content"] == ""
    for member in (a_api, b_api):
        assert member.get(download).status_code == 404
    # An uploads instance that sweeps at once (the deployment's waits an hour) removes the
    # file, which no attachment refers to now, and keeps every file one does.
    sha256 = message["attachments"][0]["sha256"]
    others = files() - {sha256}
    port = stack_module.Ports.free().uploads
    sweeper = stack.spawn("uploads-sweeper", [str(stack.bin_dir / "uploads")], {
        **stack.environment("uploads"), "HTTP_PORT": str(port), "UPLOAD_ORPHAN_GRACE": "0.2", "UPLOAD_SWEEP_EVERY": "0.3"})
    try:
        deadline = time.monotonic() + 15
        while sha256 in files() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert sha256 not in files()
    finally:
        stack.stop("uploads-sweeper")
    assert sweeper.poll() is not None
    for name in others - files():
        assert stack.psql(f"SELECT count(*) FROM attachments WHERE storage_key LIKE '%{name}'", database=stack.database) == "0"
