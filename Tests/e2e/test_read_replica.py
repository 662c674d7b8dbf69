"""A streaming Postgres replica for reads (DATABASE_READ_URL): history, search and the
directory read from it once it has replayed every write that finished before the read,
and from the primary when it lags or is down."""

from __future__ import annotations

import re
import time

import pytest
import requests

import stack as stack_module
from api import Api


def reads(url: str) -> dict[str, int]:
    """How many reads each database served, from the instance's metrics."""
    text = requests.get(f"{url}/metrics", timeout=5).text
    counts = {"replica": 0, "primary": 0}
    for database, value in re.findall(r'db_reads_total\{database="(\w+)"\} (\d+)', text):
        counts[database] = int(value)
    return counts


@pytest.fixture
def replica(stack):
    port = stack.start_postgres_replica()
    yield port
    stack.stop_postgres_replica()


@pytest.fixture
def reading(stack, replica, messages_with):
    """A messages instance reading from the replica, and a gateway that sends REST to it:
    their URLs."""
    url = messages_with("messages-replica", {"DATABASE_READ_URL": f"postgres://chat@127.0.0.1:{replica}/{stack.database}"})
    gateway = stack.start_gateway("gateway-replica", stack_module.free_port(), {"MESSAGES_URL": url})
    yield url, gateway
    stack.stop("gateway-replica")


def test_reads_go_to_the_replica_and_never_miss_a_write(stack, api: Api, replica, reading):
    url, gateway = reading
    (student, _), _, conversation = api.student_and_expert("Rhea", "Rolf")
    direct = student.via(gateway)

    # Each read right after its send sees it: the replica has replayed it, or the primary answers.
    for index in range(5):
        assert student.send_message(conversation["id"], f"hello {index}").status_code in (200, 201)
        assert [m["content"] for m in direct.history(conversation["id"]) if m["messageType"] == "TEXT"][-1] == f"hello {index}"
    assert reads(url)["replica"] > 0, reads(url)
    found = direct.get("/api/chat/search", params={"q": "hello"}).json()
    assert len(found["results"]) == 5

    # A replica that stopped replaying is passed over: the newest message still shows.
    stack.psql("SELECT pg_wal_replay_pause()", port=replica)
    try:
        before = reads(url)
        assert student.send_message(conversation["id"], "while it lags").status_code in (200, 201)
        assert direct.history(conversation["id"])[-1]["content"] == "while it lags"
        after = reads(url)
        assert after["primary"] > before["primary"] and after["replica"] == before["replica"]
    finally:
        stack.psql("SELECT pg_wal_replay_resume()", port=replica)


def test_a_dead_replica_leaves_reads_to_the_primary(stack, api: Api, replica, reading):
    _, gateway = reading
    (student, _), _, conversation = api.student_and_expert("Ria", "Rune")
    direct = student.via(gateway)
    assert student.send_message(conversation["id"], "before").status_code in (200, 201)
    assert direct.history(conversation["id"])[-1]["content"] == "before"

    stack.stop_postgres_replica(mode="immediate")
    assert student.send_message(conversation["id"], "after").status_code in (200, 201)
    started = time.monotonic()
    assert direct.history(conversation["id"])[-1]["content"] == "after"
    assert time.monotonic() - started < 3
    # Then it is left alone for a while: the next read does not wait on it.
    started = time.monotonic()
    assert direct.history(conversation["id"])[-1]["content"] == "after"
    assert time.monotonic() - started < 0.5
