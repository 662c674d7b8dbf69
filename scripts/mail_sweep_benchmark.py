#!/usr/bin/env python3
"""What the missed-mail sweep's page costs Postgres (#32): N conversations of two, three
messages an hour old in each from one member, the other member having read them all or (a
share) none. The page as it was until migration 24 (memberships with a kept `unread_count`,
by a partial index) against the page from `mail_due` (migration 25) while it holds every
conversation, and after `forget` has left only those where someone is owed a mail. Each
figure is the median of 5 runs through psql (about 13 ms of it is psql starting).

    python3 scripts/mail_sweep_benchmark.py [N]   (100000 by default; a release build)
"""
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import messages_stack, start_reader  # noqa: E402

N = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
d = messages_stack("mail-scan", "release")
try:
    start_reader(d, "Reader")
    sql = lambda t: d.psql(t, database=d.database)  # noqa: E731
    sql(f"""
      INSERT INTO users (id, name, email, password_hash, role)
      SELECT gen_random_uuid(), 'U' || g, 'u' || g || '@example.com', 'x', 'student' FROM generate_series(1, {2*N}) g;
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
      INSERT INTO mail_due (conversation_id, since) SELECT id, now() - interval '1 hour' FROM conversations WHERE title LIKE 'C%' ON CONFLICT DO NOTHING;
    """)
    sql("VACUUM ANALYZE")
    where_new = "c.last_seq > cm.last_read_seq /* mail_due */"
    where_old = "cm.unread_count > 0"
    def query(where):
        return f"""
        SELECT count(*) FROM (SELECT cm.user_id FROM {"mail_due d JOIN conversation_members cm ON cm.conversation_id = d.conversation_id AND d.since < now() - interval '10 minutes'" if "mail_due" in where else "conversation_members cm"}
        JOIN conversations c ON c.id = cm.conversation_id
        JOIN users u ON u.id = cm.user_id
        LEFT JOIN email_notices n ON n.user_id = cm.user_id AND n.conversation_id = cm.conversation_id
        WHERE {where} AND u.email_notifications <> 'never'
          AND cm.user_id > '00000000-0000-0000-0000-000000000000'
          AND (u.suspended_until IS NULL OR u.suspended_until < now())
          AND (n.sent_at IS NULL OR n.sent_at < now() - interval '1 hour')
          AND EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = cm.conversation_id
                AND m.seq > GREATEST(cm.last_read_seq, COALESCE(n.notified_seq, 0))
                AND m.sender_id IS DISTINCT FROM cm.user_id AND m.deleted_at IS NULL AND m.message_type <> 'SYSTEM'
                AND m.created_at < now() - interval '10 minutes')
        ORDER BY cm.user_id LIMIT 500) due"""
    def timed(where):
        ts = []
        for _ in range(5):
            t = time.perf_counter(); r = sql(query(where)); ts.append((time.perf_counter() - t) * 1000)
        return statistics.median(ts), r
    for label, due in (("30 % of recipients due", 0.3), ("nobody due", 0.0)):
        # Recipients: read everything, but a share with 3 unread.
        sql(f"""UPDATE conversation_members cm SET last_read_seq = CASE WHEN random() < {due} THEN 0 ELSE 3 END, unread_count = 0
                FROM conversations c WHERE c.id = cm.conversation_id AND cm.user_id <> c.created_by""")
        sql("UPDATE conversation_members SET unread_count = 3 WHERE last_read_seq = 0 AND user_id NOT IN (SELECT created_by FROM conversations)")
        sql("VACUUM ANALYZE conversation_members")
        sql("ANALYZE mail_due")
        old = timed(where_old); new = timed(where_new)
        print(f"{label}: kept count + partial index {old[0]:.1f} ms ({old[1]} due), mail_due of every conversation {new[0]:.1f} ms ({new[1]} due)")
        # What forget leaves: conversations where someone is owed.
        t = time.perf_counter()
        sql("""DELETE FROM mail_due d WHERE NOT EXISTS (SELECT 1 FROM conversation_members cm JOIN conversations c ON c.id = cm.conversation_id
              WHERE cm.conversation_id = d.conversation_id AND EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = cm.conversation_id
              AND m.seq > GREATEST(cm.last_read_seq, c.last_seq - 1000) AND m.sender_id IS DISTINCT FROM cm.user_id AND m.deleted_at IS NULL))""")
        forget_ms = (time.perf_counter() - t) * 1000
        left = sql("SELECT count(*) FROM mail_due")
        sql("ANALYZE mail_due")
        after = timed(where_new)
        print(f"   forgetting the rest of {N} conversations: {forget_ms:.0f} ms, {left} left; the sweep then {after[0]:.1f} ms ({after[1]} due)")
        sql("INSERT INTO mail_due (conversation_id, since) SELECT id, now() - interval '1 hour' FROM conversations WHERE title LIKE 'C%' ON CONFLICT DO NOTHING")
finally:
    d.down()
