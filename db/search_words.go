package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/uptrace/bun"
)

// The typo lexicon (search_words, migration 20261201000050) gains the words of every text
// sent. An erasure and an unsend take them out again when no message holds them any more, so
// that a word only the erased or unsent text had (a name, an address) is no one's suggestion.

// messageWords lists the words the messages ids say and said (their bodies and edit
// history), as the lexicon keeps them (parley_words). Read before the texts are blanked.
func messageWords(ctx context.Context, tx bun.Tx, ids []int64) ([]string, error) {
	var words []string
	err := tx.NewRaw(`SELECT DISTINCT w FROM (
			SELECT body FROM messages WHERE id = ANY(?0::bigint[])
			UNION ALL SELECT previous_body FROM message_edits WHERE message_id = ANY(?0::bigint[])
		) AS t (body), parley_words(t.body) AS w`, pgArray(ids)).Scan(ctx, &words)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("list the words of messages: %w", err)
	}
	return words, nil
}

// unusedWords keeps, of words, those that no message (not removed) holds any more. A word is
// held while a message has its stems, Norwegian and English (one probe of the GIN index on
// search_doc each); a word whose stem the planner's statistics count among the most common
// lexemes of messages is held without a probe (such a word is no one's secret, and its probe
// would read a long posting list). A stop word in both languages is always held. A word that
// only shares its stems with another word ("bilene", "bilen") is held too: that is the
// price of one probe instead of reading bodies.
const unusedWords = `WITH common AS (
		SELECT coalesce((SELECT most_common_elems::text::text[] FROM pg_stats
			WHERE schemaname = current_schema() AND tablename = 'messages' AND attname = 'search_doc'), '{}') AS lexemes
	), stems AS (
		SELECT w, plainto_tsquery('public.parley_nb', w) AS nb, plainto_tsquery('public.parley_en', w) AS en
		FROM unnest(?::text[]) AS w
	)
	SELECT s.w FROM stems AS s, common
	WHERE numnode(s.nb) + numnode(s.en) > 0
		AND NOT (tsvector_to_array(to_tsvector('public.parley_nb', s.w)) && common.lexemes
			OR tsvector_to_array(to_tsvector('public.parley_en', s.w)) && common.lexemes)
		AND NOT EXISTS (SELECT 1 FROM messages AS m WHERE m.removed_at IS NULL AND m.search_doc @@ (CASE
			WHEN numnode(s.nb) = 0 THEN s.en WHEN numnode(s.en) = 0 THEN s.nb ELSE s.nb && s.en END))`

// pruneSearchWords deletes from search_words those of words (read by messageWords before the
// texts were blanked, and committed since) that no message holds any more. The probes only
// read, outside any transaction; the delete is one short statement. A send that adds such a
// word again while this runs may lose it from the lexicon: the word then misses typo
// suggestions, and full-text search still finds it. A failure is logged, not returned: the
// text itself is gone already.
func (s *Store) pruneSearchWords(ctx context.Context, words []string) {
	if len(words) == 0 {
		return
	}
	ctx = context.WithoutCancel(ctx)
	for len(words) > 0 {
		n := min(len(words), pruneBatch)
		if err := s.pruneSome(ctx, words[:n]); err != nil {
			slog.Warn("prune the typo lexicon", "words", n, "err", err)
		}
		words = words[n:]
	}
}

// pruneBatch is how many words one probe statement checks.
const pruneBatch = 500

func (s *Store) pruneSome(ctx context.Context, words []string) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	var unused []string
	err := s.DB.NewRaw(unusedWords, pgArray(words)).Scan(ctx, &unused)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if len(unused) == 0 {
		return nil
	}
	_, err = s.DB.NewRaw("DELETE FROM search_words WHERE word = ANY(?::text[])", pgArray(unused)).Exec(ctx)
	return err
}
