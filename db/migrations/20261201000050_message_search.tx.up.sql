-- Message search (db/message_search.go): full text with Norwegian and English stemming, accent
-- folding and, when full text finds nothing, trigram word similarity for typos.
--
-- parley_nb and parley_en are the stock norwegian and english configurations with unaccent in
-- front of the stemmer, so "cafe" finds "café" and "Tromso" finds "Tromsø" (unaccent's rules
-- also fold ø, æ and å). messages.search_doc is both stemmings of the body in one tsvector, a
-- generated column: it follows every insert and every edit of a body by itself. It is stored
-- (not only an index expression) because a search walks the viewer's own threads newest first
-- and tests rows as it goes; recomputing the stemming per row cost 30 µs. One GIN index over
-- it serves rare words. Removed messages leave both indexes (partial on removed_at IS NULL).
CREATE EXTENSION IF NOT EXISTS unaccent;

CREATE TEXT SEARCH CONFIGURATION parley_nb (COPY = norwegian);
ALTER TEXT SEARCH CONFIGURATION parley_nb ALTER MAPPING FOR hword, hword_part, word WITH unaccent, norwegian_stem;
CREATE TEXT SEARCH CONFIGURATION parley_en (COPY = english);
ALTER TEXT SEARCH CONFIGURATION parley_en ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem;

-- IMMUTABLE so an index may use them: true as long as the configurations and the unaccent
-- rules do not change (a change to either must REINDEX the two indexes below).
CREATE FUNCTION parley_search_doc(body text) RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT to_tsvector('public.parley_nb'::regconfig, body) || to_tsvector('public.parley_en'::regconfig, body)
$$;
CREATE FUNCTION parley_fold(t text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT lower(public.unaccent('public.unaccent'::regdictionary, t))
$$;

ALTER TABLE messages ADD COLUMN search_doc tsvector GENERATED ALWAYS AS (parley_search_doc(body)) STORED;
CREATE INDEX messages_search_idx ON messages USING gin (search_doc) WHERE removed_at IS NULL;

-- The trigram index on the raw body served no query; typo search compares folded text, so it is
-- replaced by one on the folded body (still one trigram index per message).
DROP INDEX messages_body_trgm_idx;
CREATE INDEX messages_fold_trgm_idx ON messages USING gin (parley_fold(body) gin_trgm_ops) WHERE removed_at IS NULL;
