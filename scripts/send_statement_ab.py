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
import random
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import messages_stack, start_reader  # noqa: E402
from unread_benchmark import COUNTS_AS_UNREAD, NONE, SOURCE, time_ordered_id  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CASES = [(500, 2, 1), (500, 2, 5), (500, 2, 25), (100, 20, 25)]  # rooms, members, sends a batch


def sql(source: str, statement: str) -> str | None:
    """`statement`'s SQL in `source`, its interpolations filled in; None if it has none."""
    if f"struct {statement}" not in source:
        return None
    text = source.split(f"struct {statement}", 1)[1].split('static let sql = """', 1)[1].split('"""', 1)[0]
    text = text.replace("\\(none)", NONE).replace('\\(MessageRows.countsAsUnread("i"))', COUNTS_AS_UNREAD)
    assert "\\(" not in text, f"{statement} interpolates something this script does not know"
    return text


def variants(before: str) -> dict[str, tuple[str, str | None]]:
    """Each side's insert and members statement, by name."""
    old = subprocess.run(["git", "show", f"{before}:{SOURCE.relative_to(ROOT)}"], cwd=ROOT, check=True, capture_output=True,
                         text=True).stdout
    new = SOURCE.read_text()
    return {before: (sql(old, "InsertBatch"), sql(old, "BatchMembers")), "working tree": (sql(new, "InsertBatch"), sql(new, "BatchMembers"))}


async def measure(dsn: str, statements: dict[str, tuple[str, str | None]], rooms: int, size: int, batch: int, batches: int,
                  rounds: int) -> dict[str, tuple[list[float], list[float]]]:
    """For each side, a round's median wall µs a batch and mean backend CPU µs a batch."""
    setup = await asyncpg.connect(dsn)
    prefix = f"ab{size}-{batch}-"
    await setup.execute(f"""
        INSERT INTO users (id, name, email, password_hash, role)
        SELECT gen_random_uuid(), 'U' || g, '{prefix}' || g || '@example.com', 'x', 'student' FROM generate_series(1, {rooms * size}) g;
        INSERT INTO conversations (id, kind, title) SELECT gen_random_uuid(), 'group', '{prefix}' || g FROM generate_series(1, {rooms}) g;
        WITH c AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS r FROM conversations WHERE title LIKE '{prefix}%'),
             u AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS r FROM users WHERE email LIKE '{prefix}%')
        INSERT INTO conversation_members (conversation_id, user_id) SELECT c.id, u.id FROM c JOIN u ON u.r / {size} = c.r;
        ANALYZE users; ANALYZE conversations; ANALYZE conversation_members;
    """)
    members: dict[uuid.UUID, list[uuid.UUID]] = {}
    for row in await setup.fetch(f"SELECT m.conversation_id, m.user_id FROM conversation_members m JOIN conversations c "
                                 f"ON c.id = m.conversation_id WHERE c.title LIKE '{prefix}%'"):
        members.setdefault(row[0], []).append(row[1])
    await setup.close()
    # As the send pool's connections are (`DatabaseSettings.sendClientConfiguration`).
    connection = await asyncpg.connect(dsn, server_settings={"enable_seqscan": "off", "plan_cache_mode": "force_generic_plan"})
    backend = await connection.fetchval("SELECT pg_backend_pid()")
    prepared = {name: (await connection.prepare(insert), await connection.prepare(lookup) if lookup else None, "$20" in insert)
                for name, (insert, lookup) in statements.items()}
    conversations = list(members)
    sent = 0

    def cpu_ticks() -> int:
        fields = Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])

    def arguments() -> list[list]:
        nonlocal sent
        columns: list[list] = [[] for _ in range(8)]
        for _ in range(batch):
            conversation = random.choice(conversations)
            sent += 1
            for column, value in zip(columns, (time_ordered_id(), conversation, random.choice(members[conversation]),
                                               "a message of about forty bytes, as sent", "TEXT", f"{prefix}{sent}",
                                               uuid.UUID(NONE), "")):
                column.append(value)
        return columns + [[] for _ in range(11)]  # no attachments

    figures: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in prepared}
    for _ in range(rounds):
        for name, (insert, lookup, storable) in prepared.items():
            walls = []
            ticks = cpu_ticks()
            for _ in range(batches):
                values = arguments()
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
