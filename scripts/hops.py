#!/usr/bin/env python3
"""Where a send's time goes at low load (#32): each hop of a message, here and in the
seed-style peer, with the same client.

Pairs of a student and an expert, the student on one gateway and the expert on the other,
send `--rate` messages a second between them (round robin over the pairs) for `--duration`
seconds. Each hop is read off clocks on this one host:

- the client's (python-socketio's asyncio client): when it emits, when the sender's ack
  and the other member's `new_message` arrive;
- Redis's, through MONITOR (microseconds, as each command reaches it): when the gateway's
  XADD of the command and messages' PUBLISHes of the event and the reply arrive;
- Postgres's, through pg_stat_statements: the time its statements spent executing, a send.

The peer (../shared/peers/python-socketio/server.py --persist) stores, then emits through
python-socketio's Redis manager: its hops are the emit to its PUBLISH (receiving and
storing) and the PUBLISH to the delivery. The client's own time is in the first and last
hop of both alike. Writes the "Each hop of a send (#32)" section of docs/BENCHMARKS.md.

    .state/venv/bin/python scripts/hops.py [--rate 100] [--duration 10] [--pairs 10] [--rounds 3] \
        [--build release] [--build /tmp/other-build]

With more than one --build (a configuration, or a directory holding the release binaries),
each round runs every build in turn and then the peer: an interleaved A/B.

python-socketio, aiohttp and asyncpg come from scripts/benchmark-requirements.txt and
Tests/e2e/requirements.txt (`./scripts/benchmark` and `./scripts/test` install them).
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import socketio

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib  # noqa: E402
import stack as stack_module  # noqa: E402
from benchmark import ROOT, Peer, benchmark_stack  # noqa: E402

# A MONITOR line: `1733580000.123456 [0 127.0.0.1:54321] "PUBLISH" "conv:…" "…hop-3-17…"`.
MONITOR_LINE = re.compile(rb'^(\d+\.\d+) \[[^\]]*\] "([A-Za-z]+)" "([^"]*)"')
TOKEN = re.compile(rb"hop-(\d+)-(\d+)")
WARM_UP = 50


@dataclass
class Send:
    """One message's moments, in seconds since the epoch."""
    emitted: float
    acked: float | None = None
    delivered: float | None = None
    # From Redis's MONITOR: the command appended, the event and the reply published.
    appended: float | None = None
    published: float | None = None
    replied: float | None = None


@dataclass
class Run:
    sends: dict[int, Send] = field(default_factory=dict)
    postgres_micros: float = 0        # Postgres executing, a send
    postgres_calls: float = 0         # statements a send
    statements: list[tuple[float, float, str]] = field(default_factory=list)  # the costliest: runs a send, µs a run, text


def pairs_of(api: str, count: int, round_number: int) -> list[tuple[dict, dict, str]]:
    """`count` (student's auth, expert's auth, their conversation's id) through `api`."""
    pairs = []
    for index in range(count):
        accounts = []
        for role in ("student", "expert"):
            me = benchlib.post(f"{api}/api/auth/register", {"name": f"Hop {role} {index}", "role": role, "password": "correct horse",
                                                            "email": f"hop-{round_number}-{role}-{index}@example.com"})
            accounts.append(me)
        student, expert = accounts
        conversation = benchlib.post(f"{api}/api/chat/conversations", {"participantIds": [expert["user"]["id"]]}, student["token"])
        pairs.append(({"token": student["token"]}, {"token": expert["token"]}, conversation["id"]))
    return pairs


