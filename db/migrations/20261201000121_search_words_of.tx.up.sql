-- One definition of the words the typo lexicon (search_words) keeps: the trigger adds a sent
-- text's words, and an erasure or an unsend (db/search_words.go) lists the words of the texts
-- it blanks to drop those no message holds any more. Same rule as 20261201000050: folded
-- words of 4 to 40 letters, distinct, in order (so concurrent sends take keys in one order).
CREATE FUNCTION parley_words(body text) RETURNS SETOF text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT DISTINCT w FROM regexp_split_to_table(parley_fold(body), '[^[:alpha:]]+') AS w
    WHERE length(w) BETWEEN 4 AND 40
    ORDER BY w
$$;

CREATE OR REPLACE FUNCTION parley_search_words() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO search_words (word) SELECT w FROM parley_words(NEW.body) AS w ORDER BY w
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
