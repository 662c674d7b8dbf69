#!/usr/bin/env python3
"""What partitioning `messages` by month costs the reads that name no month: a page of
history and the conversation list (which reads each conversation's newest message), both
by `(conversation_id, seq)`, so each partition's index is looked into. The same messages
are seeded twice, spread over the three months the service makes at start and then over
three years of partitions, and each read is timed through the messages service's REST
routes. Writes the "Messages partitioned by month" section of docs/BENCHMARKS.md.

    scripts/partition_benchmark.py [--messages 200000] [--months 36] [--requests 300] [--build release]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import messages_stack, percentile, request, start_reader, write_section  # noqa: E402


def seed(sql, conversations: int, per: int, months: int) -> float:
    """`per` messages in each seeded conversation, in time (and `seq`) order over `months`
    months from this one: their ids spread over that many partitions. Seconds taken."""
    started = time.perf_counter()
    sql(f"""
        TRUNCATE messages CASCADE;
        WITH span AS (
            SELECT date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS start,
                   (date_trunc('month', now() AT TIME ZONE 'UTC') + interval '{months} months') AT TIME ZONE 'UTC' AS stop
        )
        INSERT INTO messages (id, conversation_id, seq, change_seq, sender_id, content, message_type)
        SELECT chat_message_id(span.start + ((s.n - 0.5) / {per})::float8 * (span.stop - span.start)),
               c.id, s.n, s.n, c.created_by, 'message ' || s.n || ' about the exam', 'TEXT'
        FROM span, conversations c, generate_series(1, {per}) s(n) WHERE c.title LIKE 'Seeded %';
        UPDATE conversations SET last_seq = {per}, last_change_seq = {per} WHERE title LIKE 'Seeded %';
    """)
    sql("VACUUM ANALYZE messages")
    return time.perf_counter() - started


def timed(urls: list[str], token: str) -> tuple[float, float]:
    times = [request(url, token)[0] for url in urls]
    return statistics.median(times), percentile(times, 0.99)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--conversations", type=int, default=2_000)
    parser.add_argument("--mine", type=int, default=50, help="conversations the reader is in (their list's length)")
    parser.add_argument("--months", type=int, default=36, help="partitions of the second seeding")
    parser.add_argument("--requests", type=int, default=300, help="requests per read and layout")
    parser.add_argument("--build", default="release")
    parser.add_argument("--no-write", action="store_true", help="print the section instead of writing it")
    arguments = parser.parse_args()
    per = arguments.messages // arguments.conversations

    deployment = messages_stack("partition-bench", arguments.build)
    try:
        base, me = start_reader(deployment, "Reader")
        sql = lambda text: deployment.psql(text, database=deployment.database)  # noqa: E731
        token, my_id = me["token"], me["user"]["id"]
        sql(f"""
            INSERT INTO users (id, name, email, password_hash, role)
            SELECT gen_random_uuid(), 'Seeded ' || g, 'seeded-' || g || '@example.com', 'x', 'expert' FROM generate_series(1, 200) g;
            INSERT INTO conversations (id, kind, title, created_by)
            SELECT gen_random_uuid(), 'group', 'Seeded ' || g, (SELECT id FROM users WHERE email = 'seeded-' || (1 + g % 200) || '@example.com')
            FROM generate_series(1, {arguments.conversations}) g;
            INSERT INTO conversation_members (conversation_id, user_id) SELECT id, created_by FROM conversations WHERE title LIKE 'Seeded %';
            INSERT INTO conversation_members (conversation_id, user_id)
            SELECT id, '{my_id}' FROM conversations WHERE title LIKE 'Seeded %' ORDER BY id LIMIT {arguments.mine};
        """)
        mine = sql(f"SELECT conversation_id FROM conversation_members WHERE user_id = '{my_id}'").split()
        pages = [f"{base}/api/chat/conversations/{random.choice(mine)}/messages?limit=50" for _ in range(arguments.requests)]
        lists = [f"{base}/api/chat/conversations"] * (arguments.requests // 3)
        page_statement = f"""
            EXPLAIN (ANALYZE, COSTS OFF, SUMMARY OFF, TIMING OFF)
            SELECT m.id FROM messages m WHERE m.conversation_id = '{mine[0]}' AND m.seq < 9223372036854775807 AND m.seq > 0
            ORDER BY m.seq DESC LIMIT 51"""

        rows = []
        plans = []
        for months in (3, arguments.months):
            sql(f"SELECT chat_message_partitions({months - 1})")
            seconds = seed(sql, arguments.conversations, per, months)
            partitions = int(sql("SELECT count(*) FROM pg_partition_tree('messages') WHERE isleaf"))
            timed(pages[:20], token)  # warm
            page = timed(pages, token)
            listed = timed(lists, token)
            rows.append((months, partitions, seconds, page, listed))
            plans.append((partitions, sql(page_statement)))
            print(f"{partitions} partitions: page p50/p99 {page[0]:.2f}/{page[1]:.2f} ms, list {listed[0]:.2f}/{listed[1]:.2f} ms",
                  file=sys.stderr)
    finally:
        deployment.down()

    section = render(arguments, per, rows, plans)
    if arguments.no_write:
        print(section)
    else:
        write_section(section)
    return 0


def render(arguments, per, rows, plans) -> str:
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "## Messages partitioned by month",
        "",
        f"Measured {now} with `scripts/partition_benchmark.py --messages {arguments.messages} --months {arguments.months} "
        f"--requests {arguments.requests} --build {arguments.build}`: {arguments.messages:,} messages in "
        f"{arguments.conversations:,} conversations ({per} each, in time order), seeded once over the three months the service "
        f"makes at start and once over {arguments.months} months of partitions; the reader is in {arguments.mine} of them. "
        "A page is `GET …/messages?limit=50` of a random one of theirs, the list `GET /api/chat/conversations` (each "
        f"conversation's newest message with it); {arguments.requests} pages and {arguments.requests // 3} lists, one at a time, "
        "on this 2-core machine.",
        "",
        "| months of messages | partitions | seeded in s | page p50 ms | page p99 ms | list p50 ms | list p99 ms |",
        "|---|---|---|---|---|---|---|",
    ]
    for months, partitions, seconds, page, listed in rows:
        lines.append(f"| {months} | {partitions} | {seconds:.1f} | {page[0]:.2f} | {page[1]:.2f} | {listed[0]:.2f} | {listed[1]:.2f} |")
    (_, few, _, few_page, few_list), (_, many, _, many_page, many_list) = rows
    lines += ["", f"From {few} partitions to {many}, a page takes {many_page[0] / few_page[0]:.2f}× as long at the median and the "
              f"list {many_list[0] / few_list[0]:.2f}×: each partition's `(conversation_id, seq)` index is looked into once per "
              "conversation read (the plan below), which costs microseconds per partition. Reads that name a message by id "
              "(replies' originals, changes, reports) go to its one partition, pruned when the statement is planned.",
              "", "The page's plan (`EXPLAIN ANALYZE`, newest 51 of one conversation):", ""]
    for partitions, plan in plans:
        shown = plan.strip().splitlines()
        if len(shown) > 16:
            shown = shown[:14] + [f"   … and the same for the other {partitions - 6} partitions"]
        lines += [f"{partitions} partitions:", "", "```", *shown, "```", ""]
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    sys.exit(main())
