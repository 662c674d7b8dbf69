#!/usr/bin/env python3
"""The send path's statements at a revision against the working tree's (#32): what a batch
takes, in wall time and in the Postgres backend's CPU.

Both are read from Services/Messages/Sources/Stores/SendStatements.swift (the revision's
through `git show`): `InsertBatch`, and `BatchMembers` where the source has it (until the
members were read by the insert itself, a batch ran it first). They run interleaved on one
connection set up as the send pool's (generic plans, no sequential scans), in rooms of two
and of 20, for batches of 1, 5 and 25 sends by random members. CPU is the backend's, read
from /proc (ticks of 10 ms, so over many batches). Prints a Markdown table.

    .state/venv/bin/python scripts/send_statement_ab.py --before fa40c90 [--batches 400] [--rounds 3] [--build release]

asyncpg comes from scripts/benchmark-requirements.txt (`./scripts/benchmark` installs it).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import messages_stack, start_reader  # noqa: E402
from send_harness import SOURCE, Batches, seed_rooms, send_pool_connection, statement_sql  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CASES = [(500, 2, 1), (500, 2, 5), (500, 2, 25), (100, 20, 25)]  # rooms, members, sends a batch


def variants(before: str) -> dict[str, tuple[str, str | None]]:
    """Each side's insert and members statement, by name."""
    old = subprocess.run(["git", "show", f"{before}:{SOURCE.relative_to(ROOT)}"], cwd=ROOT, check=True, capture_output=True,
                         text=True).stdout
    new = SOURCE.read_text()
    return {side: (statement_sql(source, "InsertBatch"), statement_sql(source, "BatchMembers"))
            for side, source in ((before, old), ("working tree", new))}


async def measure(dsn: str, statements: dict[str, tuple[str, str | None]], rooms: int, size: int, batch: int, batches: int,
                  rounds: int) -> dict[str, tuple[list[float], list[float]]]:
    """For each side, a round's median wall µs a batch and mean backend CPU µs a batch."""
    prefix = f"ab{size}-{batch}-"
    sends = Batches(await seed_rooms(dsn, prefix, rooms, size), prefix, batch)
    connection = await send_pool_connection(dsn)
    backend = await connection.fetchval("SELECT pg_backend_pid()")
    prepared = {name: (await connection.prepare(insert), await connection.prepare(lookup) if lookup else None, "$20" in insert)
                for name, (insert, lookup) in statements.items()}

    def cpu_ticks() -> int:
        fields = Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])

    figures: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in prepared}
    for _ in range(rounds):
        for name, (insert, lookup, storable) in prepared.items():
            walls = []
            ticks = cpu_ticks()
            for _ in range(batches):
                values = sends.next()
                started = time.perf_counter()
                if lookup:
                    await lookup.fetch(list(set(values[1])))
                await insert.fetch(*values, *([[True] * batch] if storable else []))
                walls.append(time.perf_counter() - started)
            figures[name][0].append(statistics.median(walls) * 1e6)
            figures[name][1].append((cpu_ticks() - ticks) * 10_000 / batches)
    await connection.close()
    return figures


def spread(values: list[float]) -> str:
    return f"{min(values):,.0f}–{max(values):,.0f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", required=True, help="the revision to compare the working tree with")
    parser.add_argument("--batches", type=int, default=400, help="batches a side and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--build", default="release")
    arguments = parser.parse_args()
    statements = variants(arguments.before)
    deployment = messages_stack("send-ab", arguments.build)
    rows = []
    try:
        start_reader(deployment, "Reader")
        for rooms, size, batch in CASES:
            figures = asyncio.run(measure(deployment.database_url, statements, rooms, size, batch, arguments.batches, arguments.rounds))
            (old_wall, old_cpu), (new_wall, new_cpu) = figures.values()
            rows.append(f"| {batch} send{'' if batch == 1 else 's'}, rooms of {size} | {spread(old_wall)} → {spread(new_wall)} | {spread(old_cpu)} → {spread(new_cpu)} |")
    finally:
        deployment.down()
    print(f"| batch | wall µs a batch, {arguments.before} → working tree | Postgres CPU µs a batch |\n|---|---|---|")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
