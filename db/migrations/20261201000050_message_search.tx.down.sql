DROP INDEX messages_fold_trgm_idx;
CREATE INDEX messages_body_trgm_idx ON messages USING gin (body gin_trgm_ops);
DROP INDEX messages_search_idx;
ALTER TABLE messages DROP COLUMN search_doc;
DROP FUNCTION parley_fold(text);
DROP FUNCTION parley_search_doc(text);
DROP TEXT SEARCH CONFIGURATION parley_en;
DROP TEXT SEARCH CONFIGURATION parley_nb;
