"""Faults the real-time path must survive with nothing lost: messages killed mid-send,
a gateway dying without a word, presence restarted."""

import threading
import time

from chat import ChatClient, history, open_conversation, register


def ensure_running(stack):
    for name in ("messages", "presence", "gateway1", "gateway2"):
        if name not in stack.processes or stack.processes[name].poll() is not None:
            stack.start_service(name)


def test_messages_killed_mid_send_stores_every_acked_message_once_and_delivers_it(stack):
    ensure_running(stack)
    a_token, _ = register(stack.lb_url, "Sender", "student")
    b_token, b_user = register(stack.lb_url, "Reader", "expert")
    conversation = open_conversation(stack.lb_url, a_token, b_user)
    total = 40
    acked: dict[str, dict] = {}
    with ChatClient(stack.service_url("gateway1"), a_token) as a, ChatClient(stack.service_url("gateway2"), b_token) as b:
        a.join(conversation["id"])
        b.join(conversation["id"])

        def send_all():
            for index in range(total):
                key = f"k-{index}"
                for _attempt in range(20):  # a client resends with the same key until it gets an ack
                    try:
                        ack = a.call("send_message", {"conversationId": conversation["id"], "content": f"m{index}", "clientMessageId": key}, timeout=12)
                    except Exception:
                        continue
                    if ack.get("ok"):
                        acked[key] = ack["message"]
                        break
                    assert ack["error"].get("retryable"), ack
                    time.sleep(0.5)

        sender = threading.Thread(target=send_all)
        sender.start()
        while len(acked) < 8:
            time.sleep(0.05)
        stack.kill("messages")
        time.sleep(1.0)
        stack.start_service("messages")
        sender.join(timeout=180)
        assert not sender.is_alive()

        assert len(acked) == total
        stored = [m for m in history(stack.lb_url, a_token, conversation["id"]) if m["messageType"] == "TEXT"]
        keys = [m["clientMessageId"] for m in stored]
        assert sorted(keys) == sorted(acked), "every acked message stored, and nothing else"
        assert len(keys) == len(set(keys)), "each stored once"
        assert {m["id"] for m in stored} == {m["id"] for m in acked.values()}
        seqs = sorted(m["seq"] for m in stored)
        assert seqs == list(range(2, 2 + total)), "no seq lost or used twice"
        assert b.recorder.wait_for(lambda: len(b.recorder.of("new_message")) >= total, timeout=30)
        time.sleep(1)
        delivered = [m["id"] for m in b.recorder.of("new_message")]
        assert sorted(delivered) == sorted(m["id"] for m in stored), "each delivered to the reader exactly once"


def test_a_gateway_that_dies_silently_has_its_users_marked_offline(stack):
    ensure_running(stack)
    a_token, a_user = register(stack.lb_url, "Doomed", "student")
    b_token, b_user = register(stack.lb_url, "Witness", "expert")
    open_conversation(stack.lb_url, a_token, b_user)
    with ChatClient(stack.service_url("gateway2"), b_token) as b:
        doomed = ChatClient(stack.service_url("gateway1"), a_token).connect()
        assert b.recorder.wait_event("user_status_changed", lambda e: e["userId"] == a_user["id"] and e["status"] == "online")
        stack.kill("gateway1")
        killed = time.monotonic()
        offline = b.recorder.wait_event("user_status_changed", lambda e: e["userId"] == a_user["id"] and e["status"] == "offline", timeout=20)
        assert offline, "offline within 15 s of the gateway's death"
        assert time.monotonic() - killed < 15
        doomed.client.eio.disconnect(abort=True)
    stack.start_service("gateway1")


def test_a_presence_restart_loses_no_status_change(stack):
    ensure_running(stack)
    a_token, _ = register(stack.lb_url, "Watcher", "student")
    b_token, b_user = register(stack.lb_url, "Leaver", "expert")
    open_conversation(stack.lb_url, a_token, b_user)
    with ChatClient(stack.service_url("gateway1"), a_token) as a:
        b = ChatClient(stack.service_url("gateway2"), b_token).connect()
        assert a.recorder.wait_event("user_status_changed", lambda e: e["userId"] == b_user["id"] and e["status"] == "online")
        stack.stop("presence")
        b.disconnect()  # reported while presence is down: it waits in the stream
        time.sleep(1)
        assert not [e for e in a.recorder.of("user_status_changed") if e["userId"] == b_user["id"] and e["status"] == "offline"]
        stack.start_service("presence")
        assert a.recorder.wait_event("user_status_changed", lambda e: e["userId"] == b_user["id"] and e["status"] == "offline", timeout=15)
