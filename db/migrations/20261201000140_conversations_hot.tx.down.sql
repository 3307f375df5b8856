DROP INDEX conversations_retention_day_idx;
ALTER TABLE conversations DROP COLUMN retention_day;
ALTER TABLE conversations RESET (fillfactor);
CREATE INDEX conversations_retention_idx ON conversations (last_activity_at) WHERE message_count > 0;