async def exchange(urls: list[str], path: str, pairs: list[tuple[dict, dict, str]], rate: float, duration: float,
                   round_number: int, measuring=None) -> dict[int, Send]:
    """Connects each pair (sender on `urls[0]`, receiver on `urls[1]`), sends `WARM_UP`
    messages unmeasured, calls `measuring(True)`, sends `rate` × `duration` more, calls
    `measuring(False)`; the measured sends by number."""
    sends: dict[int, Send] = {}
    clients: list[tuple[socketio.AsyncClient, socketio.AsyncClient, str]] = []

    def on_message(data, *offset):
        found = TOKEN.search((data or {}).get("content", "").encode())
        if found and int(found[2]) in sends and sends[int(found[2])].delivered is None:
            sends[int(found[2])].delivered = time.time()

    for sender_auth, receiver_auth, conversation in pairs:
        sender, receiver = socketio.AsyncClient(reconnection=False), socketio.AsyncClient(reconnection=False)
        receiver.on("new_message", on_message)
        await sender.connect(urls[0], socketio_path=path, transports=["websocket"], auth=sender_auth, wait_timeout=10)
        await receiver.connect(urls[1], socketio_path=path, transports=["websocket"], auth=receiver_auth, wait_timeout=10)
        for client in (sender, receiver):
            ack = await client.call("join_conversation", {"conversationId": conversation}, timeout=10)
            assert ack.get("ok"), ack
        clients.append((sender, receiver, conversation))

    async def send(number: int, measured: bool) -> None:
        sender, _, conversation = clients[number % len(clients)]
        content = f"hop-{round_number}-{number}"
        emitted = time.time()
        if measured:
            sends[number] = Send(emitted=emitted)
        ack = await sender.call("send_message", {"conversationId": conversation, "content": content, "clientMessageId": content}, timeout=30)
        if measured and ack.get("ok"):
            sends[number].acked = time.time()

    async def paced(first: int, count: int, measured: bool) -> None:
        started = time.monotonic()
        tasks = []
        for index in range(count):
            await asyncio.sleep(max(0.0, started + index / rate - time.monotonic()))
            tasks.append(asyncio.create_task(send(first + index, measured)))
        await asyncio.gather(*tasks)

    await paced(1_000_000, WARM_UP, measured=False)
    await asyncio.sleep(0.5)
    if measuring:
        measuring(True)
    await paced(0, int(rate * duration), measured=True)
    await asyncio.sleep(1.0)  # the last deliveries
    if measuring:
        measuring(False)
    for sender, receiver, _ in clients:
        await sender.disconnect()
        await receiver.disconnect()
    return sends


class Monitor:
    """`redis-cli monitor` into a file while measuring; then each token's first XADD and
    PUBLISHes (the event to the conversation's channel, the reply to a `replies:` one)."""

    def __init__(self, port: int, directory: Path):
        self.port, self.path = port, directory / f"monitor-{port}.log"
        self.process: subprocess.Popen | None = None

    def measuring(self, on: bool) -> None:
        if on:
            self.process = subprocess.Popen(["redis-cli", "-p", str(self.port), "monitor"], stdout=open(self.path, "wb"),
                                            stderr=subprocess.DEVNULL)
            time.sleep(0.2)
        elif self.process:
            self.process.terminate()
            self.process.wait(10)

    def stamp(self, sends: dict[int, Send]) -> None:
        for line in self.path.read_bytes().splitlines():
            line_match = MONITOR_LINE.match(line)
            token = TOKEN.search(line)
            if not line_match or not token or int(token[2]) not in sends:
                continue
            at, command, first = float(line_match[1]), line_match[2].upper(), line_match[3]
            send = sends[int(token[2])]
            if command == b"XADD" and send.appended is None:
                send.appended = at
            elif command == b"PUBLISH" and first.startswith(b"replies:") and send.replied is None:
                send.replied = at
            elif command == b"PUBLISH" and not first.startswith(b"replies:") and first != b"users" and send.published is None:
                send.published = at


def reset_statements(database: stack_module.Stack) -> None:
    database.psql("CREATE EXTENSION IF NOT EXISTS pg_stat_statements; SELECT pg_stat_statements_reset();", database=database.database)


def postgres_per_send(database: stack_module.Stack, sends: int) -> tuple[float, float, list[tuple[float, float, str]]]:
    """Since the reset, a send: µs Postgres spent executing statements, statements run, and
    the costliest three (runs a send, µs executing one, the statement's start)."""
    rows = database.psql(f"""
        SELECT calls, total_exec_time * 1000, left(regexp_replace(query, '\\s+', ' ', 'g'), 60) FROM pg_stat_statements
        WHERE dbid = (SELECT oid FROM pg_database WHERE datname = '{database.database}') AND query !~* 'pg_stat_statements'
        ORDER BY total_exec_time DESC""", database=database.database)
    statements = [(int(calls), float(micros), text) for calls, micros, text in (line.split("|", 2) for line in rows.splitlines())]
    top = [(calls / sends, micros / calls, text) for calls, micros, text in statements[:3]]
    return sum(micros for _, micros, _ in statements) / sends, sum(calls for calls, _, _ in statements) / sends, top


