#!/usr/bin/env python3
"""Faults under load, automated and bounded, with the outcome written to docs/RESILIENCE.md.

A whole stack of processes (durable: Redis with its append-only file, Postgres with fsync)
serves a group conversation whose members — python-socketio clients, half through the load
balancer, half straight to the other gateway — send acked messages without pause, resend
with the same clientMessageId until acked, and rejoin and catch up from the last seq they
saw whenever they reconnect. One fault at a time: messages SIGKILLed and restarted,
presence restarted, Redis restarted, Postgres restarted, the load-balanced gateway
SIGKILLed. The drill runs on one Redis, on a Redis Cluster of three masters and three
replicas, and on a master and replica watched by three Redis Sentinels; on the last two the
Redis fault is the master (serving the command stream) SIGKILLed: its replica takes over,
the old master comes back as a replica. For each: what was acked, stored, lost, duplicated, and how long until every
member had a message acked again. At the end every stored message must have reached every
member, and presence must agree with who is connected.

    ./scripts/resilience [--configuration debug|release] [--phase-seconds 8] [--redis single|cluster|sentinel|all]
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "Tests" / "e2e"))

import socketio  # noqa: E402

import stack as stack_module  # noqa: E402
from api import Api  # noqa: E402


@dataclass
class Send:
    key: str
    started: float
    acked_at: float | None = None
    message: dict | None = None
    attempts: int = 0


class Member:
    """One client in the conversation, sending and receiving until told to stop."""

    def __init__(self, name: str, url: str, token: str, user: dict, conversation_id: str, interval: float):
        self.name, self.url, self.token, self.user = name, url, token, user
        self.conversation_id, self.interval = conversation_id, interval
        self.sends: list[Send] = []
        self.refused: list[dict] = []
        self.received: dict[str, dict] = {}
        self.live_duplicates = 0
        self.connection_epoch = 0
        self.seen_this_epoch: set[str] = set()
        self.last_seq = 0
        self.resume_after: int | None = None  # the last seq seen before a disconnection, until caught up
        self.events: list[tuple[float, str]] = []
        self.rejoin = threading.Event()
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.client = socketio.Client(reconnection=True, reconnection_delay=0.5, reconnection_delay_max=2, randomization_factor=0.2)
        self.client.on("new_message", self._on_message)
        self.client.on("connect", lambda: self.rejoin.set())
        self.client.on("disconnect", self._on_disconnect)
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)

    def _on_disconnect(self, *_reason):
        with self.lock:
            self.connection_epoch += 1
            self.seen_this_epoch = set()
            self.events.append((time.monotonic(), "disconnected"))
            # Live messages may arrive on the new connection before the catch-up finishes:
            # it must start from what was seen before the gap, not from the newest.
            if self.resume_after is None:
                self.resume_after = self.last_seq

    def _on_message(self, message: dict):
        with self.lock:
            if message["id"] in self.seen_this_epoch:
                self.live_duplicates += 1
            self.seen_this_epoch.add(message["id"])
            self._record(message)

    def _record(self, message: dict):
        self.received[message["id"]] = message
        self.last_seq = max(self.last_seq, message["seq"])

    def start(self):
        self.client.connect(self.url, transports=["websocket"], auth={"token": self.token}, wait_timeout=10)
        self.thread.start()

    def _catch_up(self):
        # What was seen before joining: a message published just before the join reached
        # the room is not delivered live, and one published just after it would otherwise
        # raise last_seq past it before the sync reads.
        with self.lock:
            after = self.resume_after if self.resume_after is not None else self.last_seq
            epoch = self.connection_epoch
        joined = self.client.call("join_conversation", {"conversationId": self.conversation_id}, timeout=10)
        if not joined.get("ok"):
            raise RuntimeError(joined)
        while True:
            page = self.client.call("sync_conversation", {"conversationId": self.conversation_id, "after": after, "limit": 200}, timeout=10)
            messages = page.get("messages", [])
            with self.lock:
                for message in messages:
                    self._record(message)
            if not page.get("hasMore") or not messages:
                break
            after = messages[-1]["seq"]
        with self.lock:
            if self.connection_epoch != epoch:
                raise RuntimeError("disconnected while catching up")
            self.resume_after = None
            self.events.append((time.monotonic(), "caught up"))

    def _run(self):
        number = 0
        while not self.stop.is_set():
            if self.rejoin.is_set() and self.client.connected:
                try:
                    self._catch_up()
                    self.rejoin.clear()
                except Exception:
                    time.sleep(0.3)
                    continue
            send = Send(key=f"{self.name}-{number}", started=time.monotonic())
            number += 1
            with self.lock:
                self.sends.append(send)
            while not self.stop.is_set():
                send.attempts += 1
                ack = self._send(send.key)
                if ack is None:
                    time.sleep(0.3)  # no answer (not connected, connection lost, too slow): resend the same key
                    if self.rejoin.is_set() and self.client.connected:
                        break
                    continue
                if ack.get("ok"):
                    send.message, send.acked_at = ack["message"], time.monotonic()
                    break
                if not ack.get("error", {}).get("retryable"):
                    self.refused.append(ack)  # counted against the run; the member goes on
                    break
                time.sleep(0.3)
            self.stop.wait(self.interval)

    def _send(self, key: str) -> dict | None:
        """The ack, or None once the connection drops or 12 s pass: as a client gives up
        on an ack whose connection is gone, rather than waiting for it."""
        answered = threading.Event()
        answer: dict = {}
        with self.lock:
            epoch = self.connection_epoch
        try:
            self.client.emit("send_message", {"conversationId": self.conversation_id, "content": key, "clientMessageId": key},
                             callback=lambda ack: (answer.update(ack), answered.set()))
        except Exception:
            return None
        deadline = time.monotonic() + 12
        while not answered.wait(0.05):
            with self.lock:
                if self.connection_epoch != epoch or time.monotonic() > deadline:
                    return None
        return answer

    def finish(self):
        self.stop.set()
        self.thread.join(30)


@dataclass
class Phase:
    name: str
    fault: str
    started: float
    fault_at: float = 0.0
    ended: float = 0.0
    recovery: float | None = None
    counts: dict = field(default_factory=dict)


def first_ack_after(members: list[Member], moment: float, deadline: float) -> float | None:
    """When every member had a message started after `moment` acked (seconds after it)."""
    worst = 0.0
    for member in members:
        with member.lock:
            acked = [s.acked_at for s in member.sends if s.started >= moment and s.acked_at]
        if not acked:
            return None
        worst = max(worst, min(acked) - moment)
    return worst if worst <= deadline else None


# How long after a fault every member must have had a message acked again, in seconds.
RECOVERY_LIMIT = 90


# The key of the stream gateways append sends to (EventBus's CommandStream.key).
CommandStream = "chat:commands"


def log(message: str) -> None:
    print(f"[resilience] {message}", flush=True)


@dataclass
class Conversation:
    """The conversation every member talks in, and how the members reach it."""
    lb: str             # the load balancer's URL
    owner_token: str    # the first member's, who made the conversation
    id: str
    balanced: str       # the gateway the load balancer sends to: the one the gateway fault kills
    direct: str         # the other gateway, which half of the members connect to straight


@dataclass
class DrillResult:
    """What one drill measured: each fault's phase, the whole run's messages, and presence."""
    phases: list[Phase]
    sent: int
    acked: int
    stored: list[dict]              # the TEXT messages in the conversation's history
    lost: list[str]                 # keys acked but never stored
    refused: list[dict]             # acks with an error that said not to retry
    duplicates: int                 # clientMessageIds stored more than once
    undelivered: dict[str, int]     # by member: stored messages it never got, live or by catch-up
    live_duplicates: int            # a message delivered twice on one connection
    gapless: bool                   # the stored seqs are consecutive
    online_ok: bool = False         # presence had every connected member online
    offline_after: float | None = None  # seconds until presence had them all offline once they left; None: not within 20 s

    @property
    def ok(self) -> bool:
        return not self.lost and not self.refused and self.duplicates == 0 and not any(self.undelivered.values()) \
            and self.live_duplicates == 0 and self.gapless and self.online_ok and self.offline_after is not None \
            and all(p.recovery is not None for p in self.phases)


def run(arguments: argparse.Namespace) -> int:
    """Every drill asked for, then the report: 0 if all passed."""
    modes = list(REDIS_MODES) if arguments.redis == "all" else [arguments.redis]
    results = []
    for mode in modes:
        log(f"drill on {REDIS_MODES[mode]}")
        results.append((mode, drill(arguments, mode)))
    write_report(arguments, results)
    return 0 if all(result.ok for _, result in results) else 1


REDIS_MODES = {"single": "one Redis", "cluster": "a Redis Cluster (three masters, three replicas)",
               "sentinel": "Redis Sentinel (a master, a replica, three sentinels)"}


def drill(arguments: argparse.Namespace, mode: str) -> DrillResult:
    """One drill. Members are stopped and the stack taken down however it ends; a failed
    run's state is kept for its logs."""
    state = Path(tempfile.mkdtemp(prefix="resilience-", dir=ROOT / ".state"))
    deployment = drill_stack(state, arguments.configuration, mode)
    members: list[Member] = []
    ok = False
    try:
        deployment.up()
        # The first member, a student, opens the conversation: under the default CONTACT_POLICY
        # an expert does not start one with students.
        accounts = [account(deployment.lb_url, f"M{index}", "expert" if index == 1 else "student") for index in range(arguments.members)]
        conversation = open_conversation(deployment, accounts)
        start_members(members, deployment, conversation, accounts, arguments.rate)
        phases = run_faults(deployment, members, conversation.balanced, arguments.phase_seconds)
        stop_sending(members)
        result = final_checks(members, phases, conversation)
        ok = result.ok
        log(f"{'PASS' if ok else 'FAIL'}: acked {result.acked}, stored {len(result.stored)}, lost {len(result.lost)}, refused {result.refused[:3]}, "
            f"duplicated {result.duplicates}, undelivered {result.undelivered}, live duplicates {result.live_duplicates}")
        if not ok:
            explain_undelivered(members, result.stored, phases)
        return result
    finally:
        tear_down(members, deployment, state, ok)


