"""What the Postgres-backed benchmarks share: timed JSON requests to a service, percentiles,
and replacing one section of docs/BENCHMARKS.md."""

from __future__ import annotations

import json
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import stack as stack_module  # noqa: E402

BENCHMARKS = Path(__file__).resolve().parent.parent / "docs" / "BENCHMARKS.md"


def messages_stack(name: str, build: str) -> stack_module.Stack:
    """Postgres, Redis and the messages service alone, in a state directory and database of
    their own (`name`); the caller takes it down."""
    state = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=BENCHMARKS.parent.parent / ".state"))
    deployment = stack_module.Stack(state_dir=state, bin_dir=stack_module.build_dir(build), ports=stack_module.Ports.free(),
                                    durable=False, database=f"chat_{name.replace('-', '_')}", log_level="warning")
    deployment.start_infrastructure()
    return deployment


def start_reader(deployment: stack_module.Stack, name: str) -> tuple[str, dict]:
    """Starts the messages service of `messages_stack` and signs up a student named `name`:
    the service's URL and the sign-up's answer (`token`, `user`)."""
    deployment.start_service("messages")
    base = deployment.service_url("messages")
    me = post(f"{base}/api/auth/register", {"name": name, "email": f"{name.lower()}@example.com", "password": "correct horse",
                                              "role": "student"})
    return base, me


def request(url: str, token: str) -> tuple[float, dict | list, dict]:
    """A GET as `token`: milliseconds taken, the JSON body, and the headers."""
    started = time.perf_counter()
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"}), timeout=30) as response:
        body = json.loads(response.read())
        headers = dict(response.headers)
    return (time.perf_counter() - started) * 1000, body, headers


def post(url: str, body: dict, token: str | None = None) -> dict:
    """A JSON POST, as `token` if given; the JSON answer."""
    headers = {"Content-Type": "application/json"} | ({"Authorization": f"Bearer {token}"} if token else {})
    with urllib.request.urlopen(urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers), timeout=30) as response:
        return json.loads(response.read())


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def write_section(section: str) -> None:
    """Puts `section` (starting with its `## Title` line) in place of the one with that title."""
    text = BENCHMARKS.read_text()
    heading = section.splitlines()[0] + "\n"
    start = text.find(heading)
    if start == -1:
        text = text.rstrip() + "\n\n" + section
    else:
        end = text.find("\n## ", start + 1)
        text = text[:start] + section + ("" if end == -1 else text[end:])
    BENCHMARKS.write_text(text)
