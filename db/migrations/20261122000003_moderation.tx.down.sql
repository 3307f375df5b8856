DROP INDEX IF EXISTS reports_reason_idx;
ALTER TABLE reports DROP COLUMN IF EXISTS resolution_note;
DROP TABLE IF EXISTS blocks;
