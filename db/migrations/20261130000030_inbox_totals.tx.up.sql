-- A party's open-inbox totals (threads neither archived nor deleted, and their unread
-- messages), per conversation kind, kept by triggers in the same transaction as every change
-- to participants. The inbox's totalCount and unreadTotal read these few rows instead of
-- scanning the party's threads (5,000 index entries for a busy workshop on every page). As
-- with notification_counts, each connection writes its own shard (its backend pid mod 32), so
-- sends to a busy workshop from different connections do not queue on one row.
CREATE TABLE inbox_totals (
    party_id text NOT NULL,
    kind     text NOT NULL,
    shard    smallint NOT NULL,
    threads  bigint NOT NULL DEFAULT 0,
    unread   bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (party_id, kind, shard)
);
-- Replicas of the previous version may still write participants while this runs: hold their
-- writes until the triggers below exist, so the backfill and the triggers miss nothing.
LOCK TABLE participants IN SHARE ROW EXCLUSIVE MODE;
INSERT INTO inbox_totals (party_id, kind, shard, threads, unread)
SELECT party_id, kind, 0, count(*), sum(unread_count) FROM participants
WHERE deleted_at IS NULL AND archived_at IS NULL AND kind IS NOT NULL GROUP BY party_id, kind;

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
