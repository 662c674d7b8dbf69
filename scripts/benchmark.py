#!/usr/bin/env python3
"""The standard benchmarks, written to docs/BENCHMARKS.md.

Starts the stack from the release build (Postgres, Redis, messages, presence, uploads, two
gateways), runs chat-loadtest's standard scenarios against it while sampling every server
process's CPU time and RSS, then starts the python-socketio peer (../shared/peers/
python-socketio: two instances on one Redis) and runs the same tool and scenario against
it, so that each comparable figure is stated as a ratio to the peer measured in the same
run. Everything shares this machine's cores, the load tool included.

    ./scripts/benchmark [--quick]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import stack as stack_module

ROOT = Path(__file__).resolve().parents[1]
PEER = ROOT.parent / "shared" / "peers" / "python-socketio"
TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def log(message: str) -> None:
    print(f"[benchmark] {message}", flush=True)


def children(pid: int) -> list[int]:
    try:
        found = []
        for task in Path(f"/proc/{pid}/task").iterdir():
            found += [int(child) for child in (task / "children").read_text().split()]
        return found
    except OSError:
        return []


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS
    except (OSError, IndexError):
        return 0.0


def rss_bytes(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
    except (OSError, IndexError):
        return 0


@dataclass
class Sample:
    cpu: dict[str, float]
    rss: dict[str, int]


@dataclass
class Processes:
    """The server processes by role; Postgres is its postmaster and every backend."""
    pids: dict[str, list[int]] = field(default_factory=dict)
    postmaster: int | None = None

    def groups(self) -> dict[str, list[int]]:
        groups = dict(self.pids)
        if self.postmaster:
            groups["postgres"] = [self.postmaster, *children(self.postmaster)]
        return groups

    def sample(self) -> Sample:
        groups = self.groups()
        return Sample(cpu={name: sum(cpu_seconds(pid) for pid in pids) for name, pids in groups.items()},
                      rss={name: sum(rss_bytes(pid) for pid in pids) for name, pids in groups.items()})


@dataclass
class Result:
    name: str
    target: str
    command: list[str]
    report: dict
    seconds: float
    cpu: dict[str, float]          # CPU seconds used during the run, by role
    rss_before: dict[str, int]
    rss_peak: dict[str, int]

    def cpu_percent(self, role: str) -> float:
        return 100 * self.cpu.get(role, 0) / self.seconds if self.seconds else 0

    def micros_per_delivery(self, roles: list[str]) -> float | None:
        delivered = self.report["counts"]["delivered"]
        return 1e6 * sum(self.cpu.get(role, 0) for role in roles) / delivered if delivered else None


def run_tool(name: str, target: str, arguments: list[str], processes: Processes, timeout: float = 600) -> Result:
    tool = stack_module.build_dir("release") / "chat-loadtest"
    command = [str(tool), *arguments, "--json", "--quiet"]
    log(f"{name} against {target}: {' '.join(arguments)}")
    before = processes.sample()
    peak = dict(before.rss)
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    while process.poll() is None and time.monotonic() - started < timeout:
        time.sleep(0.5)
        for role, rss in processes.sample().rss.items():
            peak[role] = max(peak.get(role, 0), rss)
    if process.poll() is None:
        process.kill()
        sys.exit(f"{name} did not finish within {timeout} s")
    stdout, stderr = process.communicate()
    elapsed = time.monotonic() - started
    after = processes.sample()
    if not stdout.strip():
        sys.exit(f"{name} printed no report (exit {process.returncode}):\n{stderr[-2000:]}")
    report = json.loads(stdout)
    if process.returncode != 0:
        log(f"  exit {process.returncode} (loss or failures past the threshold)")
    result = Result(name, target, command, report, elapsed, {role: after.cpu.get(role, 0) - before.cpu.get(role, 0) for role in after.cpu},
                    before.rss, peak)
    counts = report["counts"]
    log(f"  {counts['connected']} connected, {counts['sent']} sent, {counts['delivered']} delivered "
        f"({report['deliveredPerSecond']:.0f}/s), lost {report['lost']}, delivery p50 {report['delivery']['p50']} ms "
        f"p99 {report['delivery']['p99']} ms, handshake p50 {report['handshake']['p50']} ms")
    return result


class Peer:
    """The python-socketio peer: its two servers on a Redis of their own, on free ports."""

    def __init__(self, state: Path):
        self.state = state
        self.ports = [stack_module.free_port(), stack_module.free_port()]
        self.redis_port = stack_module.free_port()
        self.processes: list[subprocess.Popen] = []

    def start(self) -> Processes:
        python = ROOT / ".state" / "venv" / "bin" / "python"
        redis = subprocess.Popen(["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        self.processes.append(redis)
        stack_module.wait_for(lambda: subprocess.run(["redis-cli", "-p", str(self.redis_port), "ping"], capture_output=True).returncode == 0,
                              "peer redis")
        servers = []
        for port in self.ports:
            server = subprocess.Popen([str(python), str(PEER / "server.py"), "--port", str(port), "--redis", f"redis://127.0.0.1:{self.redis_port}/0"],
                                      stdout=open(self.state / f"peer-{port}.log", "w"), stderr=subprocess.STDOUT, start_new_session=True)
            self.processes.append(server)
            servers.append(server.pid)
        for port in self.ports:
            stack_module.wait_for(lambda: stack_module.http_ok(f"http://127.0.0.1:{port}/health"), f"peer :{port}")
        return Processes(pids={"gateway1": [servers[0]], "gateway2": [servers[1]], "redis": [redis.pid]})

    @property
    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.ports]

    def stop(self) -> None:
        for process in self.processes:
            process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()


@dataclass
class ManySockets:
    """Concurrent sockets past one process's 20,000 open files: several gateways, several load tools."""
    target: int
    gateways: int
    tools: int
    peak_sockets: int
    rss_before: int
    rss_at_peak: int
    connected: int
    failed: int
    handshakes_per_second: float
    handshake_p50: float
    handshake_p99: float
    command: list[str]


