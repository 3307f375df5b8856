DROP INDEX notifications_unread_idx;
CREATE INDEX notifications_unread_idx ON notifications (user_id) WHERE read_at IS NULL;

DROP TRIGGER notification_counts_upd ON notifications;
DROP TRIGGER notification_counts_del ON notifications;
DROP TRIGGER notification_counts_ins ON notifications;
DROP FUNCTION notification_counts_upd();
DROP FUNCTION notification_counts_del();
DROP FUNCTION notification_counts_ins();
DROP FUNCTION notification_counts_add(jsonb);
DROP TABLE notification_counts;

DROP INDEX participants_unread_idx;
CREATE INDEX participants_unread_idx ON participants (party_id) WHERE unread_count > 0;
DROP INDEX participants_open_idx;
DROP TRIGGER participants_copy_kind ON participants;
DROP FUNCTION participants_copy_kind();
ALTER TABLE participants DROP COLUMN kind;
