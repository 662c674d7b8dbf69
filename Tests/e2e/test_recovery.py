"""Connection-state recovery (opt-in, SOCKET_RECOVERY_WINDOW), on two gateways of its own
beside the deployment's: a client whose transport drops comes back, through either gateway,
to its sid, its rooms and the messages it missed, each once and in order; the real JS
client does it unchanged, and python-socketio, which knows nothing of it, still chats."""

from __future__ import annotations

import json
import time

import pytest
import socketio
import websocket

import stack as stack_module
from chat import ChatClient


@pytest.fixture(scope="module")
def recovering(stack):
    """Two gateways with recovery on (a 30 s window)."""
    names = ("recovery1", "recovery2")
    urls = [stack.start_gateway(name, stack_module.free_port(), {"SOCKET_RECOVERY_WINDOW": "30"}) for name in names]
    yield urls
    for name in names:
        stack.stop(name)


class RawSocket:
    """A Socket.IO client written out by hand over a WebSocket, to see every packet."""

    def __init__(self, base: str):
        self.ws = websocket.create_connection(base.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket", timeout=10)
        assert self.ws.recv().startswith("0{")
        self.acks = 0

    def connect(self, auth: dict) -> tuple[dict, list[list]]:
        """CONNECT with `auth`: the reply, and the events that came before it."""
        self.ws.send("40" + json.dumps(auth))
        before = []
        while True:
            packet = self.recv()
            if packet.startswith("40"):
                return json.loads(packet[2:]), before
            assert packet.startswith("42"), packet
            before.append(json.loads(packet[2:]))

    def recv(self) -> str:
        while (packet := self.ws.recv()) == "2":
            self.ws.send("3")
        return packet

    def call(self, event: str, payload) -> dict:
        self.acks += 1
        self.ws.send(f"42{self.acks}" + json.dumps([event, payload]))
        while not (packet := self.recv()).startswith(f"43{self.acks}"):
            pass
        return json.loads(packet[2 + len(str(self.acks)):])[0]

    def event(self, name: str) -> list:
        while True:
            packet = self.recv()
            if packet.startswith("42") and json.loads(packet[2:])[0] == name:
                return json.loads(packet[2:])

    def drop(self) -> None:
        """The transport dies without a word (no close frame, no DISCONNECT)."""
        self.ws.sock.close()


def send(client: ChatClient, conversation: dict, content: str) -> dict:
    return client.call("send_message", {"conversationId": conversation["id"], "content": content})["message"]


def test_a_dropped_client_recovers_its_session_on_another_gateway(stack, api, recovering):
    (student_api, _), (expert_api, _), conversation = api.student_and_expert("Dropper", "Sender")
    with ChatClient(stack.service_url("gateway1"), expert_api.token) as sender:
        sender.join(conversation["id"])
        student = RawSocket(recovering[0])
        connected, _ = student.connect({"token": student_api.token})
        assert set(connected) == {"sid", "pid"}
        assert student.call("join_conversation", {"conversationId": conversation["id"]})["ok"]
        first = send(sender, conversation, "before the drop")
        event = student.event("new_message")
        assert event[1]["id"] == first["id"] and isinstance(event[2], str)  # the offset, last
        assert sender.call("typing", {"conversationId": conversation["id"]})["ok"]
        assert len(student.event("user_typing")) == 2  # typing carries no offset
        offset = event[2]
        student.drop()
        time.sleep(0.5)
        missed = [send(sender, conversation, f"while away {index}") for index in range(3)]

        back = RawSocket(recovering[1])
        reconnected, replayed = back.connect({"token": student_api.token, "pid": connected["pid"], "offset": offset})
        assert reconnected == connected  # the same sid and pid: recovered
        assert [e[1]["id"] for e in replayed] == [m["id"] for m in missed]
        assert all(e[0] == "new_message" and isinstance(e[2], str) and e[2] != offset for e in replayed)
        # Its room is back: what is sent now arrives live, once.
        live = send(sender, conversation, "after the return")
        assert back.event("new_message")[1]["id"] == live["id"]
        assert back.call("sync_conversation", {"conversationId": conversation["id"], "after": 0})["messages"][-1]["id"] == live["id"]
        back.ws.close()


def test_recovery_is_refused_to_a_reused_pid_and_to_someone_else(api, recovering):
    (student_api, _), (expert_api, _), conversation = api.student_and_expert("Once", "Other")
    first = RawSocket(recovering[0])
    connected, _ = first.connect({"token": student_api.token})
    first.drop()
    time.sleep(0.5)
    # Another user presenting the pid gets a session of their own, and spends it.
    thief = RawSocket(recovering[1])
    stolen, replayed = thief.connect({"token": expert_api.token, "pid": connected["pid"], "offset": "x-1"})
    assert stolen["sid"] != connected["sid"] and stolen["pid"] != connected["pid"] and replayed == []
    again = RawSocket(recovering[1])
    fresh, _ = again.connect({"token": student_api.token, "pid": connected["pid"]})
    assert fresh["sid"] != connected["sid"]
    # A client that leaves with DISCONNECT leaves nothing to recover.
    fresh_pid = fresh["pid"]
    again.ws.send("41")
    time.sleep(0.3)
    again.ws.close()
    later = RawSocket(recovering[0])
    assert later.connect({"token": student_api.token, "pid": fresh_pid})[0]["sid"] != fresh["sid"]
    for raw in (thief, later):
        raw.ws.close()


def test_python_socketio_still_chats_with_offsets_on(api, recovering):
    """python-socketio does not recover; it gets the offset as one more argument."""
    (student_api, _), (expert_api, _), conversation = api.student_and_expert("Pyth", "Offs")
    client = socketio.Client(reconnection=False)
    received = []
    client.on("new_message", lambda *args: received.append(args))
    client.connect(recovering[1], auth={"token": student_api.token}, wait_timeout=10)
    try:
        assert client.call("join_conversation", {"conversationId": conversation["id"]}, timeout=10)["ok"]
        with ChatClient(recovering[0], expert_api.token) as sender:
            sender.join(conversation["id"])
            sent = send(sender, conversation, "hello with an offset")
        deadline = time.monotonic() + 10
        while not received and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(received) == 1 and received[0][0]["id"] == sent["id"] and isinstance(received[0][1], str)
    finally:
        client.disconnect()


JS_CONNECT = """
const [token, conversationId, done] = arguments;
const script = document.createElement('script');
script.src = '/socket.io/socket.io.min.js';
script.onload = () => {
  const socket = io({auth: {token}});  // default options
  window.chat = {socket, received: [], connects: []};
  socket.on('new_message', message => window.chat.received.push(message.content));
  socket.on('connect', async () => {
    window.chat.connects.push({recovered: socket.recovered, id: socket.id});
    if (window.chat.connects.length === 1) {
      done({join: await socket.emitWithAck('join_conversation', {conversationId})});
    }
  });
};
document.head.appendChild(script);
"""

JS_AWAIT = """
const [count, done] = arguments;
const started = Date.now();
const check = () => {
  const chat = window.chat;
  if (chat.received.length >= count && chat.socket.connected) {
    done({received: chat.received, connects: chat.connects});
  } else if (Date.now() - started > 20000) {
    done({error: 'timed out', received: chat.received, connects: chat.connects});
  } else {
    setTimeout(check, 50);
  }
};
check();
"""


def test_the_js_client_recovers_after_its_transport_is_killed(api, recovering, browser):
    (student_api, _), (expert_api, _), conversation = api.student_and_expert("Browsa", "Streamer")
    browser.get(recovering[0] + "/healthz")
    browser.get_log("browser")
    joined = browser.execute_async_script(JS_CONNECT, student_api.token, conversation["id"])
    assert joined["join"]["ok"], joined
    with ChatClient(recovering[1], expert_api.token) as sender:
        sender.join(conversation["id"])
        send(sender, conversation, "m0")
        assert "error" not in browser.execute_async_script(JS_AWAIT, 1)
        # The transport dies mid-stream; the client reconnects by itself (after about a second).
        browser.execute_script("window.chat.socket.io.engine.close();")
        for index in range(1, 6):
            send(sender, conversation, f"m{index}")
        result = browser.execute_async_script(JS_AWAIT, 6)
        assert "error" not in result, result
        assert result["received"] == [f"m{index}" for index in range(6)]  # none lost, none twice
        first, second = result["connects"]
        assert second == {"recovered": True, "id": first["id"]}
        # The room is still joined: live messages keep coming without a new join.
        send(sender, conversation, "m6")
        assert browser.execute_async_script(JS_AWAIT, 7)["received"][-1] == "m6"
    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE" and "favicon" not in entry["message"]]
    assert errors == []
