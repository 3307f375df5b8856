-- inbox_totals kept by row triggers instead of statement triggers with transition tables: a
-- send changes one row's counts (the recipient's unread), and the statement triggers cost it
-- a capture of every touched row, two jsonb passes and a plpgsql call per statement (~30 % of a
-- send's PostgreSQL time). The WHEN clauses skip rows whose open state, unread count, party and
-- kind are unchanged without calling anything (the sender's own row on every send).
DROP TRIGGER inbox_totals_upd ON participants;
DROP TRIGGER inbox_totals_del ON participants;
DROP TRIGGER inbox_totals_ins ON participants;
DROP FUNCTION inbox_totals_upd();
DROP FUNCTION inbox_totals_del();
DROP FUNCTION inbox_totals_ins();
DROP FUNCTION inbox_totals_add(jsonb);

-- inbox_totals_bump adds deltas to the party's totals in this connection's shard.
CREATE FUNCTION inbox_totals_bump(p_party text, p_kind text, d_threads integer, d_unread integer) RETURNS void LANGUAGE sql AS $$
    INSERT INTO inbox_totals AS n (party_id, kind, shard, threads, unread)
    VALUES (p_party, p_kind, pg_backend_pid() % 32, d_threads, d_unread)
    ON CONFLICT (party_id, kind, shard) DO UPDATE SET threads = n.threads + EXCLUDED.threads, unread = n.unread + EXCLUDED.unread
$$;

CREATE FUNCTION inbox_totals_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.party_id = NEW.party_id AND OLD.kind = NEW.kind
        AND OLD.deleted_at IS NULL AND OLD.archived_at IS NULL AND NEW.deleted_at IS NULL AND NEW.archived_at IS NULL THEN
        -- Still open: only the unread count moved.
        PERFORM inbox_totals_bump(NEW.party_id, NEW.kind, 0, NEW.unread_count - OLD.unread_count);
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' AND OLD.deleted_at IS NULL AND OLD.archived_at IS NULL AND OLD.kind IS NOT NULL THEN
        PERFORM inbox_totals_bump(OLD.party_id, OLD.kind, -1, -OLD.unread_count);
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.deleted_at IS NULL AND NEW.archived_at IS NULL AND NEW.kind IS NOT NULL THEN
        PERFORM inbox_totals_bump(NEW.party_id, NEW.kind, 1, NEW.unread_count);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER inbox_totals_ins AFTER INSERT ON participants FOR EACH ROW
    WHEN (NEW.deleted_at IS NULL AND NEW.archived_at IS NULL AND NEW.kind IS NOT NULL)
    EXECUTE FUNCTION inbox_totals_row();
CREATE TRIGGER inbox_totals_del AFTER DELETE ON participants FOR EACH ROW
    WHEN (OLD.deleted_at IS NULL AND OLD.archived_at IS NULL AND OLD.kind IS NOT NULL)
    EXECUTE FUNCTION inbox_totals_row();
CREATE TRIGGER inbox_totals_upd AFTER UPDATE ON participants FOR EACH ROW
    WHEN ((OLD.deleted_at IS NULL AND OLD.archived_at IS NULL) IS DISTINCT FROM (NEW.deleted_at IS NULL AND NEW.archived_at IS NULL)
        OR OLD.unread_count IS DISTINCT FROM NEW.unread_count
        OR OLD.party_id IS DISTINCT FROM NEW.party_id OR OLD.kind IS DISTINCT FROM NEW.kind)
    EXECUTE FUNCTION inbox_totals_row();
