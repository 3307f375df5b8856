ALTER TABLE users DROP COLUMN tokens_revoked_before;
