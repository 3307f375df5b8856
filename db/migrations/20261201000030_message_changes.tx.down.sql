DROP FUNCTION parley_id_mark();
CREATE FUNCTION parley_id_mark(OUT messages bigint, OUT notifications bigint, OUT oldest bigint, OUT newest bigint)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    near bigint := pg_snapshot_xmax(pg_current_snapshot())::text::bigint;
BEGIN
    SELECT CASE WHEN s.is_called THEN s.last_value ELSE s.last_value - 1 END INTO messages FROM messages_id_seq AS s;
    SELECT CASE WHEN s.is_called THEN s.last_value ELSE s.last_value - 1 END INTO notifications FROM notifications_id_seq AS s;
    SELECT min(x), max(x) INTO oldest, newest FROM (
        SELECT near + (a.backend_xid::text::bigint - near % 4294967296 + 6442450944) % 4294967296 - 2147483648 AS x
        FROM pg_stat_activity AS a
        WHERE a.datname = current_database() AND a.backend_xid IS NOT NULL) AS r;
END $$;
DROP TABLE message_events;
DROP TABLE message_reactions;
DROP TABLE message_hides;
DROP TABLE message_edits;
ALTER TABLE messages DROP COLUMN edited_at, DROP COLUMN unsent_at;
