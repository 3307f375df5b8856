ALTER TABLE messages ALTER COLUMN id SET DEFAULT nextval('messages_id_seq');
ALTER TABLE notifications ALTER COLUMN id SET DEFAULT nextval('notifications_id_seq');
DROP FUNCTION parley_id_mark();
DROP FUNCTION parley_next_id(regclass);