def drill_stack(state: Path, configuration: str, mode: str) -> stack_module.Stack:
    """A durable stack (Redis with its append-only file, Postgres with fsync), so that a restart
    loses nothing that was acked; cheap password hashing for the members' accounts."""
    return stack_module.Stack(state_dir=state, bin_dir=stack_module.build_dir(configuration), ports=stack_module.Ports.free(),
                              durable=True, database="chat_resilience", log_level="warning", overrides={"BCRYPT_COST": "4"},
                              redis_cluster=mode == "cluster", redis_sentinel=mode == "sentinel", postgres_replica=True)


def account(base: str, name: str, role: str) -> tuple[str, dict]:
    """A new account: its token and user."""
    client, user = Api(base).register(name, role)
    return client.token, user


def open_conversation(deployment: stack_module.Stack, accounts: list[tuple[str, dict]]) -> Conversation:
    """The first account's conversation with all the others, and which gateway the load balancer
    picked (each gateway names itself in its `server` header)."""
    lb = deployment.lb_url
    owner_token = accounts[0][0]
    conversation = Api(lb, owner_token).post("/api/chat/conversations",
                                             json={"participantIds": [user["id"] for _, user in accounts[1:]], "title": "resilience"}).json()
    served = Api(lb).get("/healthz").headers["server"]
    names = {Api(deployment.service_url(name)).get("/healthz").headers["server"]: name for name in ("gateway1", "gateway2")}
    balanced = names[served]
    direct = "gateway2" if balanced == "gateway1" else "gateway1"
    return Conversation(lb=lb, owner_token=owner_token, id=conversation["id"], balanced=balanced, direct=direct)


