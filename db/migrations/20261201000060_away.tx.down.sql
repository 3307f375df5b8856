DROP TABLE away_keys;
DROP TABLE digest_state;
DROP TABLE push_sent;
DROP TABLE push_cursor;
DROP TABLE push_jobs;
DROP TABLE push_subscriptions;
ALTER TABLE users DROP COLUMN locale, DROP COLUMN email;
