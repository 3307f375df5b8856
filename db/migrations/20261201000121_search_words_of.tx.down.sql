CREATE OR REPLACE FUNCTION parley_search_words() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO search_words (word)
    SELECT DISTINCT w FROM regexp_split_to_table(parley_fold(NEW.body), '[^[:alpha:]]+') AS w
    WHERE length(w) BETWEEN 4 AND 40
    ORDER BY w
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
DROP FUNCTION parley_words(text);
