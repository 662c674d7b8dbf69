#!/usr/bin/env python3
"""What unread counts cost, kept or counted when read (#32).

The send statement as it is (`InsertBatch` in Services/Messages/Sources/Stores/
SendStatements.swift, read from the source) against the same statement with the per-recipient
count it had until migration 24 (every other member's `unread_count` raised, a partial index
on it), run interleaved on one connection set up as the send pool's (generic plans, no
sequential scans), in rooms of 20 and of 2. Then what counting costs the reader: the
conversation list of a member of 50 groups, everything read, and with more than the cap
unread in each. Writes the "Unread counted when read (#32)" section of docs/BENCHMARKS.md.

    .state/venv/bin/python scripts/unread_benchmark.py [--batches 100] [--rounds 3] [--build release]

asyncpg times the statements (scripts/benchmark-requirements.txt; `./scripts/benchmark`
installs it).
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import messages_stack, percentile, request, start_reader, write_section  # noqa: E402
from send_harness import COUNTS_AS_UNREAD, SOURCE, Batches, seed_rooms, send_pool_connection, statement_sql  # noqa: E402

# What the statement did for every recipient until migration 24.
KEPT_COUNT = f"""), counted AS (
    UPDATE conversation_members cm SET unread_count = cm.unread_count + n.count
    FROM (
        SELECT i.conversation_id, member.user_id, count(*) AS count
        FROM inserted i JOIN conversation_members member ON member.conversation_id = i.conversation_id
        WHERE {COUNTS_AS_UNREAD} AND i.sender_id IS DISTINCT FROM member.user_id
        GROUP BY i.conversation_id, member.user_id
    ) n
    WHERE cm.conversation_id = n.conversation_id AND cm.user_id = n.user_id
), attached AS ("""


def statements() -> tuple[str, str]:
    """The send statement as the source has it, and with the kept count."""
    text = statement_sql(SOURCE.read_text(), "InsertBatch")
    assert "unread_count" not in text
    kept = re.sub(r"\n\s*\), attached AS \(", "\n" + KEPT_COUNT, text, count=1)
    assert "counted AS" in kept
    return text, kept


async def send_statement(dsn: str, rooms: int, size: int, batch: int, batches: int, rounds: int) -> dict[str, list[float]]:
    """µs a message for each variant, one figure a round (the median batch's)."""
    landed, kept = statements()
    prefix = f"r{size}-"
    sends = Batches(await seed_rooms(dsn, prefix, rooms, size), prefix, batch)
    connection = await send_pool_connection(dsn)
    variants = {"counted when read": await connection.prepare(landed), "kept per recipient": await connection.prepare(kept)}
    figures: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(rounds):
        for name, statement in variants.items():
            times = []
            for _ in range(batches):
                values = sends.next() + [[True] * batch]  # every draft storable
                started = time.perf_counter()
                await statement.fetch(*values)
                times.append(time.perf_counter() - started)
            figures[name].append(statistics.median(times) * 1e6 / batch)
    await connection.close()
    return figures


def list_reads(deployment, base: str, me: dict, groups: int, unread: int, requests: int) -> list[tuple[str, float, float]]:
    """The reader's conversation list, p50 and p99 ms: everything read, then `unread` others'
    messages after their watermark in each of their `groups` groups."""
    sql = lambda text: deployment.psql(text, database=deployment.database)  # noqa: E731
    reader = me["user"]["id"]
    sql(f"""
        INSERT INTO users (id, name, email, password_hash, role) VALUES (gen_random_uuid(), 'Talker', 'talker@example.com', 'x', 'expert');
        INSERT INTO conversations (id, kind, title, created_by)
        SELECT gen_random_uuid(), 'group', 'Listed ' || g, (SELECT id FROM users WHERE email = 'talker@example.com')
        FROM generate_series(1, {groups}) g;
        INSERT INTO conversation_members (conversation_id, user_id)
        SELECT id, created_by FROM conversations WHERE title LIKE 'Listed %'
        UNION ALL SELECT id, '{reader}' FROM conversations WHERE title LIKE 'Listed %';
        INSERT INTO messages (id, conversation_id, seq, change_seq, sender_id, content, message_type)
        SELECT chat_message_id(now() - make_interval(secs => {unread} - s.n)), c.id, s.n, s.n, c.created_by,
               'message ' || s.n, 'TEXT'
        FROM conversations c, generate_series(1, {unread}) s(n) WHERE c.title LIKE 'Listed %';
        UPDATE conversations SET last_seq = {unread}, last_change_seq = {unread} WHERE title LIKE 'Listed %';
    """)
    sql("VACUUM ANALYZE messages")
    url = f"{base}/api/chat/conversations?limit={groups}"
    rows = []
    for label, watermark in (("everything read", unread), (f"{unread} unread in each", 0)):
        sql(f"UPDATE conversation_members SET last_read_seq = {watermark} WHERE user_id = '{reader}'")
        for _ in range(20):
            request(url, me["token"])  # warm
        times = [request(url, me["token"])[0] for _ in range(requests)]
        counts = {c["unreadCount"] for c in request(url, me["token"])[1] if c["title"].startswith("Listed")}
        print(f"list, {label}: p50 {statistics.median(times):.2f} ms, p99 {percentile(times, 0.99):.2f} ms, counts {counts}",
              file=sys.stderr)
        rows.append((label, statistics.median(times), percentile(times, 0.99), counts))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batches", type=int, default=100, help="batches per variant and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=200, help="list reads per case")
    parser.add_argument("--build", default="release")
    parser.add_argument("--no-write", action="store_true", help="print the section instead of writing it")
    arguments = parser.parse_args()

    cases = [(100, 20, 50), (500, 2, 10)]  # rooms, members, sends a batch
    deployment = messages_stack("unread-bench", arguments.build)
    try:
        base, me = start_reader(deployment, "Reader")
        # The kept count's column and index, as migrations 6 and 20 made them, beside the
        # statement that no longer uses them.
        deployment.psql("""
            ALTER TABLE conversation_members ADD COLUMN unread_count integer NOT NULL DEFAULT 0;
            CREATE INDEX conversation_members_unread_idx ON conversation_members (user_id) WHERE unread_count > 0;
        """, database=deployment.database)
        sends = []
        for rooms, size, batch in cases:
            figures = asyncio.run(send_statement(deployment.database_url, rooms, size, batch, arguments.batches, arguments.rounds))
            print(f"rooms of {size}: {figures}", file=sys.stderr)
            sends.append((rooms, size, batch, figures))
        lists = list_reads(deployment, base, me, 50, 150, arguments.requests)
    finally:
        deployment.down()

    section = render(arguments, sends, lists)
    if arguments.no_write:
        print(section)
    else:
        write_section(section)
    return 0


def render(arguments, sends, lists) -> str:
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "## Unread counted when read (#32)",
        "",
        f"Measured {now} with `.state/venv/bin/python scripts/unread_benchmark.py --batches {arguments.batches} --rounds "
        f"{arguments.rounds} --requests {arguments.requests} --build {arguments.build}`. The send statement as it is against "
        "the same statement with the per-recipient count it had until migration 24 (each other member's `unread_count` "
        "raised; the partial index on it that the email sweep used), prepared on one connection set up as the send pool's, "
        f"interleaved, {arguments.batches} batches a variant and round, each batch's sends in random rooms by random members. "
        "µs a message is the median batch's time over its sends, one figure a round.",
        "",
        "| rooms | sends a batch | counted when read: µs a message | kept per recipient: µs a message | kept over counted |",
        "|---|---|---|---|---|",
    ]
    for rooms, size, batch, figures in sends:
        counted, kept = (figures["counted when read"], figures["kept per recipient"])
        lines.append(f"| {rooms} of {size} | {batch} | {', '.join(f'{x:.0f}' for x in counted)} | "
                     f"{', '.join(f'{x:.0f}' for x in kept)} | {statistics.median(kept) / statistics.median(counted):.2f}× |")
    lines += ["", "What counting costs the reader: `GET /api/chat/conversations?limit=50` of a member of 50 groups, "
              f"{arguments.requests} times, one at a time, through the messages service:", "",
              "| the reader's groups | list p50 ms | list p99 ms | unread counts shown |", "|---|---|---|---|"]
    for label, p50, p99, counts in lists:
        lines.append(f"| {label} | {p50:.2f} | {p99:.2f} | {', '.join(str(c) for c in sorted(counts))} |")
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    sys.exit(main())
