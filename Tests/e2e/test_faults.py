"""Faults the real-time path must survive with nothing lost: messages killed mid-send,
a gateway dying without a word or stopped with SIGTERM, presence restarted."""

import json
import signal
import threading
import time

import websocket

import stack as stack_module
from api import Api
from chat import ChatClient


def ensure_running(stack):
    for name in ("messages", "presence", "gateway1", "gateway2"):
        if name not in stack.processes or stack.processes[name].poll() is not None:
            stack.start_service(name)


def test_messages_killed_mid_send_stores_every_acked_message_once_and_delivers_it(stack, api):
    ensure_running(stack)
    sender_api, _ = api.register("Sender", "student")
    reader_api, b_user = api.register("Reader", "expert")
    conversation = sender_api.open_conversation(b_user)
    total = 40
    acked: dict[str, dict] = {}
    with ChatClient(stack.service_url("gateway1"), sender_api.token) as a, \
            ChatClient(stack.service_url("gateway2"), reader_api.token) as b:
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
        stored = [m for m in sender_api.history(conversation["id"]) if m["messageType"] == "TEXT"]
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


def contacts(stack, leaving: str, staying: str) -> tuple[str, dict, str]:
    """Two users in a conversation, so each sees the other's status: (token, user) of the
    first, the token of the second."""
    ensure_running(stack)
    (a, a_user), (b, _), _ = Api(stack.lb_url).student_and_expert(leaving, staying)
    return a.token, a_user, b.token


def status(user: dict, value: str):
    return lambda event: event["userId"] == user["id"] and event["status"] == value


def test_a_gateway_that_dies_silently_has_its_users_marked_offline(stack):
    a_token, a_user, b_token = contacts(stack, "Doomed", "Witness")
    with ChatClient(stack.service_url("gateway2"), b_token) as b:
        doomed = ChatClient(stack.service_url("gateway1"), a_token).connect()
        assert b.recorder.wait_event("user_status_changed", status(a_user, "online"))
        stack.kill("gateway1")
        killed = time.monotonic()
        offline = b.recorder.wait_event("user_status_changed", status(a_user, "offline"), timeout=20)
        assert offline, "offline within 15 s of the gateway's death"
        assert time.monotonic() - killed < 15
        doomed.client.eio.disconnect(abort=True)
    stack.start_service("gateway1")


