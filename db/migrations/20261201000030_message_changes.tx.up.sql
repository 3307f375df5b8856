-- Edit, unsend, delete-for-me and reactions (README, "Editing, unsending and reactions").

-- When a message was last edited, or unsent by its sender (text and files then gone).
ALTER TABLE messages ADD COLUMN edited_at timestamptz, ADD COLUMN unsent_at timestamptz;

-- The bodies a message had before each edit.
CREATE TABLE message_edits (
    id            bigserial PRIMARY KEY,
    message_id    bigint NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    previous_body text NOT NULL,
    edited_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX message_edits_message_idx ON message_edits (message_id, id);

-- Messages one participant deleted for themselves only.
CREATE TABLE message_hides (
    party_id   text NOT NULL,
    message_id bigint NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    hidden_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (party_id, message_id)
);

-- One row per reaction: one of each emoji per participant per message.
CREATE TABLE message_reactions (
    message_id bigint NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    party_id   text NOT NULL,
    emoji      text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (message_id, party_id, emoji)
);

-- The live stream of changes to messages (messageChanged), read like messages: by id, up to
-- the id horizon, so its ids take a transaction id first (parley_next_id) and the id mark
-- counts them.
CREATE TABLE message_events (
    id              bigserial PRIMARY KEY,
    conversation_id bigint NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    message_id      bigint NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    kind            text NOT NULL CHECK (kind IN ('edited', 'unsent', 'reactions')),
    actor           text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE message_events ALTER COLUMN id SET DEFAULT parley_next_id('message_events_id_seq');
CREATE INDEX message_events_thread_idx ON message_events (conversation_id, id);

DROP FUNCTION parley_id_mark();
CREATE FUNCTION parley_id_mark(OUT messages bigint, OUT notifications bigint, OUT changes bigint, OUT oldest bigint, OUT newest bigint)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    near bigint := pg_snapshot_xmax(pg_current_snapshot())::text::bigint;
BEGIN
    SELECT CASE WHEN s.is_called THEN s.last_value ELSE s.last_value - 1 END INTO messages FROM messages_id_seq AS s;
    SELECT CASE WHEN s.is_called THEN s.last_value ELSE s.last_value - 1 END INTO notifications FROM notifications_id_seq AS s;
    SELECT CASE WHEN s.is_called THEN s.last_value ELSE s.last_value - 1 END INTO changes FROM message_events_id_seq AS s;
    SELECT min(x), max(x) INTO oldest, newest FROM (
        SELECT near + (a.backend_xid::text::bigint - near % 4294967296 + 6442450944) % 4294967296 - 2147483648 AS x
        FROM pg_stat_activity AS a
        WHERE a.datname = current_database() AND a.backend_xid IS NOT NULL) AS r;
END $$;
