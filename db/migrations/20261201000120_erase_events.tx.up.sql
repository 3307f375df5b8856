-- An erasure (db/erase.go) records an 'erased' change for each message of the erased user, so
-- that open clients of the other participants see the message blanked from a deleted user
-- (messageChanged), as they see an unsend. The new check only widens the old one: every row
-- already satisfies it, so it is added NOT VALID and nothing rescans message_events under lock.
ALTER TABLE message_events DROP CONSTRAINT message_events_kind_check;
ALTER TABLE message_events ADD CONSTRAINT message_events_kind_check
    CHECK (kind IN ('edited', 'unsent', 'reactions', 'erased')) NOT VALID;