def test_a_gateway_stopped_with_sigterm_lets_its_sockets_go_and_exits(stack):
    a_token, a_user, b_token = contacts(stack, "Leaving", "Staying")
    with ChatClient(stack.service_url("gateway2"), b_token) as b:
        leaving = [ChatClient(stack.service_url("gateway1"), a_token).connect() for _ in range(3)]
        raw = websocket.create_connection(stack.service_url("gateway1").replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket", timeout=10)
        assert raw.recv().startswith("0{")
        raw.send("40" + json.dumps({"token": a_token}))
        assert raw.recv().startswith("40{")
        assert b.recorder.wait_event("user_status_changed", status(a_user, "online"))
        started = time.monotonic()
        assert stack.stop("gateway1", timeout=20) == 0, "a clean exit, not a kill after the timeout"
        assert time.monotonic() - started < 10, "sockets closed at once, not left to time out"
        assert all(not client.client.connected for client in leaving), "every socket let go"
        while (frame := raw.recv_data_frame(control_frame=True)[1]).opcode != websocket.ABNF.OPCODE_CLOSE:
            pass  # pings and status changes sent before the close
        assert int.from_bytes(frame.data[:2], "big") == 1001, "going away: clients reconnect to another gateway"
        raw.close()
        assert b.recorder.wait_event("user_status_changed", status(a_user, "offline"), timeout=20), "its users reported offline"
    stack.start_service("gateway1")


def test_a_presence_restart_loses_no_status_change(stack, api):
    ensure_running(stack)
    watcher, _ = api.register("Watcher", "student")
    leaver, b_user = api.register("Leaver", "expert")
    watcher.open_conversation(b_user)
    with ChatClient(stack.service_url("gateway1"), watcher.token) as a:
        b = ChatClient(stack.service_url("gateway2"), leaver.token).connect()
        assert a.recorder.wait_event("user_status_changed", lambda e: e["userId"] == b_user["id"] and e["status"] == "online")
        stack.stop("presence")
        b.disconnect()  # reported while presence is down: it waits in the stream
        time.sleep(1)
        assert not [e for e in a.recorder.of("user_status_changed") if e["userId"] == b_user["id"] and e["status"] == "offline"]
        stack.start_service("presence")
        assert a.recorder.wait_event("user_status_changed", lambda e: e["userId"] == b_user["id"] and e["status"] == "offline", timeout=15)


def test_a_send_that_times_out_names_the_client_message_id_to_resend_with(stack, api):
    """messages is down past the send timeout: the ack is a retryable error naming the
    clientMessageId the gateway made up (the client gave none); once messages is back, the
    resend with it is the message the stream kept, stored once."""
    ensure_running(stack)
    (impatient, _), _, conversation = api.student_and_expert("Impatient", "Patient")
    url = stack.start_gateway("impatient", stack_module.free_port(), {"SEND_TIMEOUT": "1"})
    try:
        with ChatClient(url, impatient.token) as a:
            a.join(conversation["id"])
            stack.stop("messages")
            try:
                failed = a.call("send_message", {"conversationId": conversation["id"], "content": "are you there?"})
            finally:
                stack.start_service("messages")
            assert failed["error"]["retryable"] is True and failed["error"]["clientMessageId"].startswith("gw-"), failed
            key = failed["error"]["clientMessageId"]
            resent = a.call("send_message", {"conversationId": conversation["id"], "content": "are you there?", "clientMessageId": key})
            assert resent["ok"] and resent["message"]["clientMessageId"] == key
    finally:
        stack.stop("impatient")
    stored = [m for m in impatient.history(conversation["id"]) if m["content"] == "are you there?"]
    assert [m["id"] for m in stored] == [resent["message"]["id"]]


def test_a_gateway_wrongly_declared_dead_reports_its_live_sockets_again(stack, api):
    """gateway1 freezes (SIGSTOP) past GATEWAY_DEAD_AFTER: presence clears its users. It
    thaws (SIGCONT) with its sockets still open: its next heartbeat finds it forgotten, and
    it reports them again, so its user is online again without reconnecting."""
    ensure_running(stack)
    (frozen, a_user), (onlooker, _), _ = api.student_and_expert("Frozen", "Onlooker")
    onlooker = Api(stack.service_url("gateway2"), onlooker.token, timeout=5)

    def status() -> str:
        return onlooker.status_of(a_user["id"])

    def wait_for(value: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if status() == value:
                return True
            time.sleep(0.3)
        return False

    raw = websocket.create_connection(stack.service_url("gateway1").replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket", timeout=30)
    answering = threading.Event()
    answering.set()

    def answer_pings():  # as a live client would, before the freeze and after
        while answering.is_set():
            try:
                if raw.recv() == "2":
                    raw.send("3")
            except Exception:
                return

    assert raw.recv().startswith("0{")
    raw.send("40" + json.dumps({"token": frozen.token}))
    assert raw.recv().startswith("40{")
    pinger = threading.Thread(target=answer_pings, daemon=True)
    pinger.start()
    try:
        assert wait_for("online", 5)
        process = stack.processes["gateway1"]
        process.send_signal(signal.SIGSTOP)
        try:
            assert wait_for("offline", 25), "declared dead and cleared"
        finally:
            process.send_signal(signal.SIGCONT)
        assert wait_for("online", 10), "its live socket reported again"
        assert raw.connected
    finally:
        answering.clear()
        raw.close()


def test_an_upload_that_could_not_be_stored_names_the_client_message_id_to_resend_with(stack, api):
    """Finding 9, for uploads: the file arrived, but messages stopped before it became a
    message. The retryable error names the clientMessageId made up for it; the retry with
    it, once messages is back, is the one message stored."""
    ensure_running(stack)
    (uploader, _), _, conversation = api.student_and_expert("Uploader", "Receiver")
    path = f"/api/chat/conversations/{conversation['id']}/upload"
    part = (b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="note.txt"\r\n'
            b"Content-Type: text/plain\r\n\r\nhello\r\n--XyZ--\r\n")

    def body():
        time.sleep(1)  # the membership check, made on the request's head, has passed
        stack.stop("messages")
        yield part

    # The multipart body written out by hand and streamed, so that messages stops mid-request.
    headers = {"Content-Type": "multipart/form-data; boundary=XyZ"}
    try:
        failed = uploader.post(path, data=body(), headers=headers, timeout=60)
    finally:
        stack.start_service("messages")
    error = failed.json()["error"]
    assert failed.status_code in (503, 504) and error["retryable"] is True, failed.text
    key = error["clientMessageId"]
    assert key.startswith("upload-")
    retried = uploader.post(path, data=part, headers=headers, params={"clientMessageId": key}, timeout=60)
    assert retried.status_code in (200, 201), retried.text
    assert retried.json()["clientMessageId"] == key
    stored = [m for m in uploader.history(conversation["id"]) if m.get("clientMessageId") == key]
    assert len(stored) == 1
