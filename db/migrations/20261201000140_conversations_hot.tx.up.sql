-- Every send updates its conversation's row (last_message_id, message_count,
-- last_activity_at). conversations_retention_idx (migration 20261201000070) keyed
-- last_activity_at and filtered on message_count, so none of those updates could be HOT: each
-- wrote a new entry into every index of conversations and left a dead one behind. Retention
-- finds closed threads by the UTC day of their last activity instead, a stored column that
-- changes at most once a day per thread (and when its messages run out or come back), so a
-- send's update is HOT otherwise. Room on each page for the new versions (fillfactor, applied
-- by the rewrite that adding a stored column makes).
ALTER TABLE conversations SET (fillfactor = 90);
ALTER TABLE conversations ADD COLUMN retention_day date
    GENERATED ALWAYS AS (CASE WHEN message_count > 0 THEN (last_activity_at AT TIME ZONE 'UTC')::date END) STORED;
DROP INDEX conversations_retention_idx;
CREATE INDEX conversations_retention_day_idx ON conversations (retention_day) WHERE retention_day IS NOT NULL;
