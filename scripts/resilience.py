#!/usr/bin/env python3
"""Faults under load, automated and bounded, with the outcome written to docs/RESILIENCE.md.

A whole stack of processes (durable: Redis with its append-only file, Postgres with fsync)
serves a group conversation whose members — python-socketio clients, half through the load
balancer, half straight to the other gateway — send acked messages without pause, resend
with the same clientMessageId until acked, and rejoin and catch up from the last seq they
saw whenever they reconnect. One fault at a time: messages SIGKILLed and restarted,
presence restarted, Redis restarted, Postgres restarted, the load-balanced gateway
SIGKILLed. For each: what was acked, stored, lost, duplicated, and how long until every
member had a message acked again. At the end every stored message must have reached every
member, and presence must agree with who is connected.

    ./scripts/resilience [--configuration debug|release] [--phase-seconds 8]
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
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "Tests" / "e2e"))

import requests  # noqa: E402
import socketio  # noqa: E402

import stack as stack_module  # noqa: E402
from chat import history, register  # noqa: E402


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


def run(arguments: argparse.Namespace) -> int:
    state = Path(tempfile.mkdtemp(prefix="resilience-", dir=ROOT / ".state"))
    deployment = stack_module.Stack(state_dir=state, bin_dir=stack_module.build_dir(arguments.configuration), ports=stack_module.Ports.free(),
                                    durable=True, database="chat_resilience", log_level="warning", overrides={"BCRYPT_COST": "4"})
    members: list[Member] = []
    phases: list[Phase] = []
    ok = False
    try:
        deployment.up()
        lb = deployment.lb_url
        accounts = [register(lb, f"M{index}", "expert" if index == 0 else "student") for index in range(arguments.members)]
        owner_token = accounts[0][0]
        conversation = requests.post(f"{lb}/api/chat/conversations", headers={"Authorization": f"Bearer {owner_token}"},
                                     json={"participantIds": [user["id"] for _, user in accounts[1:]], "title": "resilience"}).json()
        served = requests.get(f"{lb}/healthz").headers["server"]
        names = {requests.get(f"{deployment.service_url(name)}/healthz").headers["server"]: name for name in ("gateway1", "gateway2")}
        balanced = names[served]
        direct = "gateway2" if balanced == "gateway1" else "gateway1"
        for index, (token, user) in enumerate(accounts):
            url = lb if index % 2 == 0 else deployment.service_url(direct)
            members.append(Member(f"M{index}", url, token, user, conversation["id"], interval=1 / arguments.rate))
        for member in members:
            member.start()
        print(f"[resilience] {len(members)} members, half through the load balancer (→ {balanced}), half on {direct}", flush=True)

        def restart_redis():
            deployment.stop("redis")
            time.sleep(1)
            deployment.start_redis()

        def restart_postgres():
            deployment.stop_postgres()
            time.sleep(1)
            deployment.start_postgres()

        def kill_messages():
            deployment.kill("messages")
            time.sleep(1)
            deployment.start_service("messages", wait=False)

        def restart_presence():
            deployment.stop("presence")
            deployment.start_service("presence", wait=False)

        def kill_gateway():
            deployment.kill(balanced)
            time.sleep(3)
            deployment.start_service(balanced, wait=False)

        faults = [
            ("messages", "SIGKILL messages, start it again after 1 s", kill_messages),
            ("presence", "restart presence (SIGTERM, start)", restart_presence),
            ("redis", "restart Redis (SIGTERM, start after 1 s; append-only file)", restart_redis),
            ("postgres", "restart Postgres (fast shutdown, start after 1 s)", restart_postgres),
            ("gateway", f"SIGKILL {balanced} (the load-balanced one), start it again after 3 s", kill_gateway),
        ]
        time.sleep(arguments.phase_seconds)
        for name, description, inject in faults:
            phase = Phase(name, description, started=time.monotonic())
            time.sleep(arguments.phase_seconds / 2)
            phase.fault_at = time.monotonic()
            print(f"[resilience] fault: {description}", flush=True)
            inject()
            deadline = phase.fault_at + 90
            while time.monotonic() < deadline and first_ack_after(members, phase.fault_at, 90) is None:
                time.sleep(0.2)
            phase.recovery = first_ack_after(members, phase.fault_at, 90)
            print(f"[resilience]   every member acked again after {phase.recovery if phase.recovery is not None else 'never'} s", flush=True)
            time.sleep(arguments.phase_seconds / 2)
            phase.ended = time.monotonic()
            phases.append(phase)

        for member in members:
            member.finish()
        # Members still connected catch up one last time, as a client would.
        for member in members:
            if member.client.connected:
                member._catch_up()

        stored = [m for m in history(lb, owner_token, conversation["id"]) if m["messageType"] == "TEXT"]
        stored_keys = [m["clientMessageId"] for m in stored]
        stored_ids = {m["id"] for m in stored}
        duplicates = len(stored_keys) - len(set(stored_keys))
        all_sends = [s for member in members for s in member.sends]
        for phase in phases:
            window = [s for s in all_sends if phase.started <= s.started < phase.ended]
            acked = [s for s in window if s.acked_at]
            phase.counts = {
                "sent": len(window),
                "acked": len(acked),
                "stored": sum(1 for s in window if s.key in set(stored_keys)),
                "lost": sum(1 for s in acked if s.key not in set(stored_keys)),
                "resent": sum(1 for s in window if s.attempts > 1),
            }
        acked_all = [s for s in all_sends if s.acked_at]
        lost = [s.key for s in acked_all if s.key not in set(stored_keys)]
        undelivered = {member.name: len(stored_ids - set(member.received)) for member in members}
        live_duplicates = sum(member.live_duplicates for member in members)
        refused = [ack for member in members for ack in member.refused]
        seqs = sorted(m["seq"] for m in stored)
        gapless = seqs == list(range(seqs[0], seqs[0] + len(seqs))) if seqs else True

        presence_before = requests.get(f"{lb}/api/presence", params={"userIds": ",".join(m.user["id"] for m in members)},
                                       headers={"Authorization": f"Bearer {owner_token}"}).json()
        online_ok = all(p["status"] == "online" for p in presence_before)
        for member in members:
            member.client.disconnect()
        offline_after = None
        started = time.monotonic()
        while time.monotonic() - started < 20:
            now = requests.get(f"{lb}/api/presence", params={"userIds": ",".join(m.user["id"] for m in members)},
                               headers={"Authorization": f"Bearer {owner_token}"}).json()
            if all(p["status"] == "offline" for p in now):
                offline_after = time.monotonic() - started
                break
            time.sleep(0.2)

        ok = not lost and not refused and duplicates == 0 and not any(undelivered.values()) and live_duplicates == 0 and gapless and online_ok \
            and offline_after is not None and all(p.recovery is not None for p in phases)
        write_report(arguments, phases, len(all_sends), len(acked_all), len(stored), lost, refused, duplicates, undelivered, live_duplicates,
                     gapless, online_ok, offline_after, ok)
        print(f"[resilience] {'PASS' if ok else 'FAIL'}: acked {len(acked_all)}, stored {len(stored)}, lost {len(lost)}, refused {refused[:3]}, duplicated {duplicates}, "
              f"undelivered {undelivered}, live duplicates {live_duplicates}", flush=True)
        if not ok:
            explain_undelivered(members, stored, phases)
        return 0 if ok else 1
    finally:
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
            print(f"[resilience] logs kept in {state / 'logs'}", flush=True)


def explain_undelivered(members: list[Member], stored: list[dict], phases: list[Phase]):
    """Which seqs each member never got, next to its connection events and the faults."""
    origin = phases[0].started if phases else 0.0
    print("[resilience] faults at " + ", ".join(f"{p.name} +{p.fault_at - origin:.1f} s" for p in phases), flush=True)
    for member in members:
        missing = sorted(m["seq"] for m in stored if m["id"] not in member.received)
        if missing:
            events = ", ".join(f"{what} +{when - origin:.1f} s" for when, what in member.events)
            print(f"[resilience]   {member.name} missed seqs {missing[:40]}; events: {events or 'none'}", flush=True)


def write_report(arguments, phases, sent, acked, stored, lost, refused, duplicates, undelivered, live_duplicates, gapless, online_ok, offline_after, ok):
    lines = [
        "# Resilience: faults under load",
        "",
        f"Measured {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC on {platform.node()} "
        f"({platform.machine()}, {os.cpu_count()} cores shared by every process), {arguments.configuration} build, with",
        "",
        "```bash",
        f"./scripts/resilience --configuration {arguments.configuration} --members {arguments.members} "
        f"--rate {arguments.rate} --phase-seconds {arguments.phase_seconds}",
        "```",
        "",
        f"{arguments.members} python-socketio members of one conversation, half through haproxy, half straight to the other "
        f"gateway, each sending {arguments.rate} acked messages a second and resending with the same clientMessageId "
        "until acked; after a reconnect a member rejoins and catches up from the last seq it saw. Durable stack: Redis "
        "with its append-only file, Postgres with fsync. One fault per phase, in this order.",
        "",
        "| fault | sent in phase | acked | stored | lost (acked, not stored) | resent | every member acked again after |",
        "|---|---|---|---|---|---|---|",
    ]
    for phase in phases:
        recovery = f"{phase.recovery:.1f} s" if phase.recovery is not None else "never"
        c = phase.counts
        lines.append(f"| {phase.fault} | {c['sent']} | {c['acked']} | {c['stored']} | {c['lost']} | {c['resent']} | {recovery} |")
    lines += [
        "",
        f"Whole run: {sent} sends, {acked} acked, {stored} stored; **lost {len(lost)}**, **duplicated {duplicates}** "
        f"(refused with an error that said not to retry: {len(refused)}) "
        f"(a clientMessageId stored twice); seq gapless: {gapless}; messages a member never got, live or by catch-up: "
        f"{sum(undelivered.values())}; a message delivered twice on one connection: {live_duplicates}.",
        f"Presence: every connected member online after the faults: {online_ok}; all offline "
        f"{f'{offline_after:.1f} s' if offline_after is not None else 'not within 20 s'} after they disconnected.",
        "",
        f"Outcome: **{'pass' if ok else 'FAIL'}**.",
        "",
        "Notes: a send that was in flight when its path broke gets no ack, or a retryable error, and is resent with its key;",
        "it is counted once in `stored`. Sends acked while Redis is down are impossible by design (the command stream is",
        "in Redis): they wait and are resent, which the recovery time includes.",
    ]
    (ROOT / "docs" / "RESILIENCE.md").write_text("\n".join(lines) + "\n")
    print("[resilience] wrote docs/RESILIENCE.md", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--configuration", default="debug", choices=["debug", "release"])
    parser.add_argument("--members", type=int, default=6)
    parser.add_argument("--rate", type=float, default=4.0, help="messages a second per member")
    parser.add_argument("--phase-seconds", type=float, default=8.0)
    return run(parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())
