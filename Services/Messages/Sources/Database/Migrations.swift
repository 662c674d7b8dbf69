/// One versioned schema change. Statements run in order, in the migration's transaction.
struct Migration: Sendable {
    let version: Int
    let name: String
    let statements: [String]
}

/// The schema, as the ordered list of changes that builds it. Never edit an applied
/// migration: add the next one.
enum Migrations {
    static let all: [Migration] = [
        Migration(
            version: 1,
            name: "users, conversations, members, messages, attachments",
            statements: [
                """
                CREATE TABLE users (
                    id uuid PRIMARY KEY,
                    name text NOT NULL,
                    email text NOT NULL,
                    password_hash text NOT NULL,
                    role text NOT NULL CHECK (role IN ('student', 'expert', 'admin')),
                    avatar_url text,
                    created_at timestamptz NOT NULL DEFAULT now()
                )
                """,
                "CREATE UNIQUE INDEX users_email_key ON users (lower(email))",
                "CREATE INDEX users_role_name_idx ON users (role, name)",
                """
                CREATE TABLE conversations (
                    id uuid PRIMARY KEY,
                    kind text NOT NULL CHECK (kind IN ('direct', 'group')),
                    title text,
                    -- "lowerUUID:higherUUID" for direct conversations, so each pair has one.
                    direct_key text UNIQUE,
                    last_seq bigint NOT NULL DEFAULT 0,
                    created_by uuid REFERENCES users (id),
                    created_at timestamptz NOT NULL DEFAULT now(),
                    updated_at timestamptz NOT NULL DEFAULT now()
                )
                """,
                """
                CREATE TABLE conversation_members (
                    conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
                    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                    last_read_seq bigint NOT NULL DEFAULT 0,
                    last_read_at timestamptz,
                    joined_at timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (conversation_id, user_id)
                )
                """,
                "CREATE INDEX conversation_members_user_idx ON conversation_members (user_id)",
                """
                CREATE TABLE messages (
                    id uuid PRIMARY KEY,
                    conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
                    seq bigint NOT NULL,
                    sender_id uuid REFERENCES users (id),
                    content text NOT NULL,
                    message_type text NOT NULL CHECK (message_type IN ('TEXT', 'IMAGE', 'FILE', 'SYSTEM')),
                    client_message_id text,
                    created_at timestamptz NOT NULL DEFAULT now(),
                    UNIQUE (conversation_id, seq)
                )
                """,
                """
                CREATE UNIQUE INDEX messages_sender_client_id_key ON messages (sender_id, client_message_id)
                    WHERE client_message_id IS NOT NULL
                """,
                """
                CREATE TABLE attachments (
                    id uuid PRIMARY KEY,
                    conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
                    message_id uuid REFERENCES messages (id) ON DELETE CASCADE,
                    uploader_id uuid NOT NULL REFERENCES users (id),
                    name text NOT NULL,
                    size bigint NOT NULL,
                    mime_type text NOT NULL,
                    sha256 text NOT NULL,
                    storage_key text NOT NULL,
                    created_at timestamptz NOT NULL DEFAULT now()
                )
                """,
                "CREATE INDEX attachments_message_idx ON attachments (message_id)",
            ]
        ),
        Migration(
            version: 2,
            name: "conversations by creator and time (CONVERSATIONS_PER_HOUR)",
            statements: ["CREATE INDEX conversations_creator_idx ON conversations (created_by, created_at)"]
        ),
        Migration(
            version: 3,
            name: "edits, deletes, reactions and each conversation's change sequence",
            statements: [
                // Every change to a conversation's messages takes the next `last_change_seq`,
                // stamped on the message it changed; what exists already starts at its `seq`.
                "ALTER TABLE conversations ADD COLUMN last_change_seq bigint NOT NULL DEFAULT 0",
                "UPDATE conversations SET last_change_seq = last_seq",
                """
                ALTER TABLE messages
                    ADD COLUMN change_seq bigint NOT NULL DEFAULT 0,
                    ADD COLUMN version bigint NOT NULL DEFAULT 1,
                    ADD COLUMN edited_at timestamptz,
                    ADD COLUMN deleted_at timestamptz
                """,
                "UPDATE messages SET change_seq = seq",
                "CREATE INDEX messages_changes_idx ON messages (conversation_id, change_seq)",
                """
                CREATE TABLE reactions (
                    message_id uuid NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
                    emoji text NOT NULL,
                    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                    created_at timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (message_id, emoji, user_id)
                )
                """,
            ]
        ),
        Migration(
            version: 4,
            name: "read receipts apart from the unread watermark (mark as unread)",
            statements: [
                // `last_read_seq` counts unread and may move back (mark as unread);
                // `receipt_seq`, what others are shown as read, never does.
                "ALTER TABLE conversation_members ADD COLUMN receipt_seq bigint NOT NULL DEFAULT 0",
                "UPDATE conversation_members SET receipt_seq = last_read_seq",
            ]
        ),
        Migration(
            version: 5,
            name: "message search: a stored tsvector and trigrams",
            statements: [
                // Both are trusted extensions (Postgres 13+): the database's owner may create them.
                "CREATE EXTENSION IF NOT EXISTS unaccent",
                "CREATE EXTENSION IF NOT EXISTS pg_trgm",
                // One configuration for the index and every query: English stems, accents folded.
                "CREATE TEXT SEARCH CONFIGURATION chat_search (COPY = english)",
                "ALTER TEXT SEARCH CONFIGURATION chat_search ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem",
                // `unaccent(text)` is only STABLE (it reads a dictionary named at run time);
                // with the dictionary fixed it is immutable, and may be indexed.
                """
                CREATE FUNCTION chat_fold(text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
                AS $$ SELECT lower(unaccent('unaccent'::regdictionary, $1)) $$
                """,
                """
                ALTER TABLE messages ADD COLUMN search tsvector
                    GENERATED ALWAYS AS (to_tsvector('chat_search'::regconfig, content)) STORED
                """,
                "CREATE INDEX messages_search_idx ON messages USING gin (search)",
                // Parts of words ("recurs" in "recursion"), case and accents aside.
                "CREATE INDEX messages_trigram_idx ON messages USING gin (chat_fold(content) gin_trgm_ops)",
            ]
        ),
        Migration(
            version: 6,
            name: "each member's unread count, kept as messages come and go",
            statements: [
                // Counting on every send read a member's whole unread backlog (up to every
                // message, for one who never reads): the count is kept instead.
                "ALTER TABLE conversation_members ADD COLUMN unread_count integer NOT NULL DEFAULT 0",
                """
                UPDATE conversation_members m SET unread_count = (
                    SELECT count(*) FROM messages x
                    WHERE x.conversation_id = m.conversation_id AND x.seq > m.last_read_seq AND x.deleted_at IS NULL
                      AND x.message_type <> 'SYSTEM' AND x.sender_id IS DISTINCT FROM m.user_id
                )
                """,
            ]
        ),
        Migration(
            version: 7,
            name: "profiles (headline, subjects, bio, picture) and the experts directory's indexes",
            statements: [
                """
                ALTER TABLE users
                    ADD COLUMN headline text,
                    ADD COLUMN subjects text[] NOT NULL DEFAULT '{}',
                    ADD COLUMN bio text,
                    ADD COLUMN avatar_key text,
                    ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now()
                """,
                // What the directory's search looks in, folded as `chat_fold` folds the query.
                // `array_to_string` is only STABLE (it could print any array type); on text[] it
                // cannot change, so the whole is immutable and may be indexed.
                """
                CREATE FUNCTION chat_profile(name text, headline text, subjects text[]) RETURNS text
                LANGUAGE sql IMMUTABLE PARALLEL SAFE
                AS $$ SELECT chat_fold(name || ' ' || coalesce(headline, '') || ' ' || array_to_string(subjects, ' ')) $$
                """,
                // Stored, not computed per row: folding runs `unaccent`, and a search that checks
                // thousands of candidates, or walks the name order filtering, paid it on each
                // (100 ms a page at 100,000 experts, 5 ms stored: docs/BENCHMARKS.md).
                """
                ALTER TABLE users
                    ADD COLUMN folded_name text GENERATED ALWAYS AS (chat_fold(name)) STORED,
                    ADD COLUMN profile_text text GENERATED ALWAYS AS (chat_profile(name, headline, subjects)) STORED
                """,
                "CREATE INDEX users_expert_profile_idx ON users USING gin (profile_text gin_trgm_ops) WHERE role = 'expert'",
                // The directory's order (folded name, then id), and its pages' starting points.
                "CREATE INDEX users_expert_name_idx ON users (folded_name, id) WHERE role = 'expert'",
                "CREATE INDEX users_avatar_key_idx ON users (avatar_key) WHERE avatar_key IS NOT NULL",
            ]
        ),
        Migration(
            version: 8,
            name: "a picture's width and height, for its box before it loads",
            statements: [
                """
                ALTER TABLE attachments
                    ADD COLUMN width integer CHECK (width > 0),
                    ADD COLUMN height integer CHECK (height > 0)
                """
            ]
        ),
        Migration(
            version: 9,
            name: "replies: the message a message answers",
            statements: [
                // Messages are kept as tombstones, so an original goes only with its
                // conversation, and its replies with it.
                "ALTER TABLE messages ADD COLUMN reply_to uuid REFERENCES messages (id) ON DELETE SET NULL",
                // Finds the replies when a conversation's messages go (the key's check).
                "CREATE INDEX messages_reply_to_idx ON messages (reply_to) WHERE reply_to IS NOT NULL",
            ]
        ),
        Migration(
            version: 10,
            name: "verified experts, and the audit log of what admins do",
            statements: [
                "ALTER TABLE users ADD COLUMN verified_at timestamptz",
                """
                CREATE TABLE audit_log (
                    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    at timestamptz NOT NULL DEFAULT now(),
                    actor_id uuid,
                    action text NOT NULL,
                    subject_user_id uuid,
                    subject_message_id uuid,
                    detail jsonb NOT NULL DEFAULT '{}'
                )
                """,
                // Append-only: a line once written stays as it is, whoever asks.
                """
                CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    RAISE EXCEPTION 'the audit log is append-only';
                END $$
                """,
                """
                CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
                    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()
                """,
            ]
        ),
        Migration(
            version: 11,
            name: "blocks: who will not hear from whom",
            statements: [
                """
                CREATE TABLE blocks (
                    blocker_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                    blocked_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                    created_at timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (blocker_id, blocked_id),
                    CHECK (blocker_id <> blocked_id)
                )
                """,
                // Who blocked a user, for their sends and their contacts.
                "CREATE INDEX blocks_blocked_idx ON blocks (blocked_id)",
            ]
        ),
        Migration(
            version: 12,
            name: "reports and suspensions",
            statements: [
                """
                CREATE TABLE reports (
                    id uuid PRIMARY KEY,
                    reporter_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                    subject_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                    conversation_id uuid REFERENCES conversations (id) ON DELETE SET NULL,
                    message_id uuid REFERENCES messages (id) ON DELETE SET NULL,
                    reason text NOT NULL CHECK (reason IN ('spam', 'harassment', 'inappropriate_for_minors', 'other')),
                    text text,
                    state text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'dismissed', 'actioned')),
                    action text,
                    created_at timestamptz NOT NULL DEFAULT now(),
                    resolved_at timestamptz,
                    resolved_by uuid
                )
                """,
                // The queue, by state, the longest waiting first.
                "CREATE INDEX reports_queue_idx ON reports (state, created_at, id)",
                // A reporter's reports of the last hour, for their allowance.
                "CREATE INDEX reports_reporter_idx ON reports (reporter_id, created_at)",
                // 'infinity' for good.
                "ALTER TABLE users ADD COLUMN suspended_until timestamptz",
                // Whether the member blocks the other member of this direct conversation: read
                // with the members a send already reads (a join to find direct conversations
                // and their blocks cost Postgres 9 µs a message).
                "ALTER TABLE conversation_members ADD COLUMN blocks_other boolean NOT NULL DEFAULT false",
                """
                UPDATE conversation_members m SET blocks_other = true
                FROM conversations c, conversation_members o, blocks b
                WHERE c.id = m.conversation_id AND c.kind = 'direct' AND o.conversation_id = m.conversation_id
                  AND b.blocker_id = m.user_id AND b.blocked_id = o.user_id
                """,
            ]
        ),
        Migration(
            version: 13,
            name: "group roles: an owner, admins and members",
            statements: [
                "ALTER TABLE conversation_members ADD COLUMN role text NOT NULL DEFAULT 'member' CHECK (role IN ('owner', 'admin', 'member'))",
                // A group made before roles is its creator's.
                """
                UPDATE conversation_members m SET role = 'owner' FROM conversations c
                WHERE c.id = m.conversation_id AND c.kind = 'group' AND m.user_id = c.created_by
                """,
            ]
        ),
        Migration(
            version: 14,
            name: "group membership: joining, leaving, invite links",
            statements: [
                // A member reads from the message after `joined_seq` on (0: from the start).
                "ALTER TABLE conversation_members ADD COLUMN joined_seq bigint NOT NULL DEFAULT 0",
                "ALTER TABLE conversations ADD COLUMN description text, ADD COLUMN closed_at timestamptz",
                // Who was in a group and is no more: they keep reading what came while they
                // were in it (through `left_seq`), nothing after.
                """
                CREATE TABLE conversation_departures (
                    conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
                    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                    joined_seq bigint NOT NULL,
                    left_seq bigint NOT NULL,
                    left_at timestamptz NOT NULL DEFAULT now(),
                    reason text NOT NULL CHECK (reason IN ('left', 'removed')),
                    PRIMARY KEY (conversation_id, user_id)
                )
                """,
                "CREATE INDEX conversation_departures_user_idx ON conversation_departures (user_id)",
                // Who may read which of a conversation's messages: seq in (joined_seq, left_seq].
                """
                CREATE VIEW conversation_readers AS
                SELECT conversation_id, user_id, joined_seq, NULL::bigint AS left_seq FROM conversation_members
                UNION ALL
                SELECT conversation_id, user_id, joined_seq, left_seq FROM conversation_departures
                """,
                """
                CREATE TABLE group_invites (
                    id uuid PRIMARY KEY,
                    conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
                    token text NOT NULL UNIQUE,
                    created_by uuid REFERENCES users (id) ON DELETE SET NULL,
                    created_at timestamptz NOT NULL DEFAULT now(),
                    expires_at timestamptz NOT NULL,
                    max_uses integer,
                    uses integer NOT NULL DEFAULT 0,
                    revoked_at timestamptz
                )
                """,
                "CREATE INDEX group_invites_conversation_idx ON group_invites (conversation_id, created_at)",
            ]
        ),
        Migration(
            version: 15,
            name: "group pictures",
            statements: [
                "ALTER TABLE conversations ADD COLUMN picture_key text, ADD COLUMN picture_url text"
            ]
        ),
        Migration(
            version: 16,
            name: "call messages",
            statements: [
                """
                ALTER TABLE messages DROP CONSTRAINT messages_message_type_check,
                    ADD CONSTRAINT messages_message_type_check CHECK (message_type IN ('TEXT', 'IMAGE', 'FILE', 'SYSTEM', 'CALL')),
                    ADD COLUMN call jsonb,
                    ADD CONSTRAINT messages_call_check CHECK ((message_type = 'CALL') = (call IS NOT NULL))
                """
            ]
        ),
        Migration(
            version: 17,
            name: "sign-in sessions",
            statements: [
                """
                CREATE TABLE auth_sessions (
                    id uuid PRIMARY KEY,
                    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                    user_agent text CHECK (octet_length(user_agent) <= 256),
                    address text CHECK (octet_length(address) <= 64),
                    created_at timestamptz NOT NULL DEFAULT now(),
                    last_used_at timestamptz NOT NULL DEFAULT now(),
                    expires_at timestamptz NOT NULL,
                    -- "Keep me signed in": its cookie outlives the browser.
                    persistent boolean NOT NULL DEFAULT false,
                    ended_at timestamptz,
                    end_reason text CHECK (end_reason IN ('signed_out', 'ended', 'reused', 'everywhere', 'suspended', 'password')),
                    CHECK ((ended_at IS NULL) = (end_reason IS NULL))
                )
                """,
                "CREATE INDEX auth_sessions_user_idx ON auth_sessions (user_id, last_used_at DESC)",
                // Only a token's SHA-256; replaced ones are kept a day to tell theft from noise.
                """
                CREATE TABLE auth_refresh_tokens (
                    hash bytea PRIMARY KEY CHECK (octet_length(hash) = 32),
                    session_id uuid NOT NULL REFERENCES auth_sessions (id) ON DELETE CASCADE,
                    issued_at timestamptz NOT NULL DEFAULT now(),
                    replaced_at timestamptz
                )
                """,
                "CREATE INDEX auth_refresh_tokens_session_idx ON auth_refresh_tokens (session_id)",
            ]
        ),
        Migration(
            version: 18,
            name: "mail outbox and password resets",
            statements: [
                // Mail as it goes out (rendered, 7-bit), kept until the server took it: a
                // restart loses none, a failure is tried again later.
                """
                CREATE TABLE mail_outbox (
                    id uuid PRIMARY KEY,
                    kind text NOT NULL,
                    sender text NOT NULL,
                    recipient text NOT NULL,
                    message text NOT NULL,
                    created_at timestamptz NOT NULL DEFAULT now(),
                    attempts integer NOT NULL DEFAULT 0,
                    next_attempt_at timestamptz NOT NULL DEFAULT now(),
                    sent_at timestamptz,
                    failed_at timestamptz,
                    last_error text CHECK (octet_length(last_error) <= 512)
                )
                """,
                "CREATE INDEX mail_outbox_due_idx ON mail_outbox (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL",
                // Only a reset token's SHA-256; a newer one, a password change or its use ends it.
                """
                CREATE TABLE password_resets (
                    token_hash bytea PRIMARY KEY CHECK (octet_length(token_hash) = 32),
                    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                    created_at timestamptz NOT NULL DEFAULT now(),
                    expires_at timestamptz NOT NULL
                )
                """,
                "CREATE INDEX password_resets_user_idx ON password_resets (user_id)",
            ]
        ),
        Migration(
            version: 19,
            name: "email verification",
            statements: [
                "ALTER TABLE users ADD COLUMN email_verified_at timestamptz",
                // Accounts from before were taken as they are: none is locked out by this.
                "UPDATE users SET email_verified_at = created_at",
                """
                CREATE TABLE email_verifications (
                    token_hash bytea PRIMARY KEY CHECK (octet_length(token_hash) = 32),
                    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                    created_at timestamptz NOT NULL DEFAULT now(),
                    expires_at timestamptz NOT NULL
                )
                """,
                "CREATE INDEX email_verifications_user_idx ON email_verifications (user_id)",
            ]
        ),
        Migration(
            version: 20,
            name: "missed-message email",
            statements: [
                """
                ALTER TABLE users ADD COLUMN email_notifications text NOT NULL DEFAULT 'digest'
                    CHECK (email_notifications IN ('never', 'digest', 'each'))
                """,
                // What a user was last mailed about, per conversation: at most one an hour, and
                // never the same messages twice.
                """
                CREATE TABLE email_notices (
                    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                    conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
                    notified_seq bigint NOT NULL,
                    sent_at timestamptz NOT NULL,
                    PRIMARY KEY (user_id, conversation_id)
                )
                """,
                // The sweep reads only memberships with something unread.
                "CREATE INDEX conversation_members_unread_idx ON conversation_members (user_id) WHERE unread_count > 0",
            ]
        ),
        Migration(
            version: 21,
            name: "waiting for a replica",
            statements: [
                // Run on a streaming replica (functions replicate like tables): true once it has
                // replayed the WAL up to `target`, waiting up to `wait_ms` for it; true at once
                // on a server that is not a replica.
                """
                CREATE FUNCTION chat_replayed(target pg_lsn, wait_ms integer) RETURNS boolean
                LANGUAGE plpgsql AS $$
                DECLARE
                    deadline timestamptz := clock_timestamp() + wait_ms * interval '1 millisecond';
                BEGIN
                    LOOP
                        IF pg_last_wal_replay_lsn() IS NULL OR pg_last_wal_replay_lsn() >= target THEN
                            RETURN true;
                        END IF;
                        IF clock_timestamp() >= deadline THEN
                            RETURN false;
                        END IF;
                        PERFORM pg_sleep(0.002);
                    END LOOP;
                END
                $$
                """
            ]
        ),
        Migration(
            version: 22,
            name: "messages partitioned by month of their time-ordered ids",
            statements: Self.partitionedMessages
        ),
        // The send statement writes its keys first (`InsertBatch`): a prepared statement
        // cannot probe `message_keys` safely (its kept plan, made while the table was empty,
        // reads all of it), and an insert that skips conflicts has only the index to go by.
        Migration(
            version: 23,
            name: "send keys written by the send statement",
            statements: ["DROP TRIGGER messages_key ON messages", "DROP FUNCTION chat_message_key()"]
        ),
        // Unread counts are counted when read, up to `ConversationStore.unreadCap`: keeping
        // them wrote every recipient's row on every send, and the partial index made each
        // of those writes a new index entry too.
        Migration(
            version: 24,
            name: "unread counted when read",
            statements: ["DROP INDEX conversation_members_unread_idx", "ALTER TABLE conversation_members DROP COLUMN unread_count"]
        ),
        // Without a kept count, the mail sweep walked every membership to find those with
        // something unread (1.5 s a sweep at 200,000 with nothing due). A send writes its
        // conversation here once, until the sweep finds nobody owed a mail there.
        Migration(
            version: 25,
            name: "conversations the mail sweep looks into",
            statements: [
                """
                CREATE TABLE mail_due (
                    conversation_id uuid PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
                    since timestamptz NOT NULL
                )
                """,
                """
                INSERT INTO mail_due (conversation_id, since)
                SELECT c.id, c.updated_at FROM conversations c
                WHERE EXISTS (SELECT 1 FROM conversation_members m WHERE m.conversation_id = c.id AND m.last_read_seq < c.last_seq)
                """,
            ]
        ),
    ]
}