def measure_ours(state: Path, bin_dir: Path, arguments: argparse.Namespace, round_number: int) -> Run:
    deployment = benchmark_stack(state / f"ours-{round_number}-{bin_dir.name}", bin_dir, database="chat_hops", statements=True)
    try:
        deployment.up()
        pairs = pairs_of(deployment.lb_url, arguments.pairs, round_number)
        monitor = Monitor(deployment.ports.redis, state)

        def measuring(on: bool) -> None:
            if on:
                reset_statements(deployment)
            monitor.measuring(on)

        urls = [deployment.service_url("gateway1"), deployment.service_url("gateway2")]
        sends = asyncio.run(exchange(urls, "/socket.io/", pairs, arguments.rate, arguments.duration, round_number, measuring))
        monitor.stamp(sends)
        micros, calls, top = postgres_per_send(deployment, len(sends))
        return Run(sends=sends, postgres_micros=micros, postgres_calls=calls, statements=top)
    finally:
        deployment.down()


def measure_peer(state: Path, arguments: argparse.Namespace, round_number: int) -> Run:
    peer = Peer(state / f"peer-{round_number}")
    peer.state.mkdir(parents=True, exist_ok=True)
    peer.database.statements = True
    try:
        try:
            peer.start()
        except TimeoutError:
            for log in peer.state.glob("peer-*.log"):
                print(f"{log.name}:\n{log.read_text()[-3000:]}", file=sys.stderr)
            raise
        # Anonymous: the peer takes any user id and any conversation id.
        pairs = [({"userId": f"s{index}"}, {"userId": f"e{index}"}, f"hop-room-{round_number}-{index}") for index in range(arguments.pairs)]
        monitor = Monitor(peer.redis_port, state)

        def measuring(on: bool) -> None:
            if on:
                reset_statements(peer.database)
            monitor.measuring(on)

        sends = asyncio.run(exchange(peer.urls, "/api/socket/", pairs, arguments.rate, arguments.duration, round_number, measuring))
        monitor.stamp(sends)
        micros, calls, top = postgres_per_send(peer.database, len(sends))
        return Run(sends=sends, postgres_micros=micros, postgres_calls=calls, statements=top)
    finally:
        peer.stop()


def spans(run: Run) -> dict[str, float | None]:
    """Each hop's median over the run's sends, in µs."""
    sends = list(run.sends.values())

    def between(start: str, end: str, quantile: float | None = None) -> float | None:
        values = [getattr(send, end) - getattr(send, start) for send in sends
                  if getattr(send, start) is not None and getattr(send, end) is not None]
        if not values:
            return None
        if quantile is not None:
            return benchlib.percentile(values, quantile) * 1_000_000
        return statistics.median(values) * 1_000_000

    return {
        "appended": between("emitted", "appended"),
        "published": between("appended", "published"),
        "stored and published": between("emitted", "published"),
        "delivered after publish": between("published", "delivered"),
        "acked after reply": between("replied", "acked"),
        "delivered": between("emitted", "delivered"),
        "delivered p99": between("emitted", "delivered", 0.99),
        "acked": between("emitted", "acked"),
        "acked p99": between("emitted", "acked", 0.99),
        "postgres": run.postgres_micros,
        "statements": run.postgres_calls,
        "lost": float(sum(1 for send in sends if send.delivered is None)),
    }


def combined(runs: list[Run]) -> dict[str, float | None]:
    """Each figure's median over the rounds."""
    figures = [spans(run) for run in runs]
    return {key: (statistics.median(values) if (values := [f[key] for f in figures if f[key] is not None]) else None)
            for key in figures[0]}


def statement_lines(label: str, run: Run) -> list[str]:
    return [f"- {label}: " + "; ".join(f"{per_send:.1f} a send, {micros:,.0f} µs each: `{text.strip()}…`"
                                      for per_send, micros, text in run.statements)]


