#!/usr/bin/env python3
"""The same fan-out on one Redis and on a Redis Cluster, written to docs/BENCHMARKS.md.

Starts the release stack twice, with four gateways: once on one Redis, once on a cluster of
three masters and three replicas (REDIS_CLUSTER_NODES: sharded pub/sub, hash-tagged keys),
and runs the same chat-loadtest fan-out against each, one at a light load and one past
what the box holds, sampling every server process's CPU. The largest topology this box
holds: everything shares its two cores, the load tool included.

    python3 scripts/cluster_benchmark.py [--duration 10]
"""

from __future__ import annotations

import argparse
import datetime
import platform
import os
import shutil
import sys
import tempfile
from pathlib import Path

import benchlib
import benchmark
import stack as stack_module

ROOT = Path(__file__).resolve().parents[1]
GATEWAYS = 4


def scenarios(duration: str) -> dict[str, list[str]]:
    return {
        # 20,000 deliveries offered a second: 2,000 members in rooms of 20, 200 senders at 5/s.
        "fanout-20k": ["fanout", "--clients", "2000", "--room", "20", "--senders", "200", "--rate", "5", "--duration", duration],
        "send-1000": ["send", "--clients", "200", "--room", "2", "--senders", "100", "--rate", "10", "--duration", duration],
        # 100,000 offered: past this box's ceiling, so what saturates shows. Last: the backlog
        # it leaves would be measured by whatever ran after it.
        "fanout-100k": ["fanout", "--clients", "2000", "--room", "20", "--senders", "1000", "--rate", "5", "--duration", duration],
    }


def measure(mode: str, duration: str) -> dict[str, benchmark.Result]:
    state = Path(tempfile.mkdtemp(prefix=f"cluster-bench-{mode}-", dir=ROOT / ".state"))
    deployment = benchmark.benchmark_stack(state, stack_module.build_dir("release"), f"chat_cluster_bench_{mode}")
    deployment.redis_cluster = mode == "cluster"
    results = {}
    try:
        deployment.up()
        gateways, urls = benchmark.start_gateways(deployment, GATEWAYS)
        redis = ([deployment.processes[f"redis{index + 1}"].pid for index in range(6)] if deployment.redis_cluster
                 else [deployment.processes["redis"].pid])
        processes = benchmark.Processes(
            pids={name: [pid] for name, pid in gateways.items()} | {"messages": [deployment.processes["messages"].pid],
                                                                     "presence": [deployment.processes["presence"].pid], "redis": redis},
            postmaster=int((deployment.state_dir / "postgres" / "data" / "postmaster.pid").read_text().split()[0]),
        )
        targets = [*benchmark.url_arguments(urls), "--api", deployment.lb_url,
                   "--source", "127.0.0.1", "--source", "127.0.0.2", "--source", "127.0.0.3"]
        for name, arguments in scenarios(duration).items():
            results[name] = benchmark.run_tool(f"{name} ({mode})", mode, [*arguments, *targets], processes)
    finally:
        deployment.down()
        shutil.rmtree(state, ignore_errors=True)
    return results


def section(measured: dict[str, dict[str, benchmark.Result]], duration: str) -> str:
    gateways = [f"gateway{index}" for index in range(1, GATEWAYS + 1)]
    lines = [
        "## One Redis or a Redis Cluster",
        "",
        f"`python3 scripts/cluster_benchmark.py --duration {duration}` ({datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, "
        f"{platform.node()}, {os.cpu_count()} cores shared by everything, release build): the same stack with {GATEWAYS} gateways, "
        "on one Redis and on a Redis Cluster of three masters and three replicas on this box (sharded pub/sub), the same "
        "load-tool runs against each. CPU % is of one core; Redis is the sum of its processes (one, or six).",
        "",
        "| scenario | Redis | sent/s | delivered/s | lost | delivery p50 / p99 ms | ack p50 / p99 ms | µs CPU per delivery: gateways / whole backend | CPU % gateways, messages, presence, redis, postgres |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name in scenarios(duration):
        for mode in ("single", "cluster"):
            result = measured[mode][name]
            report = result.report
            roles = [*gateways, "messages", "presence", "redis", "postgres"]
            gateway_cpu = sum(result.cpu_percent(role) for role in gateways)
            per_gateway = result.micros_per_delivery(gateways)
            per_backend = result.micros_per_delivery(roles)
            lines.append(
                f"| {name} | {'one' if mode == 'single' else 'cluster 3+3'} | {report['sentPerSecond']:.0f} | {report['deliveredPerSecond']:.0f} | "
                f"{report['lost']} | {report['delivery']['p50']} / {report['delivery']['p99']} | {report['ack']['p50']} / {report['ack']['p99']} | "
                f"{per_gateway or 0:.1f} / {per_backend or 0:.1f} | {gateway_cpu:.0f}, "
                + ", ".join(f"{result.cpu_percent(role):.0f}" for role in ["messages", "presence", "redis", "postgres"]) + " |"
            )
    lines += ["", *(f"- {name}: `chat-loadtest {' '.join(arguments)}` against {GATEWAYS} gateways"
                    for name, arguments in scenarios(duration).items()), ""]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", default="10")
    arguments = parser.parse_args()
    measured = {mode: measure(mode, arguments.duration) for mode in ("single", "cluster")}
    text = section(measured, arguments.duration)
    print(text)
    benchlib.write_section(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
