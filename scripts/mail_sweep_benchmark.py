#!/usr/bin/env python3
"""What the missed-mail sweep's page costs Postgres (#32).

N conversations of two, three messages an hour old in each from one member; the other
member has read them all or (a share) none. The sweep's page (the first 500 members owed a
mail, in user order) found three ways: by a kept `unread_count` and its partial index (until
migration 24), by walking every membership for `last_seq > last_read_seq` (migrations 24 to
25), and from `mail_due` (migration 25) while it holds every conversation, then after the
conversations nobody is owed a mail in are forgotten. Each figure is the median of 5 runs
through psql, about 13 ms of which is psql starting.

    python3 scripts/mail_sweep_benchmark.py [N]   (100000 by default; a release build)
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import messages_stack, start_reader  # noqa: E402

# Where each way finds its candidates, and what it asks of a member first.
WAYS = {
    "kept count, partial index": ("conversation_members cm", "cm.unread_count > 0"),
    "every membership walked": ("conversation_members cm", "c.last_seq > cm.last_read_seq"),
    "from mail_due": ("mail_due d JOIN conversation_members cm ON cm.conversation_id = d.conversation_id "
                      "AND d.since < now() - interval '10 minutes'", "c.last_seq > cm.last_read_seq"),
}


def page(way: str) -> str:
    candidates, first = WAYS[way]
    return f"""
        SELECT count(*) FROM (
            SELECT cm.user_id FROM {candidates}
            JOIN conversations c ON c.id = cm.conversation_id
            JOIN users u ON u.id = cm.user_id
            LEFT JOIN email_notices n ON n.user_id = cm.user_id AND n.conversation_id = cm.conversation_id
            WHERE {first} AND u.email_notifications <> 'never'
              AND (u.suspended_until IS NULL OR u.suspended_until < now())
              AND (n.sent_at IS NULL OR n.sent_at < now() - interval '1 hour')
              AND EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = cm.conversation_id
                    AND m.seq > GREATEST(cm.last_read_seq, COALESCE(n.notified_seq, 0), c.last_seq - 1000)
                    AND m.sender_id IS DISTINCT FROM cm.user_id AND m.deleted_at IS NULL AND m.message_type <> 'SYSTEM'
                    AND m.created_at < now() - interval '10 minutes')
            ORDER BY cm.user_id LIMIT 500) due"""


# What `MissedMessageMailer.forget` deletes, all pages at once.
FORGET = """
    DELETE FROM mail_due d WHERE NOT EXISTS (
        SELECT 1 FROM conversation_members cm JOIN conversations c ON c.id = cm.conversation_id
        WHERE cm.conversation_id = d.conversation_id AND EXISTS (
            SELECT 1 FROM messages m WHERE m.conversation_id = cm.conversation_id
              AND m.seq > GREATEST(cm.last_read_seq, c.last_seq - 1000) AND m.sender_id IS DISTINCT FROM cm.user_id
              AND m.deleted_at IS NULL))"""

EVERY_CONVERSATION_DUE = ("INSERT INTO mail_due (conversation_id, since) SELECT id, now() - interval '1 hour' "
                          "FROM conversations WHERE title LIKE 'C%' ON CONFLICT DO NOTHING")


def seed(sql, conversations: int) -> None:
    """The conversations, their messages, the old column and index beside the new table."""
    sql(f"""
        INSERT INTO users (id, name, email, password_hash, role)
        SELECT gen_random_uuid(), 'U' || g, 'u' || g || '@example.com', 'x', 'student' FROM generate_series(1, {2 * conversations}) g;
        WITH u AS (SELECT id, row_number() OVER (ORDER BY email) - 1 AS r FROM users WHERE email LIKE 'u%@example.com')
        INSERT INTO conversations (id, kind, title, last_seq, last_change_seq, created_by)
        SELECT gen_random_uuid(), 'group', 'C' || (r / 2), 3, 3, id FROM u WHERE r % 2 = 0;
        INSERT INTO conversation_members (conversation_id, user_id) SELECT id, created_by FROM conversations WHERE title LIKE 'C%';
        WITH u AS (SELECT id, row_number() OVER (ORDER BY email) - 1 AS r FROM users WHERE email LIKE 'u%@example.com'),
             c AS (SELECT id, substr(title, 2)::int AS k FROM conversations WHERE title LIKE 'C%')
        INSERT INTO conversation_members (conversation_id, user_id) SELECT c.id, u.id FROM c JOIN u ON u.r = 2 * c.k + 1;
        INSERT INTO messages (id, conversation_id, seq, change_seq, sender_id, content, message_type, created_at)
        SELECT chat_message_id(now() - interval '1 hour'), c.id, s, s, c.created_by, 'hello', 'TEXT', now() - interval '1 hour'
        FROM conversations c, generate_series(1, 3) s WHERE c.title LIKE 'C%';
        ALTER TABLE conversation_members ADD COLUMN unread_count integer NOT NULL DEFAULT 0;
        CREATE INDEX conversation_members_unread_idx ON conversation_members (user_id) WHERE unread_count > 0;
    """)
    sql("VACUUM ANALYZE")


def main() -> int:
    conversations = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    deployment = messages_stack("mail-sweep", "release")
    try:
        start_reader(deployment, "Reader")
        sql = lambda text: deployment.psql(text, database=deployment.database)  # noqa: E731

        def timed(way: str) -> str:
            times, due = [], ""
            for _ in range(5):
                started = time.perf_counter()
                due = sql(page(way))
                times.append((time.perf_counter() - started) * 1000)
            return f"{statistics.median(times):.1f} ms ({due} due)"

        seed(sql, conversations)
        for label, share in (("30 % of recipients owed a mail", 0.3), ("nobody owed one", 0.0)):
            # Recipients have read all three, or (a share) none; senders have read none, their own.
            sql(f"""UPDATE conversation_members cm SET last_read_seq = CASE WHEN random() < {share} THEN 0 ELSE 3 END,
                        unread_count = 0
                    FROM conversations c WHERE c.id = cm.conversation_id AND cm.user_id <> c.created_by""")
            sql("UPDATE conversation_members SET unread_count = 3 WHERE last_read_seq = 0 "
                "AND user_id NOT IN (SELECT created_by FROM conversations)")
            sql(EVERY_CONVERSATION_DUE)
            sql("VACUUM ANALYZE conversation_members")
            sql("ANALYZE mail_due")
            print(f"{label}:")
            for way in WAYS:
                print(f"  {way}: {timed(way)}" + (", every conversation in it" if way == "from mail_due" else ""))
            started = time.perf_counter()
            sql(FORGET)
            forgotten = (time.perf_counter() - started) * 1000
            left = sql("SELECT count(*) FROM mail_due")
            sql("ANALYZE mail_due")
            print(f"  forgetting in {conversations} conversations: {forgotten:.0f} ms, {left} left; "
                  f"then from mail_due: {timed('from mail_due')}")
    finally:
        deployment.down()
    return 0


if __name__ == "__main__":
    sys.exit(main())
