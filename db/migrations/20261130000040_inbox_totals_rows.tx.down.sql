DROP TRIGGER inbox_totals_upd ON participants;
DROP TRIGGER inbox_totals_del ON participants;
DROP TRIGGER inbox_totals_ins ON participants;
DROP FUNCTION inbox_totals_row();
DROP FUNCTION inbox_totals_bump(text, text, integer, integer);
-- The statement triggers of 20261130000030_inbox_totals, as they were.
-- inbox_totals_add adds the open rows of new_rows and takes away those of old_rows; counter
-- rows are taken in (party, kind) order, so two statements on one shard lock them in one order.
CREATE FUNCTION inbox_totals_add(deltas jsonb) RETURNS void LANGUAGE sql AS $$
    INSERT INTO inbox_totals AS n (party_id, kind, shard, threads, unread)
    SELECT d.party_id, d.kind, pg_backend_pid() % 32, d.threads, d.unread
    FROM jsonb_to_recordset(deltas) AS d (party_id text, kind text, threads bigint, unread bigint)
    WHERE (d.threads <> 0 OR d.unread <> 0) AND d.kind IS NOT NULL
    ORDER BY d.party_id, d.kind
    ON CONFLICT (party_id, kind, shard) DO UPDATE SET threads = n.threads + EXCLUDED.threads, unread = n.unread + EXCLUDED.unread
$$;

CREATE FUNCTION inbox_totals_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM inbox_totals_add((SELECT jsonb_agg(x) FROM (SELECT party_id, kind, count(*) AS threads,
        sum(unread_count) AS unread FROM new_rows WHERE deleted_at IS NULL AND archived_at IS NULL
        GROUP BY party_id, kind) AS x));
    RETURN NULL;
END $$;
CREATE FUNCTION inbox_totals_del() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM inbox_totals_add((SELECT jsonb_agg(x) FROM (SELECT party_id, kind, -count(*) AS threads,
        -sum(unread_count) AS unread FROM old_rows WHERE deleted_at IS NULL AND archived_at IS NULL
        GROUP BY party_id, kind) AS x));
    RETURN NULL;
END $$;
CREATE FUNCTION inbox_totals_upd() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM inbox_totals_add((SELECT jsonb_agg(x) FROM (SELECT party_id, kind, sum(threads) AS threads, sum(unread) AS unread
        FROM (SELECT party_id, kind, 1 AS threads, unread_count AS unread FROM new_rows
                WHERE deleted_at IS NULL AND archived_at IS NULL
            UNION ALL SELECT party_id, kind, -1, -unread_count FROM old_rows
                WHERE deleted_at IS NULL AND archived_at IS NULL) AS r
        GROUP BY party_id, kind) AS x));
    RETURN NULL;
END $$;
CREATE TRIGGER inbox_totals_ins AFTER INSERT ON participants REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION inbox_totals_ins();
CREATE TRIGGER inbox_totals_del AFTER DELETE ON participants REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION inbox_totals_del();
CREATE TRIGGER inbox_totals_upd AFTER UPDATE ON participants REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION inbox_totals_upd();
