DROP INDEX conversations_retention_idx;
DROP TABLE blob_deletions;
DROP TABLE data_exports;
DROP TABLE audit_log;
ALTER TABLE users DROP COLUMN erased_at;
