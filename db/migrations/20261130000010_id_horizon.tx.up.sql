-- Sends take no deployment-wide lock, so message (and notification) ids may commit out of
-- order. Live readers consume ids only up to a horizon below which every id is final
-- (db/horizon.go). That needs one rule from writers: an id is taken only by a transaction
-- that already has a transaction id. parley_next_id makes the column defaults keep it.
CREATE FUNCTION parley_next_id(seq regclass) RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_current_xact_id();
    RETURN nextval(seq);
END $$;

ALTER TABLE messages ALTER COLUMN id SET DEFAULT parley_next_id('messages_id_seq');
ALTER TABLE notifications ALTER COLUMN id SET DEFAULT parley_next_id('notifications_id_seq');

-- parley_id_mark reads how many ids were taken, then (later) the transaction ids of this
-- database's transactions still running: every transaction holding one of those ids has an
-- xid, so it is among them or has ended. Once no transaction with an xid at or below newest
-- runs, the ids are final. A snapshot's xmax cannot serve as the bound: it is the latest
-- completed xid plus one, and running transactions above it are not in its xip list.
-- Transaction ids come from pg_stat_activity (32 bits) and are widened against the current
-- epoch; transactions of other databases of the cluster do not count.
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
