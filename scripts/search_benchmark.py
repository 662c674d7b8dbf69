#!/usr/bin/env python3
"""Message search on a million stored messages: seeds them straight into Postgres (one
INSERT … SELECT, the search indexes built after), then times searches through the messages
service's REST route (p50/p99 of each kind), shows each kind's EXPLAIN, and measures what the
search column and indexes cost the insert path. Writes the "Search" section of
docs/BENCHMARKS.md.

    scripts/search_benchmark.py [--messages 1000000] [--searches 100] [--build debug|release]
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import time
import urllib.parse
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import messages_stack, percentile, request, start_reader, write_section  # noqa: E402


# Real words (stems and accents to find) and a long tail of made-up ones, so that some words
# are in most messages and most are rare, as in chat.
REAL = ("recursion function exam tomorrow homework lecture algorithm proof theorem integral derivative matrix vector "
        "running meeting question answer thanks please help deadline project review office hours café résumé naïve "
        "physics chemistry biology history essay draft chapter library schedule monday friday morning evening quiz "
        "grade teacher student expert example explain understand problem solution equation graph tree sorting").split()


def vocabulary(size: int) -> list[str]:
    syllables = ["ka", "lo", "mi", "ne", "ru", "ta", "vo", "shi", "zen", "pa", "qui", "dra", "mon", "tel", "bri", "gor"]
    made = random.Random(7)
    words = set(REAL)
    while len(words) < size:
        words.add("".join(made.choice(syllables) for _ in range(made.randint(2, 4))))
    return list(REAL) + sorted(words - set(REAL))


def sql_array(words: list[str]) -> str:
    return "ARRAY[" + ",".join("'" + word.replace("'", "''") + "'" for word in words) + "]"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--mine", type=int, default=200, help="conversations the searcher is in")
    parser.add_argument("--searches", type=int, default=100, help="requests per kind of search")
    parser.add_argument("--build", default="debug")
    parser.add_argument("--no-write", action="store_true", help="print the section instead of writing it")
    arguments = parser.parse_args()

    deployment = messages_stack("search-bench", arguments.build)
    try:
        base, me = start_reader(deployment, "Searcher")
        sql = lambda text: deployment.psql(text, database=deployment.database)  # noqa: E731
        token, my_id = me["token"], me["user"]["id"]

        seeding = time.perf_counter()
        words = vocabulary(5000)
        sql(f"""
            INSERT INTO users (id, name, email, password_hash, role)
            SELECT gen_random_uuid(), 'Seeded ' || g, 'seeded-' || g || '@example.com', 'x', 'expert' FROM generate_series(1, 2000) g;
            INSERT INTO conversations (id, kind, title, created_by, created_at)
            SELECT gen_random_uuid(), 'group', 'Seeded ' || g, (SELECT id FROM users WHERE email = 'seeded-' || (1 + g % 2000) || '@example.com'),
                   now() - interval '400 days'
            FROM generate_series(1, {arguments.conversations}) g;
            INSERT INTO conversation_members (conversation_id, user_id) SELECT id, created_by FROM conversations;
            INSERT INTO conversation_members (conversation_id, user_id)
            SELECT id, '{my_id}' FROM conversations WHERE created_by <> '{my_id}' ORDER BY id LIMIT {arguments.mine};
            DROP INDEX messages_search_idx; DROP INDEX messages_trigram_idx;
        """)
        per = arguments.messages // arguments.conversations
        # Words drawn with a skew (random()^3): the first are in most messages, the tail rare.
        sql(f"""
            WITH v AS (SELECT {sql_array(words)} AS w),
            c AS (SELECT id, created_by, row_number() OVER (ORDER BY id) AS r FROM conversations WHERE title LIKE 'Seeded %')
            INSERT INTO messages (id, conversation_id, seq, change_seq, sender_id, content, message_type, created_at)
            SELECT chat_message_id(now() - interval '400 days' + (s.n * interval '1 hour')), c.id, s.n, s.n, c.created_by,
                   (SELECT string_agg(v.w[1 + floor(power(random(), 3) * {len(words)})::int], ' ')
                    FROM v, generate_series(1, 4 + (s.n % 17)) k WHERE s.n > 0 AND c.r > 0),
                   'TEXT', now() - interval '400 days' + (s.n * interval '1 hour')
            FROM c, generate_series(1, {per}) s(n);
            UPDATE conversations SET last_seq = {per}, last_change_seq = {per} WHERE title LIKE 'Seeded %';
        """)
        inserted = time.perf_counter() - seeding
        indexing = time.perf_counter()
        sql("CREATE INDEX messages_search_idx ON messages USING gin (search)")
        sql("CREATE INDEX messages_trigram_idx ON messages USING gin (chat_fold(content) gin_trgm_ops)")
        sql("VACUUM ANALYZE messages")
        indexed = time.perf_counter() - indexing
        count = int(sql("SELECT count(*) FROM messages"))
        mine = int(sql(f"SELECT count(*) FROM messages WHERE conversation_id IN (SELECT conversation_id FROM conversation_members WHERE user_id = '{my_id}')"))
        # Summed over the partitions (a partitioned table or index has no storage of its own).
        size = "pg_size_pretty((SELECT sum(pg_relation_size(relid)) FROM pg_partition_tree('{}')))"
        sizes = sql(f"SELECT {size.format('messages_search_idx')} || ' / ' || {size.format('messages_trigram_idx')} || ' / ' || {size.format('messages')}")
        one_conversation = sql(f"SELECT conversation_id FROM conversation_members WHERE user_id = '{my_id}' LIMIT 1")

        kinds = [
            ("a common word", {"q": words[0]}),
            ("a rare word", {"q": words[3000]}),
            ("a part of a word (trigrams)", {"q": words[1][:4]}),
            ("a phrase in quotes", {"q": f'"{words[0]} {words[1]}"'}),
            ("a word minus another", {"q": f"{words[2]} -{words[0]}"}),
            ("a common word in one conversation", {"q": words[0], "conversationId": one_conversation}),
        ]
        rows = []
        explains = []
        for label, params in kinds:
            url = f"{base}/api/chat/search?" + urllib.parse.urlencode(params)
            request(url, token)  # warm
            timings, results = [], 0
            for _ in range(arguments.searches):
                elapsed, body, _ = request(url, token)
                timings.append(elapsed)
                results = len(body["results"])
            rows.append((label, params["q"], results, statistics.median(timings), percentile(timings, 0.99)))
            explains.append((label, explain(sql, my_id, params)))

        insert_costs = insert_cost(sql, one_conversation)
    finally:
        deployment.down()

    section = render(arguments, count, mine, inserted, indexed, sizes, rows, explains, insert_costs)
    if arguments.no_write:
        print(section)
    else:
        write_section(section)
        print(section)
    return 0


def explain(sql, my_id: str, params: dict) -> str:
    """The plan of the search statement's heart (the matching rows), with the indexes it used."""
    text = params["q"].replace("'", "''")
    word = text if re.fullmatch(r"[^\s\"-][^\s\"]{2,}", params["q"]) else None
    pattern = f"chat_fold('%{word}%')" if word else "NULL"
    conversation = f"AND m.conversation_id = '{params['conversationId']}'" if "conversationId" in params else ""
    plan = sql(f"""
        EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON)
        SELECT m.id FROM messages m
        JOIN conversation_readers r ON r.conversation_id = m.conversation_id AND r.user_id = '{my_id}'
            AND m.seq > r.joined_seq AND m.seq <= COALESCE(r.left_seq, m.seq),
            (SELECT websearch_to_tsquery('chat_search', '{text}') AS ts, {pattern} AS pattern) q
        WHERE (m.search @@ q.ts OR chat_fold(m.content) LIKE q.pattern) AND m.deleted_at IS NULL {conversation}
    """)
    return plan


