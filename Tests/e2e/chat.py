"""Helpers for the end-to-end tests beside the REST client (api.py): python-socketio clients
that record what they receive, refused connects, and tokens made by hand."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import socketio

ROOT = Path(__file__).resolve().parents[2]


def server_events() -> tuple[str, ...]:
    """The events the server emits, as the page has them from the server's declaration
    (`Web/js/events.js`, held to `ServerEvent` by the Swift tests)."""
    module = (ROOT / "Web" / "js" / "events.js").read_text()
    block = module[module.index("export const ServerEvent"):]
    return tuple(re.findall(r'^\s+\w+: "([a-z_]+)",$', block[:block.index("});")], re.M))


EVENTS = server_events()


def forge_token(secret: str, user_id: str, role: str = "student", issued: float | None = None, lifetime: float = 3600,
                alg: str = "HS256", claims: dict | None = None) -> str:
    """An access token as messages issues them (HS256 over the claims), signed with `secret`:
    the stack's own to make a valid one with a chosen lifetime, any other to forge one."""
    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value, separators=(",", ":")).encode()).rstrip(b"=").decode()
    issued = time.time() if issued is None else issued
    signing = part({"alg": alg, "typ": "JWT"}) + "." + part({"sub": user_id, "role": role, "iat": int(issued), "exp": int(issued + lifetime),
                                                           **(claims or {})})
    if alg == "none":
        return signing + "."
    signature = hmac.new(secret.encode(), signing.encode(), hashlib.sha256).digest()
    return signing + "." + base64.urlsafe_b64encode(signature).rstrip(b"=").decode()


def refused_connect(url: str, token: str | None) -> dict:
    """Connects as `token` expecting a refusal; the `connect_error` data (`{message, data: {code}}`)."""
    refused: list = []
    client = socketio.Client(reconnection=False)
    client.on("connect_error", refused.append)
    try:
        client.connect(url, transports=["websocket"], auth={"token": token} if token is not None else None, wait_timeout=5)
    except socketio.exceptions.ConnectionError:
        pass
    connected = client.connected
    client.disconnect()
    assert not connected and refused, "the connect was not refused"
    return refused[0]


class Recorder:
    """Every event a client receives, in order, with a way to wait for one."""

    def __init__(self):
        self.events: list[tuple[str, dict]] = []
        self.condition = threading.Condition()

    def add(self, name: str, data: dict) -> None:
        with self.condition:
            self.events.append((name, data))
            self.condition.notify_all()

    def clear(self) -> None:
        """Forgets what was received so far: what comes next is asserted alone."""
        with self.condition:
            self.events.clear()

    def of(self, name: str) -> list[dict]:
        with self.condition:
            return [data for event, data in self.events if event == name]

    def wait_for(self, predicate, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        with self.condition:
            while not predicate():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self.condition.wait(remaining)
            return True

    def wait_event(self, name: str, match=lambda data: True, timeout: float = 10.0) -> dict | None:
        found: list[dict] = []

        def matched() -> bool:
            found[:] = [data for event, data in self.events if event == name and match(data)]
            return bool(found)

        return found[0] if self.wait_for(matched, timeout) else None


@dataclass(frozen=True)
class Route:
    """Where a scenario's two sides connect: `urls[0]` and `urls[1]`, with `transports`."""

    urls: tuple[str, str]
    transports: tuple[str, ...] | None

    def client(self, side: int, token: str | None, path: str = "/socket.io/") -> "ChatClient":
        return ChatClient(self.urls[side], token, path, self.transports)


class ChatClient:
    """A python-socketio client on one gateway (or the load balancer), recording events;
    over a WebSocket unless told otherwise (None: the client's defaults, polling then the
    upgrade)."""

    def __init__(self, url: str, token: str | None, path: str = "/socket.io/", transports: tuple[str, ...] | None = ("websocket",)):
        self.url, self.token, self.path = url, token, path
        self.transports = list(transports) if transports is not None else None
        self.recorder = Recorder()
        self.client = socketio.Client(reconnection=False)
        for name in EVENTS:
            self.client.on(name, self._recording(name))

    def _recording(self, name: str):
        # With recovery on, a gateway adds the offset as one more argument.
        return lambda data, *offset: self.recorder.add(name, data)

    def connect(self) -> "ChatClient":
        self.client.connect(self.url, socketio_path=self.path, transports=self.transports,
                            auth={"token": self.token} if self.token is not None else None, wait_timeout=10)
        return self

    def upgraded(self, timeout: float = 10.0) -> bool:
        """Whether the client is (or within `timeout` gets) on a WebSocket."""
        deadline = time.monotonic() + timeout
        while self.client.transport() != "websocket" and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.client.transport() == "websocket"

    def call(self, event: str, payload=None, timeout: float = 15.0) -> dict:
        return self.client.call(event, payload, timeout=timeout)

    def join(self, conversation_id: str) -> dict:
        ack = self.call("join_conversation", {"conversationId": conversation_id})
        assert ack.get("ok"), ack
        return ack

    def disconnect(self) -> None:
        if self.client.connected:
            self.client.disconnect()

    def __enter__(self) -> "ChatClient":
        return self.connect()

    def __exit__(self, *exc) -> None:
        self.disconnect()