def open_files(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


def many_sockets(deployment: stack_module.Stack, total: int, api: str, per_process: int = 15_000) -> ManySockets:
    """Opens `total` sockets at once over as many gateways and load-tool processes as the
    per-process file limit needs, holds them, and counts them where they end: the gateways'
    open files, sampled while every tool holds its sockets."""
    count = -(-total // per_process)
    gateways = {name: deployment.processes[name].pid for name in ("gateway1", "gateway2")}
    urls = [deployment.service_url("gateway1"), deployment.service_url("gateway2")]
    for index in range(3, max(count, 2) + 1):
        name, port = f"gateway{index}", stack_module.free_port()
        environment = deployment.environment("gateway1") | {"HTTP_PORT": str(port)}
        gateways[name] = deployment.spawn(name, [str(deployment.bin_dir / "gateway")], environment).pid
        urls.append(f"http://127.0.0.1:{port}")
    for url in urls:
        stack_module.wait_for(lambda: stack_module.http_ok(f"{url}/readyz"), url)
    baseline = {pid: open_files(pid) for pid in gateways.values()}
    rss_before = sum(rss_bytes(pid) for pid in gateways.values())
    tool = stack_module.build_dir("release") / "chat-loadtest"
    # Each tool from addresses of its own (an address has ~28,000 ephemeral ports), to every gateway.
    # Paced below the handshake ceiling (all of it shares the two cores with the tools), and
    # held until the last tool has opened all of its sockets.
    rate = 2_000
    hold = 20 + total // rate
    commands = [
        [str(tool), "storm", "--sockets", str(total // count), "--rate", str(rate // count), "--hold", str(hold), "--users", "20",
         "--connect-timeout", "30",
         *url_arguments(urls), "--api", api, "--source", f"127.0.1.{index + 1}", "--source", f"127.0.2.{index + 1}", "--json", "--quiet"]
        for index in range(count)
    ]
    log(f"sockets: {total} over {len(urls)} gateways from {count} load-tool processes")
    tools = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for command in commands]
    peak, rss_at_peak = 0, rss_before
    while any(process.poll() is None for process in tools):
        time.sleep(1)
        sockets = sum(max(0, open_files(pid) - baseline[pid]) for pid in gateways.values())
        if sockets > peak:
            peak, rss_at_peak = sockets, sum(rss_bytes(pid) for pid in gateways.values())
    reports = [json.loads(process.communicate()[0]) for process in tools]
    for name in list(gateways)[2:]:
        deployment.stop(name)
    counts = [report["counts"] for report in reports]
    result = ManySockets(
        target=total, gateways=len(urls), tools=count, peak_sockets=peak, rss_before=rss_before, rss_at_peak=rss_at_peak,
        connected=sum(c["connected"] for c in counts), failed=sum(c["connectFailed"] for c in counts),
        handshakes_per_second=sum(report["connectsPerSecond"] for report in reports),
        handshake_p50=max(report["handshake"]["p50"] for report in reports), handshake_p99=max(report["handshake"]["p99"] for report in reports),
        command=["chat-loadtest", *commands[0][1:]],
    )
    log(f"  {result.connected} connected ({result.failed} failed), peak {peak} open on the gateways, "
        f"{(rss_at_peak - rss_before) / max(1, peak) / 1024:.1f} KiB RSS each")
    return result


def url_arguments(urls: list[str]) -> list[str]:
    return [argument for url in urls for argument in ("--url", url)]


def benchmark_stack(state: Path, bin_dir: Path, database: str) -> stack_module.Stack:
    """The stack every measurement runs against: cheap password hashing for the accounts the
    tool registers, and an event allowance no load scenario reaches."""
    return stack_module.Stack(
        state_dir=state, bin_dir=bin_dir, ports=stack_module.Ports.free(), durable=False, database=database, log_level="warning",
        overrides={"BCRYPT_COST": "4", "SOCKET_EVENTS_PER_SECOND": "1000", "SOCKET_EVENT_BURST": "2000"},
    )


def server_processes(deployment: stack_module.Stack) -> Processes:
    return Processes(
        pids={name: [deployment.processes[name].pid] for name in ("gateway1", "gateway2", "messages", "presence")}
        | {"redis": [deployment.processes["redis"].pid]},
        postmaster=int((deployment.state_dir / "postgres" / "data" / "postmaster.pid").read_text().split()[0]),
    )


def tool_targets(deployment: stack_module.Stack) -> list[str]:
    """chat-loadtest's arguments for where to connect: both gateways, the API behind the load
    balancer, three source addresses."""
    return [*url_arguments([deployment.service_url("gateway1"), deployment.service_url("gateway2")]), "--api", deployment.lb_url,
            "--source", "127.0.0.1", "--source", "127.0.0.2", "--source", "127.0.0.3"]


def scenarios(quick: bool) -> dict[str, list[str]]:
    scale = 0.5 if quick else 1
    duration = "5" if quick else "10"
    return {
        # The peer's own run A2: 200 clients in rooms of 20, 20 senders at 10/s.
        "fanout-A2": ["fanout", "--clients", "200", "--room", "20", "--senders", "20", "--rate", "10", "--duration", duration],
        "fanout-heavy": ["fanout", "--clients", str(int(2000 * scale)), "--room", "20", "--senders", str(int(1000 * scale)), "--rate", "5",
                         "--duration", duration],
        "send-1000": ["send", "--clients", "200", "--room", "2", "--senders", "100", "--rate", "10", "--duration", duration],
        "send-5000": ["send", "--clients", str(int(1000 * scale)), "--room", "2", "--senders", str(int(500 * scale)), "--rate", "10",
                      "--duration", duration],
        "storm": ["storm", "--sockets", str(int(10000 * scale)), "--rate", "5000", "--hold", "3", "--users", "50"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="half the sizes, 5 s phases")
    parser.add_argument("--output", default=str(ROOT / "docs" / "BENCHMARKS.md"))
    parser.add_argument("--sockets", type=int, help="concurrent sockets to hold at once (default 100000, quick 20000; 0 skips)")
    arguments = parser.parse_args()
    if arguments.sockets is None:
        arguments.sockets = 20_000 if arguments.quick else 100_000

    plan = scenarios(arguments.quick)
    state = Path(tempfile.mkdtemp(prefix="bench-", dir=ROOT / ".state"))
    deployment = benchmark_stack(state, stack_module.build_dir("release"), database="chat_bench")
    ours: dict[str, Result] = {}
    theirs: dict[str, Result] = {}
    held: ManySockets | None = None
    try:
        deployment.up()
        processes = server_processes(deployment)
        for name, scenario in plan.items():
            ours[name] = run_tool(name, "swift", [*scenario, *tool_targets(deployment)], processes)
        held = many_sockets(deployment, arguments.sockets, deployment.lb_url) if arguments.sockets else None
    finally:
        deployment.down()

    peer = Peer(state)
    try:
        peer_processes = peer.start()
        for name in ("fanout-A2", "storm"):
            theirs[name] = run_tool(name, "peer", [*plan[name], *url_arguments(peer.urls), "--path", "/api/socket/", "--anonymous"], peer_processes)
    finally:
        peer.stop()

    write_report(Path(arguments.output), ours, theirs, held, arguments)
    shutil.rmtree(state, ignore_errors=True)
    log(f"wrote {arguments.output}")
    return 0


def write_report(path: Path, ours: dict[str, Result], theirs: dict[str, Result], held: ManySockets | None, arguments) -> None:
    gateways = ["gateway1", "gateway2"]
    backend = ["gateway1", "gateway2", "messages", "presence", "redis", "postgres"]
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    cpu_model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")), "?")
    lines = [
        "# Benchmarks",
        "",
        f"Measured {now} on {platform.node()} ({cpu_model}, {os.cpu_count()} cores shared by every process: servers, Postgres, "
        "Redis and the load tool), release build, with",
        "",
        "```bash",
        f"./scripts/benchmark{' --quick' if arguments.quick else ''}",
        "```",
        "",
        "Each scenario is one `chat-loadtest` run (the command is under each table) against two gateways on 127.0.0.1, "
        "with accounts and rooms made through the REST API. Every message goes the persisted path: gateway → "
        "`chat:commands` stream → messages (Postgres) → pub/sub → both gateways → every member of the room, the "
        "sender included. CPU is user+system time of each process over the run (Postgres: the postmaster and every "
        "backend), RSS the peak while it ran.",
        "",
        "## Against the python-socketio peer (same tool, same scenario, same run)",
        "",
        "| scenario | server | delivered/s | lost | delivery p50 / p99 ms | ack p50 / p99 ms | gateway CPU µs per delivery | gateway RSS MiB (each) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, peer in theirs.items():
        mine = ours.get(name)
        if peer.report["scenario"] == "storm":
            continue
        for label, result in (("this gateway", mine), ("python-socketio", peer)):
            if result is None:
                continue
            report = result.report
            per = result.micros_per_delivery(gateways)
            lines.append(
                f"| {name} | {label} | {report['deliveredPerSecond']:.0f} | {report['lost']} | {report['delivery']['p50']} / {report['delivery']['p99']} | "
                f"{report['ack']['p50']} / {report['ack']['p99']} | {per:.1f} | {max(result.rss_peak.get(g, 0) for g in gateways) / 2**20:.1f} |"
                if per is not None else f"| {name} | {label} | no deliveries | | | | | |"
            )
        if mine and peer and mine.micros_per_delivery(gateways) and peer.micros_per_delivery(gateways):
            ratio = peer.micros_per_delivery(gateways) / mine.micros_per_delivery(gateways)
            p99_ratio = peer.report["delivery"]["p99"] / max(mine.report["delivery"]["p99"], 0.001)
            lines += ["", f"Ratio ({name}): the peer spends **{ratio:.1f}×** the gateway CPU per delivery, its delivery p99 is "
                          f"{p99_ratio:.1f}× ours. The peer persists nothing (it broadcasts and acks at once); this gateway's "
                          "figure includes waiting for Postgres.", ""]
        lines += [f"`{' '.join(Path(result.command[0]).name if index == 0 else part for index, part in enumerate(result.command))}`" for result in (mine, peer) if result]
        lines.append("")

    peer_storm, storm = theirs.get("storm"), ours.get("storm")
    if peer_storm and storm:
        def connections(result: Result) -> tuple[float, float, float]:
            report = result.report
            grown = sum(result.rss_peak.get(g, 0) - result.rss_before.get(g, 0) for g in gateways)
            return report["connectsPerSecond"], report["handshake"]["p50"], grown / max(1, report["counts"]["connected"]) / 1024
        (our_rate, our_p50, our_rss), (their_rate, their_p50, their_rss) = connections(storm), connections(peer_storm)
        lines += [
            "| storm | server | connected / failed | handshakes/s | handshake p50 / p99 ms | gateway RSS per socket KiB |",
            "|---|---|---|---|---|---|",
        ]
        for label, result, (rate, _, rss) in (("this gateway", storm, (our_rate, our_p50, our_rss)), ("python-socketio", peer_storm, (their_rate, their_p50, their_rss))):
            counts, handshake = result.report["counts"], result.report["handshake"]
            lines.append(f"| storm | {label} | {counts['connected']} / {counts['connectFailed']} | {rate:.0f} | {handshake['p50']} / {handshake['p99']} | {rss:.1f} |")
        lines += ["", f"Ratio (storm): the peer makes **{their_rate / max(our_rate, 1):.2f}×** our handshakes per second, at "
                      f"{their_p50 / max(our_p50, 0.001):.1f}× our handshake p50, and grows **{their_rss / max(our_rss, 0.001):.1f}×** our RSS per "
                      "socket. The peer checks no token (its clients send a made-up user id); ours verify a JWT on every CONNECT "
                      "and report the connection to presence.", ""]
        lines += [f"`{' '.join(Path(result.command[0]).name if index == 0 else part for index, part in enumerate(result.command))}`" for result in (storm, peer_storm)]
        lines.append("")

    lines += [
        "## This backend",
        "",
        "| scenario | connected / joined a room | sent/s | delivered/s | lost | dup | ack p50 / p99 / max ms | delivery p50 / p99 / max ms | µs CPU per delivery: gateways / whole backend | CPU % gw1, gw2, messages, presence, redis, postgres |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, result in ours.items():
        report = result.report
        if report["scenario"] == "storm":
            continue
        counts = report["counts"]
        per_gateway = result.micros_per_delivery(gateways)
        per_backend = result.micros_per_delivery(backend)
        cpu = ", ".join(f"{result.cpu_percent(role):.0f}" for role in backend)
        lines.append(
            f"| {name} | {counts['connected']} / {report['parameters'].get('joined', '–')} | {report['sentPerSecond']:.0f} | {report['deliveredPerSecond']:.0f} | {report['lost']} | {counts['duplicated']} | "
            f"{report['ack']['p50']} / {report['ack']['p99']} / {report['ack']['max']} | {report['delivery']['p50']} / {report['delivery']['p99']} / {report['delivery']['max']} | "
            f"{per_gateway or 0:.1f} / {per_backend or 0:.1f} | {cpu} |"
        )
    lines.append("")
    for name, result in ours.items():
        lines.append(f"- {name}: `{' '.join(['chat-loadtest', *result.command[1:]])}`")
    storm = ours.get("storm")
    if storm:
        report = storm.report
        counts = report["counts"]
        gateway_rss = sum(storm.rss_peak.get(g, 0) - storm.rss_before.get(g, 0) for g in gateways)
        per_socket = gateway_rss / max(1, counts["connected"])
        lines += [
            "",
            "## Connections",
            "",
            f"{counts['connected']} sockets opened at up to {storm.command[storm.command.index('--rate') + 1]}/s over two gateways "
            f"({counts['connectFailed']} failed): **{report['connectsPerSecond']:.0f} handshakes/s** (TCP, WebSocket upgrade, "
            f"Engine.IO open, Socket.IO CONNECT with the JWT checked), handshake p50 {report['handshake']['p50']} ms, "
            f"p99 {report['handshake']['p99']} ms, max {report['handshake']['max']} ms. Gateway RSS grew by "
            f"{gateway_rss / 2**20:.1f} MiB: **{per_socket / 1024:.1f} KiB per connected socket** (peak RSS, both gateways).",
            "",
            f"`{' '.join(['chat-loadtest', *storm.command[1:]])}`",
        ]
    if held:
        lines += [
            "",
            f"**{held.peak_sockets:,} sockets open at once** (of {held.target:,} asked; counted as the gateways' open files while "
            f"every tool held its sockets) on {held.gateways} gateway processes, from {held.tools} load-tool processes each with "
            f"source addresses of its own: {held.connected:,} connected, {held.failed} failed, "
            f"{held.handshakes_per_second:,.0f} handshakes/s together (slowest tool's handshake p50 {held.handshake_p50} ms, "
            f"p99 {held.handshake_p99} ms). Gateway RSS grew by {(held.rss_at_peak - held.rss_before) / 2**20:.0f} MiB: "
            f"**{(held.rss_at_peak - held.rss_before) / max(1, held.peak_sockets) / 1024:.1f} KiB per open socket**.",
            "",
            f"`{' '.join(held.command)}` (one of {held.tools}, each with its own `--source` addresses)",
        ]
    # The hand-written analysis below the marker survives a rerun.
    marker = "<!-- analysis: kept by scripts/benchmark.py -->"
    previous = path.read_text() if path.exists() else ""
    analysis = previous[previous.index(marker):] if marker in previous else marker + "\n"
    path.write_text("\n".join(lines) + "\n\n" + analysis)


if __name__ == "__main__":
    sys.exit(main())