def insert_cost(sql, conversation: str) -> list[tuple[str, float]]:
    """Inserting 100 batches of 128 messages (the consumer's batch) into a conversation,
    with everything, without the trigram index, and without the search column at all; each
    in a transaction rolled back. Medians of five runs, µs per message."""
    variants = [
        ("search column + both indexes", ""),
        ("without the trigram index", "DROP INDEX messages_trigram_idx;"),
        ("without search (no column, no index)", "DROP INDEX messages_trigram_idx; DROP INDEX messages_search_idx; ALTER TABLE messages DROP COLUMN search;"),
    ]
    # Round robin, five rounds: the machine is shared, and a slow minute should not land on
    # one variant alone.
    runs: dict[str, list[float]] = {label: [] for label, _ in variants}
    for _ in range(5):
        for label, change in variants:
            output = sql(f"""
                BEGIN; {change}
                CREATE TEMP TABLE t0 ON COMMIT DROP AS SELECT clock_timestamp() AS t;
                DO $$ BEGIN FOR b IN 1..100 LOOP
                    INSERT INTO messages (id, conversation_id, seq, change_seq, sender_id, content, message_type)
                    SELECT chat_message_id(), '{conversation}', 10000000 + b * 1000 + g, 10000000 + b * 1000 + g, NULL,
                           'benchmark message ' || b || ' number ' || g || ' about recursion and the exam tomorrow', 'SYSTEM'
                    FROM generate_series(1, 128) g;
                END LOOP; END $$;
                SELECT EXTRACT(EPOCH FROM clock_timestamp() - t) * 1000000 / 12800 FROM t0;
                ROLLBACK;
            """)
            runs[label].append(float(output.strip().splitlines()[-1]))
    results = [(label, statistics.median(runs[label])) for label, _ in variants]
    return results


