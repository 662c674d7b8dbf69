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
from pathlib import Path

from benchmark import ROOT, benchmark_stack, marks_phases, run_tool, seed, server_processes, tool_targets

def run_once(build: Path, scenario: list[str], statements: bool = False, conversations: int = 0, phases: bool = True) -> dict[str, float]:
    state = Path(tempfile.mkdtemp(prefix="compare-", dir=ROOT / ".state"))
    deployment = benchmark_stack(state, build, database="chat_compare", statements=statements)
    try:
        deployment.up()
        seed(deployment, conversations)
        result = run_tool(str(build), "swift", [*scenario, *tool_targets(deployment)], server_processes(deployment), timeout=900,
                          tool=build / "chat-loadtest", phases=phases)
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
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", action="append", required=True, help="a directory of release binaries (twice or more)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--statements", action="store_true", help="print each run's costliest Postgres statements")
    parser.add_argument("--seed", type=int, default=0, metavar="N", help="start each stack with N conversations of two")
    parser.add_argument("scenario", nargs=argparse.REMAINDER, help="chat-loadtest arguments, after --")
    arguments = parser.parse_args()
    scenario = arguments.scenario[1:] if arguments.scenario[:1] == ["--"] else arguments.scenario
    builds = [Path(build).resolve() for build in arguments.build]
    if len(builds) < 2 or not scenario:
        parser.error("give two or more --build directories and a scenario after --")

    # Every build's CPU over the same span: the measured phase if every build's tool marks it.
    phases = all(marks_phases(build / "chat-loadtest") for build in builds)
    if not phases:
        print("a build's chat-loadtest marks no phases: CPU is counted over whole runs", flush=True)
    runs: dict[Path, list[dict[str, float]]] = {build: [] for build in builds}
    for round_number in range(arguments.rounds):
        for build in builds:
            figures = run_once(build, scenario, arguments.statements, arguments.seed, phases)
            runs[build].append(figures)
            print(f"round {round_number + 1} {build}: " + ", ".join(f"{name} {value:.1f}" for name, value in figures.items()), flush=True)
            time.sleep(2)

    names = list(runs[builds[0]][0])
    print("\nmedians of", arguments.rounds, "rounds:", " ".join(scenario))
    print("| figure | " + " | ".join(str(build) for build in builds) + " |")
    print("|---|" + "---|" * len(builds))
    for name in names:
        print(f"| {name} | " + " | ".join(f"{statistics.median(run[name] for run in runs[build]):.1f}" for build in builds) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
