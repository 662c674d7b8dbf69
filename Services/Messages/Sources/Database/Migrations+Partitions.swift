extension Migrations {
    /// Migration 22: `messages` split by range of id, one partition a month, ids made
    /// time-ordered (UUIDv7: the time in milliseconds first). The id stays the primary key,
    /// so the foreign keys of attachments, reactions, replies and reports stay too; old months
    /// can be kept on cheaper storage or dropped, and vacuum works month by month.
    ///
    /// Rows from before had random ids: each loses its first byte, which puts it below every
    /// time-ordered id (those begin at 01 from 2004 on), in `messages_legacy`
    /// (`MessageIDs.stored` finds a message under an id a client kept). Every row is copied
    /// once, in this transaction.
    ///
    /// A unique key on a partitioned table must hold the partition key, so "one message per
    /// sender and `clientMessageId`" moves to `message_keys`, kept as long as resends are
    /// taken for retries (`RESEND_WINDOW`); "one `seq` per conversation" is kept by the
    /// conversation's row lock every send takes, as it always was.
    static let partitionedMessages: [String] = [
        // The first id of a time (a month's partition bound), and a new id for a time (for
        // tools and tests; the service makes its own).
        """
        CREATE FUNCTION chat_message_id_floor(at timestamptz) RETURNS uuid LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
        AS $$ SELECT (lpad(to_hex(floor(extract(epoch FROM at) * 1000)::bigint), 12, '0') || repeat('0', 20))::uuid $$
        """,
        """
        CREATE FUNCTION chat_message_id(at timestamptz DEFAULT clock_timestamp()) RETURNS uuid LANGUAGE sql VOLATILE PARALLEL SAFE STRICT
        AS $$
            SELECT (lpad(to_hex(floor(extract(epoch FROM at) * 1000)::bigint), 12, '0') || '7'
                || substr(replace(gen_random_uuid()::text, '-', ''), 14))::uuid
        $$
        """,
        // Makes the partitions of this month and the next `months_ahead` that are missing
        // (run at every start and hourly: `MessageUpkeep`); -1 when another caller is at it.
        // Never a long wait for the table's lock, which every send would queue behind: a busy
        // table is tried again an hour later, weeks before the month begins.
        """
        CREATE FUNCTION chat_message_partitions(months_ahead integer) RETURNS integer LANGUAGE plpgsql AS $$
        DECLARE
            first timestamp := date_trunc('month', now() AT TIME ZONE 'UTC');
            month timestamp;
            name text;
            made integer := 0;
            previous text := current_setting('lock_timeout');
        BEGIN
            IF NOT pg_try_advisory_xact_lock(x'6368617470617274'::bigint) THEN  -- "chatpart"
                RETURN -1;
            END IF;
            PERFORM set_config('lock_timeout', '2s', true);
            FOR step IN 0..months_ahead LOOP
                month := first + make_interval(months => step);
                name := 'messages_' || to_char(month, 'YYYY_MM');
                CONTINUE WHEN to_regclass(name) IS NOT NULL;
                EXECUTE format(
                    'CREATE TABLE %I PARTITION OF messages FOR VALUES FROM (%L) TO (%L)', name,
                    chat_message_id_floor(month AT TIME ZONE 'UTC'), chat_message_id_floor((month + interval '1 month') AT TIME ZONE 'UTC')
                );
                made := made + 1;
            END LOOP;
            PERFORM set_config('lock_timeout', previous, true);
            RETURN made;
        END
        $$
        """,
        "ALTER TABLE attachments DROP CONSTRAINT attachments_message_id_fkey",
        "ALTER TABLE reactions DROP CONSTRAINT reactions_message_id_fkey",
        "ALTER TABLE reports DROP CONSTRAINT reports_message_id_fkey",
        "ALTER TABLE messages RENAME TO messages_unpartitioned",
        // Its index names are the new table's.
        """
        ALTER TABLE messages_unpartitioned DROP CONSTRAINT messages_reply_to_fkey,
            DROP CONSTRAINT messages_pkey, DROP CONSTRAINT messages_conversation_id_seq_key
        """,
        "DROP INDEX messages_sender_client_id_key, messages_changes_idx, messages_search_idx, messages_trigram_idx, messages_reply_to_idx",
        """
        CREATE TABLE messages (
            id uuid PRIMARY KEY,
            conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
            seq bigint NOT NULL,
            sender_id uuid REFERENCES users (id),
            content text NOT NULL,
            message_type text NOT NULL CHECK (message_type IN ('TEXT', 'IMAGE', 'FILE', 'SYSTEM', 'CALL')),
            client_message_id text,
            created_at timestamptz NOT NULL DEFAULT now(),
            change_seq bigint NOT NULL DEFAULT 0,
            version bigint NOT NULL DEFAULT 1,
            edited_at timestamptz,
            deleted_at timestamptz,
            search tsvector GENERATED ALWAYS AS (to_tsvector('chat_search'::regconfig, content)) STORED,
            reply_to uuid,
            call jsonb,
            CONSTRAINT messages_call_check CHECK ((message_type = 'CALL') = (call IS NOT NULL))
        ) PARTITION BY RANGE (id)
        """,
        """
        DO $$ BEGIN
            EXECUTE format(
                'CREATE TABLE messages_legacy PARTITION OF messages FOR VALUES FROM (MINVALUE) TO (%L)',
                chat_message_id_floor(date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')
            );
        END $$
        """,
        "SELECT chat_message_partitions(2)",
        """
        INSERT INTO messages (id, conversation_id, seq, sender_id, content, message_type, client_message_id, created_at,
                              change_seq, version, edited_at, deleted_at, reply_to, call)
        SELECT ('00' || substr(id::text, 3))::uuid, conversation_id, seq, sender_id, content, message_type, client_message_id,
               created_at, change_seq, version, edited_at, deleted_at, ('00' || substr(reply_to::text, 3))::uuid, call
        FROM messages_unpartitioned
        """,
        "DROP TABLE messages_unpartitioned",
        // History and changes, by conversation; search; replies, for their key's checks.
        "CREATE INDEX messages_conversation_seq_idx ON messages (conversation_id, seq)",
        "CREATE INDEX messages_changes_idx ON messages (conversation_id, change_seq)",
        "CREATE INDEX messages_search_idx ON messages USING gin (search)",
        "CREATE INDEX messages_trigram_idx ON messages USING gin (chat_fold(content) gin_trgm_ops)",
        "CREATE INDEX messages_reply_to_idx ON messages (reply_to) WHERE reply_to IS NOT NULL",
        "ALTER TABLE messages ADD CONSTRAINT messages_reply_to_fkey FOREIGN KEY (reply_to) REFERENCES messages (id) ON DELETE SET NULL",
        "UPDATE attachments SET message_id = ('00' || substr(message_id::text, 3))::uuid WHERE message_id IS NOT NULL",
        "UPDATE reactions SET message_id = ('00' || substr(message_id::text, 3))::uuid",
        "UPDATE reports SET message_id = ('00' || substr(message_id::text, 3))::uuid WHERE message_id IS NOT NULL",
        """
        ALTER TABLE attachments ADD CONSTRAINT attachments_message_id_fkey
            FOREIGN KEY (message_id) REFERENCES messages (id) ON DELETE CASCADE
        """,
        """
        ALTER TABLE reactions ADD CONSTRAINT reactions_message_id_fkey
            FOREIGN KEY (message_id) REFERENCES messages (id) ON DELETE CASCADE
        """,
        """
        ALTER TABLE reports ADD CONSTRAINT reports_message_id_fkey
            FOREIGN KEY (message_id) REFERENCES messages (id) ON DELETE SET NULL
        """,
        // A send's key, to the message it stored; no foreign key (a send is not slowed by
        // checking one): a key whose message is gone finds nothing, as its conversation would.
        // The sweep deletes the oldest first, batch after batch: an index in time order skips
        // what earlier batches deleted (a BRIN index, cheaper to keep, made each batch read
        // those rows again until vacuum).
        """
        CREATE TABLE message_keys (
            sender_id uuid NOT NULL,
            client_message_id text NOT NULL,
            message_id uuid NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (sender_id, client_message_id)
        )
        """,
        "CREATE INDEX message_keys_created_idx ON message_keys (created_at)",
        // Every writer's sends keyed alike. A row trigger, not a step of the send statement:
        // a data-modifying CTE cost Postgres 22 µs a statement, the trigger 7 (one-message
        // statements run 18,000 times each, docs/BENCHMARKS.md).
        """
        CREATE FUNCTION chat_message_key() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO message_keys (sender_id, client_message_id, message_id) VALUES (NEW.sender_id, NEW.client_message_id, NEW.id);
            RETURN NULL;
        END
        $$
        """,
        """
        CREATE TRIGGER messages_key AFTER INSERT ON messages FOR EACH ROW
            WHEN (NEW.sender_id IS NOT NULL AND NEW.client_message_id IS NOT NULL) EXECUTE FUNCTION chat_message_key()
        """,
        """
        INSERT INTO message_keys (sender_id, client_message_id, message_id, created_at)
        SELECT sender_id, client_message_id, id, created_at FROM messages
        WHERE sender_id IS NOT NULL AND client_message_id IS NOT NULL AND created_at > now() - interval '7 days'
        ORDER BY created_at
        """,
        // Autovacuum never analyses a partitioned table itself, and every row here is new.
        "ANALYZE messages, message_keys, attachments, reactions, reports",
    ]
}