def start_members(members: list[Member], deployment: stack_module.Stack, conversation: Conversation,
                  accounts: list[tuple[str, dict]], rate: float) -> None:
    """Connects one member per account, alternately through the load balancer and straight to the
    other gateway, into `members`: the caller stops every member created, even if one fails to start."""
    for index, (token, user) in enumerate(accounts):
        url = conversation.lb if index % 2 == 0 else deployment.service_url(conversation.direct)
        members.append(Member(f"M{index}", url, token, user, conversation.id, interval=1 / rate))
    for member in members:
        member.start()
    log(f"{len(members)} members, half through the load balancer (→ {conversation.balanced}), half on {conversation.direct}")


def faults(balanced: str, failover: bool) -> list[tuple[str, str]]:
    """Each fault's name and what it does, in the order they are injected."""
    return [
        ("messages", "SIGKILL messages, start it again after 1 s"),
        ("presence", "restart presence (SIGTERM, start)"),
        ("redis", "SIGKILL the Redis master serving the command stream; its replica takes over, the old master "
                  "comes back as a replica" if failover else "restart Redis (SIGTERM, start after 1 s; append-only file)"),
        ("postgres", "restart Postgres (fast shutdown, start after 1 s)"),
        ("replica", "stop the Postgres read replica (immediate shutdown), start it after 1 s"),
        ("gateway", f"SIGKILL {balanced} (the load-balanced one), start it again after 3 s"),
    ]