def render(arguments, count, mine, inserted, indexed, sizes, rows, explains, insert_costs) -> str:
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "## Search",
        "",
        f"Measured {now} with `scripts/search_benchmark.py --messages {arguments.messages} --searches {arguments.searches} "
        f"--build {arguments.build}`: {count:,} messages in {arguments.conversations:,} conversations, seeded in "
        f"{inserted:.0f} s (one `INSERT … SELECT`, the search column computed as rows go in) and indexed in {indexed:.0f} s; "
        f"the searcher is in {arguments.mine} of them ({mine:,} messages). Words are drawn with a skew, so the first are in most "
        f"messages. Search index / trigram index / table: {sizes}. Each kind is {arguments.searches} sequential requests to the "
        f"messages service's `GET /api/chat/search` ({arguments.build} build, 20 results a page, headlines included), on this "
        "2-core machine shared with Postgres.",
        "",
        "| search | q | results (page) | p50 ms | p99 ms |",
        "|---|---|---|---|---|",
    ]
    for label, q, results, p50, p99 in rows:
        lines.append(f"| {label} | `{q}` | {results} | {p50:.1f} | {p99:.1f} |")
    lines += ["", "What finding a message costs the insert path (100 batches of 128 in one conversation, µs per message, median of 5 interleaved runs):", "",
              "| schema | µs per message |", "|---|---|"]
    for label, micros in insert_costs:
        lines.append(f"| {label} | {micros:.0f} |")
    full, without_trigrams, bare = (micros for _, micros in insert_costs)
    lines += ["", f"The `tsvector` column and its index add {without_trigrams - bare:.0f} µs to a stored message and the trigram "
              f"index {full - without_trigrams:.0f} µs more; at 5,000 messages a second (the send-5000 scenario above) that is "
              f"{(full - bare) * 5000 / 1e4:.0f}% of one core of Postgres. The trigram index is the price of finding parts of words, "
              "and the larger: a deployment that does not need them can drop `messages_trigram_idx` (a one-word search then "
              "scans the reader's conversations for the part, as the plan of a search within one conversation shows)."]
    lines += ["", "The plans (`EXPLAIN ANALYZE` of the matching part of the statement):", ""]
    for label, plan in explains:
        lines += [f"{label}:", "", "```", plan.strip(), "```", ""]
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    sys.exit(main())
