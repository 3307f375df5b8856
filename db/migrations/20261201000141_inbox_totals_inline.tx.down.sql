CREATE OR REPLACE FUNCTION inbox_totals_row() RETURNS trigger LANGUAGE plpgsql AS $$
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
