-- Message search (db/message_search.go): full text with Norwegian and English stemming, accent
-- folding and, when full text finds nothing, the known words most like the query's (typos).
--
-- parley_nb and parley_en are the stock norwegian and english configurations with unaccent in
-- front of the stemmer, so "cafe" finds "café" and "Tromso" finds "Tromsø" (unaccent's rules
-- also fold ø, æ and å). messages.search_doc is both stemmings of the body in one tsvector, a
-- generated column: it follows every insert and every edit of a body by itself. It is stored
-- (not only an index expression) because a search walks the viewer's own threads newest first
-- and tests rows as it goes; recomputing the stemming per row cost 30 µs. One GIN index over
-- it serves rare words; removed messages leave it (partial on removed_at IS NULL).
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

-- Typos: the words ever sent, folded, with a trigram index. A search for a word full text does
-- not find looks up the known words like it and searches for those (db/message_search.go). The
-- trigram index on the raw body served no query, and trigram matching over bodies would test
-- every message of a busy workshop, so it goes: messages keep one GIN index, as before.
DROP INDEX messages_body_trgm_idx;

CREATE TABLE search_words (
    word text PRIMARY KEY
);
CREATE INDEX search_words_trgm_idx ON search_words USING gin (word gin_trgm_ops);

-- Words of 4 to 40 letters (numbers are not words: an order number would add a word per
-- send), in order, so two sends adding the same new words take their keys in the same order
-- and never deadlock. A known word costs one index probe.
CREATE FUNCTION parley_search_words() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO search_words (word)
    SELECT DISTINCT w FROM regexp_split_to_table(parley_fold(NEW.body), '[^[:alpha:]]+') AS w
    WHERE length(w) BETWEEN 4 AND 40
    ORDER BY w
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
CREATE TRIGGER messages_search_words AFTER INSERT OR UPDATE OF body ON messages
    FOR EACH ROW WHEN (NEW.removed_at IS NULL AND NEW.body <> '') EXECUTE FUNCTION parley_search_words();

INSERT INTO search_words (word)
SELECT DISTINCT w FROM messages AS m, regexp_split_to_table(parley_fold(m.body), '[^[:alpha:]]+') AS w
WHERE m.removed_at IS NULL AND length(w) BETWEEN 4 AND 40
ON CONFLICT DO NOTHING;