def inject(deployment: stack_module.Stack, fault: str, balanced: str) -> Callable[[], None]:
    """Strikes one fault of `faults` (the kill or the stop) and returns what brings the
    process back, so that recovery is timed from the moment the fault took hold. The
    services are started without waiting for them to be ready: how long the members take
    to get acks again is what the phase measures."""
    def after(seconds: float, restart: Callable[[], None]) -> Callable[[], None]:
        def restore() -> None:
            time.sleep(seconds)
            restart()
        return restore

    def after_failover(changed: Callable[[], bool], restart: Callable[[], None]) -> Callable[[], None]:
        def restore() -> None:
            deadline = time.monotonic() + RECOVERY_LIMIT
            while time.monotonic() < deadline and not changed():
                time.sleep(0.2)
            restart()
        return restore

    if fault == "messages":
        deployment.kill("messages")
        return after(1, lambda: deployment.start_service("messages", wait=False))
    if fault == "presence":
        deployment.stop("presence")
        return after(0, lambda: deployment.start_service("presence", wait=False))
    if fault == "redis" and deployment.redis_cluster:
        index = deployment.cluster_master_of(CommandStream)
        deployment.kill(f"redis{index + 1}")
        return after_failover(lambda: deployment.cluster_master_of(CommandStream) not in (index, None),
                              lambda: deployment.start_redis_node(index, wait=False))
    if fault == "redis" and deployment.redis_sentinel:
        master = deployment.sentinel_master()
        name = "redis" if master == deployment.ports.redis else "redis-replica"
        deployment.kill(name)
        return after_failover(lambda: deployment.sentinel_master() not in (master, None),
                              deployment.start_redis if name == "redis" else deployment.start_redis_replica)
    if fault == "redis":
        deployment.stop("redis")
        return after(1, deployment.start_redis)
    if fault == "postgres":
        deployment.stop_postgres()
        return after(1, deployment.start_postgres)
    if fault == "replica":
        deployment.stop_postgres_replica(mode="immediate")
        return after(1, lambda: deployment.start_postgres_replica(deployment.replica_port))
    if fault == "gateway":
        deployment.kill(balanced)
        return after(3, lambda: deployment.start_service(balanced, wait=False))
    raise ValueError(f"no such fault: {fault}")


def run_faults(deployment: stack_module.Stack, members: list[Member], balanced: str, phase_seconds: float) -> list[Phase]:
    """A phase of steady load, then one phase per fault."""
    time.sleep(phase_seconds)
    return [run_phase(deployment, members, name, description, balanced, phase_seconds)
            for name, description in faults(balanced, deployment.redis_cluster or deployment.redis_sentinel)]


def run_phase(deployment: stack_module.Stack, members: list[Member], name: str, description: str, balanced: str,
              phase_seconds: float) -> Phase:
    """Half a phase of load, the fault, the wait until every member is acked again, and the other
    half: a phase holds the sends before the fault as well as those after it."""
    phase = Phase(name, description, started=time.monotonic())
    time.sleep(phase_seconds / 2)
    log(f"fault: {description}")
    restore = inject(deployment, name, balanced)
    phase.fault_at = time.monotonic()
    restore()
    phase.recovery = wait_for_recovery(members, phase.fault_at)
    log(f"  every member acked again after {phase.recovery if phase.recovery is not None else 'never'} s")
    time.sleep(phase_seconds / 2)
    phase.ended = time.monotonic()
    return phase


def wait_for_recovery(members: list[Member], fault_at: float) -> float | None:
    """Seconds from the fault until every member had a message acked again; None past RECOVERY_LIMIT."""
    deadline = fault_at + RECOVERY_LIMIT
    while time.monotonic() < deadline and first_ack_after(members, fault_at, RECOVERY_LIMIT) is None:
        time.sleep(0.2)
    return first_ack_after(members, fault_at, RECOVERY_LIMIT)


