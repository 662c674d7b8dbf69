#!/usr/bin/env python3
"""Long-polling beside WebSocket, measured with one client: handshakes per second and the
gateway's RSS per idle session, written to docs/BENCHMARKS.md (the "Long-polling" section).

Starts the stack from a build (release by default), then for each transport, straight to
gateway 1 and through haproxy, restarts both gateways fresh and opens N sessions through
Socket.IO CONNECT (the JWT checked), C at a time, from one asyncio process: a WebSocket
session is a socket past CONNECT; a polling session is its handshake, the CONNECT POST (on
a second kept-alive connection, as a browser's XHRs), the GET that brings the reply and
then one GET left waiting, as an idle browser tab holds it. RSS is both gateways' VmRSS
before and after, with every session held. The client is plain Python (no library), the same
code for both transports, so the ratio is the figure to read; chat-loadtest's storm
(WebSocket only) is the absolute one.

    python3 scripts/polling_benchmark.py [--sessions 3000] [--concurrency 100] [--configuration release]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests

import stack as stack_module

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / "docs" / "BENCHMARKS.md"
GATEWAYS = ("gateway1", "gateway2")
BEGIN, END = "<!-- polling: written by scripts/polling_benchmark.py -->", "<!-- /polling -->"


class Http:
    """HTTP/1.1 on one kept-alive connection, content-length bodies only (the gateway's)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str):
        self.reader, self.writer, self.host = reader, writer, host

    @classmethod
    async def open(cls, host: str, port: int) -> "Http":
        reader, writer = await asyncio.open_connection(host, port)
        return cls(reader, writer, f"{host}:{port}")

    async def request(self, method: str, target: str, body: bytes = b"") -> tuple[int, bytes]:
        self.writer.write(f"{method} {target} HTTP/1.1\r\nHost: {self.host}\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))
        return status, await self.reader.readexactly(length)

    def close(self) -> None:
        self.writer.close()


async def open_polling(host: str, port: int, token: str) -> list[Http]:
    http = await Http.open(host, port)
    status, body = await http.request("GET", "/socket.io/?EIO=4&transport=polling")
    assert status == 200 and body.startswith(b"0"), body
    target = f"/socket.io/?EIO=4&transport=polling&sid={json.loads(body[1:])['sid']}"
    sender = await Http.open(host, port)
    assert await sender.request("POST", target, b"40" + json.dumps({"token": token}).encode()) == (200, b"ok")
    status, body = await http.request("GET", target)
    assert status == 200 and body.startswith(b'40{"sid"'), body
    # Idle from here: a GET left waiting for whatever the server sends next.
    http.writer.write(f"GET {target} HTTP/1.1\r\nHost: {http.host}\r\nContent-Length: 0\r\n\r\n".encode())
    await http.writer.drain()
    return [http, sender]


async def open_websocket(host: str, port: int, token: str) -> list[Http]:
    http = await Http.open(host, port)
    key = base64.b64encode(os.urandom(16)).decode()
    http.writer.write((f"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {http.host}\r\nUpgrade: websocket\r\n"
                       f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    head = await http.reader.readuntil(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 101"), head
    assert (await read_frame(http.reader)).startswith(b"0{")
    payload, mask = b"40" + json.dumps({"token": token}).encode(), os.urandom(4)
    length = bytes([0x80 | len(payload)]) if len(payload) < 126 else bytes([0x80 | 126]) + len(payload).to_bytes(2, "big")
    http.writer.write(b"\x81" + length + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))
    reply = await read_frame(http.reader)
    assert reply.startswith(b'40{"sid"'), reply
    return [http]


async def read_frame(reader: asyncio.StreamReader) -> bytes:
    first, second = await reader.readexactly(2)
    length = second & 0x7F
    if length == 126:
        length = int.from_bytes(await reader.readexactly(2), "big")
    elif length == 127:
        length = int.from_bytes(await reader.readexactly(8), "big")
    return await reader.readexactly(length)


async def storm(opener, host: str, port: int, token: str, sessions: int, concurrency: int) -> tuple[list, list[float], float]:
    gate = asyncio.Semaphore(concurrency)
    latencies: list[float] = []

    async def one():
        async with gate:
            started = time.perf_counter()
            connections = await opener(host, port, token)
            latencies.append(time.perf_counter() - started)
            return connections

    started = time.perf_counter()
    held = await asyncio.gather(*(one() for _ in range(sessions)))
    return held, latencies, time.perf_counter() - started


def rss_kib(pid: int) -> int:
    return int(re.search(r"VmRSS:\s+(\d+)", Path(f"/proc/{pid}/status").read_text()).group(1))


def measure(stack, transport: str, via: str, token: str, sessions: int, concurrency: int) -> dict:
    for gateway in GATEWAYS:
        stack.stop(gateway)
        stack.start_service(gateway)
    pids = [stack.processes[gateway].pid for gateway in GATEWAYS]
    time.sleep(2)
    before = sum(rss_kib(pid) for pid in pids)
    opener = open_polling if transport == "polling" else open_websocket
    port = stack.ports.lb if via == "haproxy" else stack.ports.gateway1

    async def run():
        held, latencies, seconds = await storm(opener, "127.0.0.1", port, token, sessions, concurrency)
        await asyncio.sleep(3)
        after = sum(rss_kib(pid) for pid in pids)
        for connections in held:
            for connection in connections:
                connection.close()
        return latencies, seconds, after

    latencies, seconds, after = asyncio.run(run())
    latencies.sort()
    return {
        "transport": transport, "via": via, "sessions": sessions, "handshakes_per_second": sessions / seconds,
        "p50_ms": statistics.median(latencies) * 1000, "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "rss_per_session_kib": (after - before) / sessions,
    }


def write(results: list[dict], command: str) -> None:
    def result(transport: str, via: str) -> dict:
        return next(r for r in results if r["transport"] == transport and r["via"] == via)

    websocket, polling = result("websocket", "gateway"), result("polling", "gateway")
    behind = result("polling", "haproxy")
    lines = [
        BEGIN, "", "## Long-polling beside WebSocket", "",
        f"`{command}` ({time.strftime('%Y-%m-%d')}, release build): fresh gateways for each row, sessions opened through "
        "Socket.IO CONNECT (the JWT checked) by one asyncio client process, then held 3 s; a polling session holds a GET "
        "waiting, as an idle browser tab does, and a second kept-alive connection for its POSTs.", "",
        "| transport | to | sessions | handshakes/s | handshake p50 / p99 ms | gateways' RSS per idle session KiB |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(f"| {r['transport']} | {r['via']} | {r['sessions']} | {r['handshakes_per_second']:.0f} "
                     f"| {r['p50_ms']:.1f} / {r['p99_ms']:.1f} | {r['rss_per_session_kib']:.1f} |")
    lines += [
        "", f"Polling makes **{polling['handshakes_per_second'] / websocket['handshakes_per_second']:.2f}×** the WebSocket handshakes "
        f"per second (three requests instead of one upgrade) and holds **{polling['rss_per_session_kib'] / max(websocket['rss_per_session_kib'], 0.01):.1f}×** "
        "its memory per idle session straight to a gateway: two kept-alive HTTP connections (the waiting GET's and the POSTs'), "
        "each with its own task and pipeline in the HTTP server, and the waiting GET's handler. Behind haproxy, which reuses its "
        f"connections to the gateways for the POSTs, a session costs the gateways {behind['rss_per_session_kib']:.1f} KiB. "
        "The client is Python and shares the two cores, so absolute rates are the client's as much as the gateway's; "
        "chat-loadtest's storm above is the WebSocket figure to compare with other servers.", "", END,
    ]
    text = BENCHMARKS.read_text()
    section = "\n".join(lines)
    if BEGIN in text:
        text = text[:text.index(BEGIN)] + section + text[text.index(END) + len(END):]
    else:
        marker = "## What the figures say"
        text = text.replace(marker, section + "\n\n" + marker, 1)
    BENCHMARKS.write_text(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--configuration", default="release", choices=["debug", "release"])
    parser.add_argument("--no-write", action="store_true", help="print the figures only")
    arguments = parser.parse_args()
    state = Path(tempfile.mkdtemp(prefix="polling-bench-", dir=ROOT / ".state"))
    stack = stack_module.Stack(state_dir=state, bin_dir=stack_module.build_dir(arguments.configuration), ports=stack_module.Ports.free(),
                               durable=False, database="chat_bench", log_level="warning")
    try:
        stack.up()
        email = f"bench-{os.getpid()}@example.com"
        requests.post(f"{stack.lb_url}/api/auth/register", json={"name": "Bench", "email": email, "password": "correct horse",
                                                                  "role": "student"}, timeout=15).raise_for_status()
        token = requests.post(f"{stack.lb_url}/api/auth/login", json={"email": email, "password": "correct horse"}, timeout=15).json()["token"]
        results = [measure(stack, transport, via, token, arguments.sessions, arguments.concurrency)
                   for via in ("gateway", "haproxy") for transport in ("websocket", "polling")]
    finally:
        stack.down()
    for r in results:
        print(json.dumps(r))
    if not arguments.no_write:
        command = f"python3 scripts/polling_benchmark.py --sessions {arguments.sessions} --concurrency {arguments.concurrency}"
        write(results, command)
    return 0


if __name__ == "__main__":
    sys.exit(main())
