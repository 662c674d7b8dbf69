#!/usr/bin/env python3
"""A/B of two or more builds under one chat-loadtest scenario.

Each round starts a fresh stack from each build in turn (interleaved, so that the
machine's drift falls on every build alike), runs the scenario once with that build's own
chat-loadtest, and samples every server process's CPU over the measured phase (sending
and draining; connecting and closing for a storm). Prints each run, then the median
of each figure per build. Builds are directories holding the release binaries (copy
.build/release/{gateway,messages,presence,uploads,chat-loadtest} aside before switching
commits).

    python3 scripts/compare.py --build /tmp/old --build .build/release --rounds 3 -- \\
        send --clients 200 --room 2 --senders 100 --rate 10 --duration 8

A build may be given twice or more with different settings: each `--set NAME=VALUE` is
set on every service of the --build before it, so one build's settings can be A/B'd:

    python3 scripts/compare.py --build .build/release --build .build/release --set SOCKET_WRITE_DELAY=0.01 \\
        --rounds 3 -- fanout --clients 2000 --room 20 --senders 1000 --rate 5 --duration 10

Every run's CPU is each process's over the measured phase, the load tool's included (it
shares the cores). With --perf ROLE (gateway1, messages, …) each run's measured phase of that
server is recorded with `perf record -g` into .state/perf/ (read with `perf report -i FILE`).

With --seed N, each stack starts with N conversations of two among N users (tables of a
deployment's size, whose plans are not a few hundred rows'). With --statements, Postgres counts each statement (pg_stat_statements) and every run
prints the costliest: calls, and µs executing and planning each.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmark import ROOT, Profile, benchmark_stack, marks_phases, run_tool, seed, server_processes, tool_targets

@dataclass
class Variant:
    """A directory of release binaries and the settings its services run with."""
    build: Path
    settings: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return " ".join([str(self.build), *(f"{name}={value}" for name, value in self.settings.items())])


class AddBuild(argparse.Action):
    def __call__(self, parser, namespace, value, option_string=None):
        namespace.variants = [*(namespace.variants or []), Variant(Path(value).resolve(), {})]


class AddSetting(argparse.Action):
    def __call__(self, parser, namespace, value, option_string=None):
        name, equals, setting = value.partition("=")
        if not namespace.variants or not equals or not name:
            parser.error("--set NAME=VALUE follows the --build it is for")
        namespace.variants[-1].settings[name] = setting


def run_once(variant: Variant, scenario: list[str], statements: bool = False, conversations: int = 0, phases: bool = True,
             profile: tuple[str, Path] | None = None) -> dict[str, float]:
    """One run; `profile`: a server's role, and where to write its `perf record` of the phase."""
    build = variant.build
    state = Path(tempfile.mkdtemp(prefix="compare-", dir=ROOT / ".state"))
    deployment = benchmark_stack(state, build, database="chat_compare", statements=statements, settings=variant.settings)
    try:
        deployment.up()
        seed(deployment, conversations)
        processes = server_processes(deployment)
        recording = Profile(processes.pids[profile[0]][0], profile[1]) if profile else None
        result = run_tool(str(build), "swift", [*scenario, *tool_targets(deployment)], processes, timeout=900,
                          tool=build / "chat-loadtest", phases=phases, profile=recording)
        if statements:
            for calls, executing, planning, text in deployment.top_statements():
                print(f"  {calls:6d} calls {executing:8.1f} µs executing {planning:7.1f} µs planning  {text}")
    finally:
        deployment.down()
        shutil.rmtree(state, ignore_errors=True)
    report = result.report
    figures = {
        "ack p50": report["ack"]["p50"], "ack p99": report["ack"]["p99"],
        "delivery p50": report["delivery"]["p50"], "delivery p99": report["delivery"]["p99"],
        "delivered/s": report.get("deliveredPerSecond", 0), "connects/s": report.get("connectsPerSecond", 0),
        "handshake p50": report.get("handshake", {}).get("p50", 0),
    }
    figures |= {f"CPU % {role}": result.cpu_percent(role) for role in result.cpu}
    if report["counts"]["delivered"]:
        figures["µs CPU a delivery, gateways"] = result.micros_per_delivery(["gateway1", "gateway2"])
        figures["writes a delivery, gateways"] = result.writes_per_delivery(["gateway1", "gateway2"])
    return figures


def shown(value: float) -> str:
    """Small figures (writes a delivery) keep two decimals."""
    return f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", action=AddBuild, dest="variants", required=True, help="a directory of release binaries (twice or more)")
    parser.add_argument("--set", action=AddSetting, dest="variants", metavar="NAME=VALUE", help="a setting of the --build before it")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--statements", action="store_true", help="print each run's costliest Postgres statements")
    parser.add_argument("--seed", type=int, default=0, metavar="N", help="start each stack with N conversations of two")
    parser.add_argument("--perf", metavar="ROLE", choices=["gateway1", "gateway2", "messages", "presence", "redis"],
                        help="perf record that server over each run's measured phase, into .state/perf/")
    parser.add_argument("scenario", nargs=argparse.REMAINDER, help="chat-loadtest arguments, after --")
    arguments = parser.parse_args()
    scenario = arguments.scenario[1:] if arguments.scenario[:1] == ["--"] else arguments.scenario
    builds: list[Variant] = arguments.variants
    if len(builds) < 2 or not scenario:
        parser.error("give two or more --build directories and a scenario after --")

    # Every build's CPU over the same span: the measured phase if every build's tool marks it.
    phases = all(marks_phases(variant.build / "chat-loadtest") for variant in builds)
    if not phases:
        print("a build's chat-loadtest marks no phases: CPU is counted over whole runs", flush=True)
    profiles = ROOT / ".state" / "perf"
    if arguments.perf:
        profiles.mkdir(parents=True, exist_ok=True)
    runs: list[list[dict[str, float]]] = [[] for _ in builds]
    for round_number in range(arguments.rounds):
        for index, (build, figures_of_build) in enumerate(zip(builds, runs)):
            name = f"{arguments.perf}-round{round_number + 1}-build{index + 1}.data"
            profile = (arguments.perf, profiles / name) if arguments.perf else None
            figures = run_once(build, scenario, arguments.statements, arguments.seed, phases, profile)
            if profile:
                print(f"  perf record of {profile[0]}: {profile[1]}", flush=True)
            figures_of_build.append(figures)
            print(f"round {round_number + 1} {build}: " + ", ".join(f"{name} {shown(value)}" for name, value in figures.items()), flush=True)
            time.sleep(2)

    names = list(runs[0][0])
    print("\nmedians of", arguments.rounds, "rounds:", " ".join(scenario))
    print("| figure | " + " | ".join(str(build) for build in builds) + " |")
    print("|---|" + "---|" * len(builds))
    for name in names:
        print(f"| {name} | " + " | ".join(shown(statistics.median(run[name] for run in figures_of_build)) for figures_of_build in runs) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
