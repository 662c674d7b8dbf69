"""chat-loadtest against the real stack: it speaks Socket.IO to both gateways, makes its
accounts and rooms through the REST API, and reports what it measured, truthfully."""

from __future__ import annotations

import json
import subprocess

from conftest import stack_module

TOOL = stack_module.build_dir("debug") / "chat-loadtest"


def loadtest(*arguments: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([str(TOOL), *arguments, "--json", "--quiet"], capture_output=True, text=True, timeout=timeout)


def gateways(stack) -> list[str]:
    return ["--url", stack.service_url("gateway1"), "--url", stack.service_url("gateway2"), "--api", stack.lb_url]


def test_fanout_across_two_gateways_loses_nothing(stack):
    result = loadtest("fanout", *gateways(stack), "--clients", "24", "--room", "6", "--senders", "8", "--rate", "4", "--duration", "2")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    counts = report["counts"]
    assert counts["connected"] == 24 and counts["connectFailed"] == 0
    assert counts["sent"] > 0 and counts["acked"] == counts["sent"]
    # Every acked message reached every member of its room of 6, each exactly once.
    assert report["expected"] == counts["acked"] * 6
    assert report["lost"] == 0 and counts["duplicated"] == 0
    assert counts["delivered"] == report["expected"]
    assert report["delivery"]["count"] == counts["delivered"] and report["delivery"]["p50"] > 0
    # Throughput is over the time deliveries took, which is never less than the sending.
    assert report["seconds"] <= report["deliverySeconds"] < report["seconds"] + 10
    assert abs(report["deliveredPerSecond"] * report["deliverySeconds"] - counts["delivered"]) < 1


def test_a_burst_of_joins_all_get_in(stack):
    # Every socket joins its room at once: 2 calls to messages each, queued behind the
    # gateway's pooled connections, none given up as unavailable while it waits. 500
    # sockets: a debug-built messages answers about 140 of these calls a second on this
    # 2-core machine, and each must be answered within UPSTREAM_TIMEOUT (10 s).
    result = loadtest("fanout", *gateways(stack), "--clients", "500", "--room", "20", "--senders", "1", "--rate", "1", "--duration", "1")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["counts"]["connected"] == 500
    assert report["parameters"]["joined"] == "500", json.dumps(report["counts"])
    assert report["lost"] == 0


def test_storm_counts_refused_handshakes_as_failures(stack):
    # Anonymous clients carry no token: the gateway refuses every CONNECT.
    result = loadtest("storm", *gateways(stack), "--anonymous", "--sockets", "10", "--rate", "100", "--hold", "0", "--max-failed", "50")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["counts"]["connectFailed"] == 10 and report["counts"]["connected"] == 0
    assert any("refused" in error for error in report["errors"])


def test_storm_from_two_source_addresses(stack):
    result = loadtest("storm", *gateways(stack), "--source", "127.0.0.1", "--source", "127.0.0.2", "--sockets", "40", "--rate", "200", "--hold", "1")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["counts"]["connected"] == 40 and report["handshake"]["count"] == 40
