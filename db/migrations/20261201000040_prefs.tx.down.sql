ALTER TABLE messages DROP COLUMN reply_to_id;
DROP INDEX participants_pinned_idx;
ALTER TABLE participants
    DROP COLUMN muted_at,
    DROP COLUMN muted_until,
    DROP COLUMN pinned_at,
    DROP COLUMN last_delivered_message_id;