# Each row: its label, the figure, digits, and whether the peer has it.
ROWS = [
    ("client emits → the gateway's XADD reaches Redis", "appended", 0, False),
    ("XADD → messages publishes the event (reads the stream, stores, publishes)", "published", 0, False),
    ("client emits → the event is published (received, stored, published)", "stored and published", 0, True),
    ("… of which Postgres executing statements (a send, mean)", "postgres", 0, True),
    ("… statements a send", "statements", 1, True),
    ("event published → the other member's `new_message`", "delivered after publish", 0, True),
    ("reply published → the sender's ack", "acked after reply", 0, False),
    ("**emit → delivered**, p50", "delivered", 0, True),
    ("emit → delivered, p99", "delivered p99", 0, True),
    ("**emit → ack**, p50", "acked", 0, True),
    ("emit → ack, p99", "acked p99", 0, True),
]


def cell(value: float | None, digits: int = 0) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def table(builds: dict[str, list[Run]], peer: list[Run], arguments: argparse.Namespace) -> str:
    """The section: a column for each build and one for the peer, each figure the median of
    the rounds; then each round's end-to-end figure and the costliest statements."""
    figures = {label: combined(runs) for label, runs in builds.items()}
    theirs = combined(peer)
    command = f".state/venv/bin/python scripts/hops.py --rate {arguments.rate:g} --duration {arguments.duration:g} " \
              f"--pairs {arguments.pairs} --rounds {arguments.rounds}" + "".join(f" --build {build}" for build in arguments.build)
    lines = [
        "## Each hop of a send (#32)",
        "",
        f"`{command}` ({time.strftime('%Y-%m-%d')}): {arguments.pairs} pairs (sender on one gateway, receiver on the other) "
        f"sending {arguments.rate:g} messages a second between them, {int(arguments.rate * arguments.duration)} measured a round, "
        f"after {WARM_UP} unmeasured; python-socketio's asyncio client; medians in µs, each the median of {arguments.rounds} "
        "rounds (the builds and the peer interleaved). The moments between come from Redis's MONITOR, Postgres's time from "
        "pg_stat_statements; the client's own time is in the first and the last hop of both.",
        "",
        "| hop | " + " | ".join(Path(build).name for build in builds) + " | seed-style peer |",
        "|---|" + "---|" * (len(builds) + 1),
        *[f"| {label} | " + " | ".join(cell(figures[build][key], digits) for build in builds)
          + f" | {cell(theirs[key], digits) if peered else '—'} |" for label, key, digits, peered in ROWS],
        "",
        "Each round, emit → delivered p50 µs (" + ", ".join([*(Path(build).name for build in builds), "peer"]) + "): "
        + "; ".join(" / ".join(cell(spans(runs[index])["delivered"]) for runs in [*builds.values(), peer]) for index in range(len(peer)))
        + ". Lost: " + ", ".join(f"{int(sum(spans(run)['lost'] for run in runs))} {Path(label).name}"
                                 for label, runs in [*builds.items(), ("peer", peer)]) + ".",
        "",
        "The costliest statements in the last round:",
        "",
        *[line for label, runs in builds.items() for line in statement_lines(Path(label).name, runs[-1])],
        *statement_lines("the peer", peer[-1]),
        "",
    ]
    return "\n".join(lines)


def build_path(build: str) -> Path:
    """A directory of release binaries, or a configuration's build directory."""
    return Path(build) if Path(build).is_dir() else stack_module.build_dir(build)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=100, help="messages a second, all pairs together")
    parser.add_argument("--duration", type=float, default=10, help="seconds measured a round")
    parser.add_argument("--pairs", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--build", action="append", help="a configuration (release) or a directory of its binaries; "
                                                         "more than one: an A/B, interleaved")
    parser.add_argument("--no-write", action="store_true", help="print the section, leave docs/BENCHMARKS.md alone")
    arguments = parser.parse_args()
    arguments.build = arguments.build or ["release"]
    state = Path(tempfile.mkdtemp(prefix="hops-", dir=ROOT / ".state"))
    state.chmod(0o755)
    builds: dict[str, list[Run]] = {build: [] for build in arguments.build}
    peer: list[Run] = []
    try:
        for round_number in range(arguments.rounds):
            for build, runs in builds.items():
                runs.append(measure_ours(state, build_path(build), arguments, round_number))
                print(f"round {round_number + 1}, {build}: {spans(runs[-1])}", flush=True)
            peer.append(measure_peer(state, arguments, round_number))
            print(f"round {round_number + 1}, peer: {spans(peer[-1])}", flush=True)
    finally:
        shutil.rmtree(state, ignore_errors=True)
    section = table(builds, peer, arguments)
    print(section)
    if not arguments.no_write:
        benchlib.write_section(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