def stop_sending(members: list[Member]) -> None:
    for member in members:
        member.finish()
    # Members still connected catch up one last time, as a client would.
    for member in members:
        if member.client.connected:
            member._catch_up()


def final_checks(members: list[Member], phases: list[Phase], conversation: Conversation) -> DrillResult:
    """The messages counted against the history, then presence: counted first, as the presence
    check disconnects every member."""
    result = count_messages(members, phases, conversation)
    result.online_ok, result.offline_after = check_presence(members, conversation)
    return result


def count_messages(members: list[Member], phases: list[Phase], conversation: Conversation) -> DrillResult:
    """What was sent, acked and stored, over the run and in each phase, and what reached whom."""
    stored = [m for m in Api(conversation.lb, conversation.owner_token).history(conversation.id) if m["messageType"] == "TEXT"]
    stored_keys = [m["clientMessageId"] for m in stored]
    stored_ids = {m["id"] for m in stored}
    unique_keys = set(stored_keys)
    all_sends = [s for member in members for s in member.sends]
    for phase in phases:
        phase.counts = count_phase(phase, all_sends, unique_keys)
    acked_all = [s for s in all_sends if s.acked_at]
    seqs = sorted(m["seq"] for m in stored)
    return DrillResult(
        phases=phases, sent=len(all_sends), acked=len(acked_all), stored=stored,
        lost=[s.key for s in acked_all if s.key not in unique_keys],
        refused=[ack for member in members for ack in member.refused],
        duplicates=len(stored_keys) - len(unique_keys),
        undelivered={member.name: len(stored_ids - set(member.received)) for member in members},
        live_duplicates=sum(member.live_duplicates for member in members),
        gapless=(seqs == list(range(seqs[0], seqs[0] + len(seqs)))) if seqs else True,
    )


def count_phase(phase: Phase, sends: list[Send], stored_keys: set[str]) -> dict[str, int]:
    """The sends started within the phase: how many were acked, stored, lost and resent."""
    window = [s for s in sends if phase.started <= s.started < phase.ended]
    acked = [s for s in window if s.acked_at]
    return {
        "sent": len(window),
        "acked": len(acked),
        "stored": sum(1 for s in window if s.key in stored_keys),
        "lost": sum(1 for s in acked if s.key not in stored_keys),
        "resent": sum(1 for s in window if s.attempts > 1),
    }


def presence(members: list[Member], conversation: Conversation) -> list[dict]:
    return Api(conversation.lb, conversation.owner_token).get("/api/presence", params={"userIds": ",".join(m.user["id"] for m in members)}).json()


def check_presence(members: list[Member], conversation: Conversation) -> tuple[bool, float | None]:
    """Whether presence has every member online while all are connected, and how many seconds
    after they all disconnect it has them all offline (None: not within 20 s)."""
    online_ok = all(p["status"] == "online" for p in presence(members, conversation))
    for member in members:
        member.client.disconnect()
    started = time.monotonic()
    while time.monotonic() - started < 20:
        if all(p["status"] == "offline" for p in presence(members, conversation)):
            return online_ok, time.monotonic() - started
        time.sleep(0.2)
    return online_ok, None


def tear_down(members: list[Member], deployment: stack_module.Stack, state: Path, ok: bool) -> None:
    """Stops every member and the stack; a passing run's state goes, a failing one's stays for its logs."""
    for member in members:
        member.stop.set()
        try:
            member.client.disconnect()
        except Exception:
            pass
    deployment.down()
    if ok:
        shutil.rmtree(state, ignore_errors=True)
    else:
        log(f"logs kept in {state / 'logs'}")


def explain_undelivered(members: list[Member], stored: list[dict], phases: list[Phase]) -> None:
    """Which seqs each member never got, next to its connection events and the faults."""
    origin = phases[0].started if phases else 0.0
    log("faults at " + ", ".join(f"{p.name} +{p.fault_at - origin:.1f} s" for p in phases))
    for member in members:
        missing = sorted(m["seq"] for m in stored if m["id"] not in member.received)
        if missing:
            events = ", ".join(f"{what} +{when - origin:.1f} s" for when, what in member.events)
            log(f"  {member.name} missed seqs {missing[:40]}; events: {events or 'none'}")


