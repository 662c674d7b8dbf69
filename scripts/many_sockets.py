#!/usr/bin/env python3
"""Holds many sockets at once, as `./scripts/benchmark`'s last phase does, alone and with what
the kernel counted meanwhile, so that why connects failed can be read: a SYN dropped (the
client retries it after 1, 3, 7 s…), a listen queue overflowed, or neither (a loop of the
server's or the tool's so late that the request-head deadline closed the connection
before its 101).

    python3 scripts/many_sockets.py [--build DIR] [--sockets 100000] [--rounds 1]

Each round starts a fresh stack from the build (a directory of release binaries; the load
tool is .build/release's), opens the sockets over as many gateways and load-tool processes
as the 20,000-open-files limit needs, holds them, and prints one line.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

import stack as stack_module
from benchmark import ROOT, benchmark_stack, many_sockets

# /proc/net/netstat and /proc/net/snmp counters, as `nstat` names them.
# (Resets are left out: closing 100,000 sockets at the end resets thousands.)
COUNTERS = ("TcpExtListenOverflows", "TcpExtListenDrops", "TcpExtTCPSynRetrans", "TcpExtTCPTimeouts")


def kernel_counters() -> dict[str, int]:
    counters: dict[str, int] = {}
    for table in ("/proc/net/netstat", "/proc/net/snmp"):
        lines = Path(table).read_text().splitlines()
        for names, values in zip(lines[::2], lines[1::2]):
            prefix = names.split()[0].rstrip(":")
            counters |= {prefix + name: int(value) for name, value in zip(names.split()[1:], values.split()[1:])}
    return counters


def run_once(build: Path, sockets: int) -> None:
    state = Path(tempfile.mkdtemp(prefix="sockets-", dir=ROOT / ".state"))
    deployment = benchmark_stack(state, build, database="chat_sockets")
    try:
        deployment.up()
        before = kernel_counters()
        held = many_sockets(deployment, sockets, deployment.lb_url)
        after = kernel_counters()
    finally:
        deployment.down()
        shutil.rmtree(state, ignore_errors=True)
    counted = ", ".join(f"{name.removeprefix('TcpExt')} {after.get(name, 0) - before.get(name, 0)}" for name in COUNTERS)
    errors = ", ".join(f"{times} × {error}" for error, times in sorted(held.errors.items(), key=lambda item: -item[1])) or "none"
    print(f"{build}: {held.connected} connected, {held.failed} failed ({errors}), {held.dropped} dropped while held; "
          f"peak {held.peak_sockets} open; "
          f"slowest tool's handshake p50 {held.handshake_p50:.1f} ms, p99 {held.handshake_p99:.1f} ms; "
          f"gateway CPU {held.gateway_cpu[0]:.1f}–{held.gateway_cpu[-1]:.1f} s each; kernel: {counted}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default=str(stack_module.build_dir("release")), help="a directory of release binaries")
    parser.add_argument("--sockets", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=1)
    arguments = parser.parse_args()
    for _ in range(arguments.rounds):
        run_once(Path(arguments.build).resolve(), arguments.sockets)
    return 0


if __name__ == "__main__":
    sys.exit(main())
