-- Workshop search folds accents: "Grunerlokka" finds "Grünerløkka". The search text and
-- document are stored unaccented (unaccent's default rules also turn ø into o and æ into ae),
-- and the store unaccents the query the same way.
CREATE EXTENSION IF NOT EXISTS unaccent;

UPDATE workshops AS w SET
    search_text = unaccent(concat_ws(' ', w.name, w.address_line, w.postal_code, w.city, x.services, x.categories)),
    search_doc = setweight(to_tsvector('simple', unaccent(w.name)), 'A')
        || setweight(to_tsvector('simple', unaccent(concat_ws(' ', w.address_line, w.postal_code, w.city))), 'B')
        || setweight(to_tsvector('simple', unaccent(concat_ws(' ', x.services, x.categories))), 'C')
FROM (SELECT w2.org_nr,
        (SELECT string_agg(s.name || ' ' || s.category, ' ') FROM workshop_services AS s WHERE s.org_nr = w2.org_nr) AS services,
        (SELECT string_agg(v #>> '{}', ' ')
           FROM jsonb_path_query(w2.categories, 'strict $.** ? (@.type() == "string")') AS v) AS categories
      FROM workshops AS w2) AS x
WHERE x.org_nr = w.org_nr;
