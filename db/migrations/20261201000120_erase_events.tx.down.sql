DELETE FROM message_events WHERE kind = 'erased';
ALTER TABLE message_events DROP CONSTRAINT message_events_kind_check;
ALTER TABLE message_events ADD CONSTRAINT message_events_kind_check
    CHECK (kind IN ('edited', 'unsent', 'reactions')) NOT VALID;
