CREATE INDEX participants_inbox_idx ON participants (party_id, last_activity_at DESC, conversation_id DESC);
DROP INDEX participants_closed_idx;