def write_report(arguments: argparse.Namespace, results: list[tuple[str, DrillResult]]) -> None:
    """docs/RESILIENCE.md from the drills, replaced whole: how they were run, each fault's
    phase, each drill's outcome, and how to read the counts."""
    lines = report_introduction(arguments)
    for mode, result in results:
        lines += [f"## On {REDIS_MODES[mode]}", "", *phase_table(result.phases), *outcome(result)]
    lines += REPORT_NOTES
    (ROOT / "docs" / "RESILIENCE.md").write_text("\n".join(lines) + "\n")
    log("wrote docs/RESILIENCE.md")


def report_introduction(arguments: argparse.Namespace) -> list[str]:
    return [
        "# Resilience: faults under load",
        "",
        f"Measured {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC on {platform.node()} "
        f"({platform.machine()}, {os.cpu_count()} cores shared by every process), {arguments.configuration} build, with",
        "",
        "```bash",
        f"./scripts/resilience --configuration {arguments.configuration} --members {arguments.members} "
        f"--rate {arguments.rate} --phase-seconds {arguments.phase_seconds} --redis {arguments.redis}",
        "```",
        "",
        f"{arguments.members} python-socketio members of one conversation, half through haproxy, half straight to the other "
        f"gateway, each sending {arguments.rate} acked messages a second and resending with the same clientMessageId "
        "until acked; after a reconnect a member rejoins and catches up from the last seq it saw. Durable stack: Redis "
        "with its append-only file, Postgres with fsync. One fault per phase, in this order. The drill runs on one Redis, "
        "on a Redis Cluster (`REDIS_CLUSTER_NODES`; node timeout 2 s) and on Redis Sentinel (`REDIS_SENTINELS`; down after "
        "2 s); on the last two the Redis fault is the master killed. Messages reads history (the members' catch-up) from a "
        "streaming Postgres replica (`DATABASE_READ_URL`), which one phase kills.",
        "",
    ]


def phase_table(phases: list[Phase]) -> list[str]:
    lines = [
        "| fault | sent in phase | acked | stored | lost (acked, not stored) | resent | every member acked again after |",
        "|---|---|---|---|---|---|---|",
    ]
    for phase in phases:
        recovery = f"{phase.recovery:.1f} s" if phase.recovery is not None else "never"
        c = phase.counts
        lines.append(f"| {phase.fault} | {c['sent']} | {c['acked']} | {c['stored']} | {c['lost']} | {c['resent']} | {recovery} |")
    return lines


def outcome(result: DrillResult) -> list[str]:
    """The whole run's counts, presence, and the verdict."""
    offline = f"{result.offline_after:.1f} s" if result.offline_after is not None else "not within 20 s"
    return [
        "",
        f"Whole run: {result.sent} sends, {result.acked} acked, {len(result.stored)} stored; **lost {len(result.lost)}**, "
        f"**duplicated {result.duplicates}** "
        f"(refused with an error that said not to retry: {len(result.refused)}) "
        f"(a clientMessageId stored twice); seq gapless: {result.gapless}; messages a member never got, live or by catch-up: "
        f"{sum(result.undelivered.values())}; a message delivered twice on one connection: {result.live_duplicates}.",
        f"Presence: every connected member online after the faults: {result.online_ok}; all offline "
        f"{offline} after they disconnected.",
        "",
        f"Outcome: **{'pass' if result.ok else 'FAIL'}**.",
        "",
    ]


REPORT_NOTES = [
    "Notes: a send that was in flight when its path broke gets no ack, or a retryable error, and is resent with its key;",
    "it is counted once in `stored`. Sends acked while Redis is down are impossible by design (the command stream is",
    "in Redis): they wait and are resent, which the recovery time includes. On a cluster or with sentinels, a send the",
    "killed master took but had not yet copied to its replica is lost from the stream, never stored, never acked: its",
    "sender resends it.",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--configuration", default="debug", choices=["debug", "release"])
    parser.add_argument("--members", type=int, default=6)
    parser.add_argument("--rate", type=float, default=4.0, help="messages a second per member")
    parser.add_argument("--phase-seconds", type=float, default=8.0)
    parser.add_argument("--redis", default="all", choices=["single", "cluster", "sentinel", "all"],
                        help="the drill on one Redis, on a Redis Cluster, on Redis Sentinel, or all three (the default)")
    return run(parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())
