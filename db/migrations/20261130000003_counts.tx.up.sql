-- Inbox and badge counts that do not grow with history.

-- A participant row carries its conversation's kind, so the inbox, its count and the unread
-- count filter on one table and read one index. A conversation never changes kind; the trigger
-- copies it on insert (the foreign key still rejects an unknown conversation).
ALTER TABLE participants ADD COLUMN kind text;
UPDATE participants AS p SET kind = c.kind FROM conversations AS c WHERE c.id = p.conversation_id;

CREATE FUNCTION participants_copy_kind() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.kind := (SELECT c.kind FROM conversations AS c WHERE c.id = NEW.conversation_id);
    RETURN NEW;
END $$;
CREATE TRIGGER participants_copy_kind BEFORE INSERT OR UPDATE OF conversation_id ON participants
    FOR EACH ROW EXECUTE FUNCTION participants_copy_kind();

-- The open inbox (neither archived nor deleted): its first page is one keyset scan, and its
-- count and unread total an index-only scan of the party's open threads.
CREATE INDEX participants_open_idx ON participants (party_id, kind, last_activity_at DESC, conversation_id DESC)
    INCLUDE (unread_count, role) WHERE deleted_at IS NULL AND archived_at IS NULL;
-- The unread badge: only the open threads with unread messages.
DROP INDEX participants_unread_idx;
CREATE INDEX participants_unread_idx ON participants (party_id, kind) INCLUDE (unread_count)
    WHERE unread_count > 0 AND deleted_at IS NULL AND archived_at IS NULL;

-- A user's notification totals, kept by triggers in the same transaction as every insert,
-- read and delete. Each connection writes its own shard (its backend pid mod 32), so sends to a
-- busy workshop from different connections do not queue on one row; a count sums the shards.
CREATE TABLE notification_counts (
    user_id text NOT NULL,
    shard   smallint NOT NULL,
    total   bigint NOT NULL DEFAULT 0,
    unread  bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, shard)
);
-- Replicas of the previous version may still write notifications while this runs: hold their
-- writes until the triggers below exist, so the backfill and the triggers miss nothing.
LOCK TABLE notifications IN SHARE ROW EXCLUSIVE MODE;
INSERT INTO notification_counts (user_id, shard, total, unread)
SELECT user_id, 0, count(*), count(*) FILTER (WHERE read_at IS NULL) FROM notifications GROUP BY user_id;

-- notification_counts_add adds per-user deltas; rows are taken in user order, so two statements
-- on the same shard lock them in the same order.
CREATE FUNCTION notification_counts_add(deltas jsonb) RETURNS void LANGUAGE sql AS $$
    INSERT INTO notification_counts AS n (user_id, shard, total, unread)
    SELECT d.user_id, pg_backend_pid() % 32, d.total, d.unread
    FROM jsonb_to_recordset(deltas) AS d (user_id text, total bigint, unread bigint)
    WHERE d.total <> 0 OR d.unread <> 0
    ORDER BY d.user_id
    ON CONFLICT (user_id, shard) DO UPDATE SET total = n.total + EXCLUDED.total, unread = n.unread + EXCLUDED.unread
$$;

CREATE FUNCTION notification_counts_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM notification_counts_add((SELECT jsonb_agg(x) FROM (SELECT user_id, count(*) AS total,
        count(*) FILTER (WHERE read_at IS NULL) AS unread FROM new_rows GROUP BY user_id) AS x));
    RETURN NULL;
END $$;
CREATE FUNCTION notification_counts_del() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM notification_counts_add((SELECT jsonb_agg(x) FROM (SELECT user_id, -count(*) AS total,
        -count(*) FILTER (WHERE read_at IS NULL) AS unread FROM old_rows GROUP BY user_id) AS x));
    RETURN NULL;
END $$;
CREATE FUNCTION notification_counts_upd() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM notification_counts_add((SELECT jsonb_agg(x) FROM (SELECT user_id, sum(total) AS total, sum(unread) AS unread
        FROM (SELECT user_id, 1 AS total, (read_at IS NULL)::int AS unread FROM new_rows
            UNION ALL SELECT user_id, -1, -(read_at IS NULL)::int FROM old_rows) AS r GROUP BY user_id) AS x));
    RETURN NULL;
END $$;
CREATE TRIGGER notification_counts_ins AFTER INSERT ON notifications REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION notification_counts_ins();
CREATE TRIGGER notification_counts_del AFTER DELETE ON notifications REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION notification_counts_del();
CREATE TRIGGER notification_counts_upd AFTER UPDATE ON notifications REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION notification_counts_upd();

-- The unread notifications page, newest first, replaces the index the unread count used.
DROP INDEX notifications_unread_idx;
CREATE INDEX notifications_unread_idx ON notifications (user_id, created_at DESC, id DESC) WHERE read_at IS NULL;
