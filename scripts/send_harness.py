"""The send statement outside the service (#32): its SQL as the source has it, rooms seeded
straight into Postgres, batches of sends by random members, and a connection set up as the
send pool's. What scripts/unread_benchmark.py and scripts/send_statement_ab.py share."""

from __future__ import annotations

import random
import time
import uuid
from pathlib import Path

import asyncpg

SOURCE = Path(__file__).resolve().parent.parent / "Services" / "Messages" / "Sources" / "Stores" / "SendStatements.swift"
NONE = "00000000-0000-0000-0000-000000000000"
COUNTS_AS_UNREAD = "(i.message_type <> 'SYSTEM' AND (i.message_type <> 'CALL' OR i.call->>'outcome' = 'missed'))"


def statement_sql(source: str, statement: str) -> str | None:
    """`statement`'s SQL in the Swift `source`, its interpolations filled in; None if the
    source has no such statement."""
    if f"struct {statement}" not in source:
        return None
    text = source.split(f"struct {statement}", 1)[1].split('static let sql = """', 1)[1].split('"""', 1)[0]
    text = text.replace("\\(none)", NONE).replace('\\(MessageRows.countsAsUnread("i"))', COUNTS_AS_UNREAD)
    assert "\\(" not in text, f"{statement} interpolates something this script does not know"
    return text


def time_ordered_id() -> uuid.UUID:
    """A UUIDv7 as `MessageIDs.new()` makes them: the partition is chosen by its time."""
    value = (int(time.time() * 1000) << 80) | (0x7 << 76) | (random.getrandbits(12) << 64) | (0b10 << 62) | random.getrandbits(62)
    return uuid.UUID(int=value)


async def seed_rooms(dsn: str, prefix: str, rooms: int, size: int) -> dict[uuid.UUID, list[uuid.UUID]]:
    """`rooms` groups of `size` new users (names and titles starting with `prefix`),
    analysed; each room's members."""
    setup = await asyncpg.connect(dsn)
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
    return members


async def send_pool_connection(dsn: str) -> asyncpg.Connection:
    """A connection as the send pool's are (`DatabaseSettings.sendClientConfiguration`)."""
    return await asyncpg.connect(dsn, server_settings={"enable_seqscan": "off", "plan_cache_mode": "force_generic_plan"})


class Batches:
    """`InsertBatch`'s arguments for batches of `size` text sends, each in a random room by
    a random member, without attachments; every client message id new."""

    def __init__(self, members: dict[uuid.UUID, list[uuid.UUID]], prefix: str, size: int):
        self.members, self.prefix, self.size = members, prefix, size
        self.rooms = list(members)
        self.sent = 0

    def next(self) -> list[list]:
        columns: list[list] = [[] for _ in range(8)]
        for _ in range(self.size):
            room = random.choice(self.rooms)
            self.sent += 1
            for column, value in zip(columns, (time_ordered_id(), room, random.choice(self.members[room]),
                                               "a message of about forty bytes, as sent", "TEXT", f"{self.prefix}{self.sent}",
                                               uuid.UUID(NONE), "")):
                column.append(value)
        return columns + [[] for _ in range(11)]
