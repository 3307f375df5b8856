package db

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// MessageSearch is one page of a search of the viewer's messages.
type MessageSearch struct {
	Words  []string // the query's words, bounded by the caller
	Limit  int
	Before int64 // keyset: only messages with a smaller id (0: from the newest)
	// Typo searches by trigram word similarity instead of full text. A first page falls back to
	// it by itself when full text finds nothing; the cursors of its pages keep it.
	Typo bool
}

// MessageHit is a message that matched, with an excerpt of its body and the matched words'
// places in the excerpt, counted in Unicode code points (the excerpt is plain text: a client
// marks the ranges itself, so no markup ever comes from a message).
type MessageHit struct {
	MessageID      int64
	ConversationID int64
	Excerpt        string
	Highlights     []TextRange
}

// TextRange is a run of Length code points from Start.
type TextRange struct{ Start, Length int }

// MessageHits is one page of hits, newest first.
type MessageHits struct {
	Hits    []*MessageHit
	HasMore bool
	Typo    bool // the page was found by typo tolerance
}

// firstRound is how many threads the first round searches; each next round takes eight times
// more.
const firstRound = 64

// SearchMessages finds the messages the viewer can see whose body matches the words, newest
// first (the keyset is the message id: stable, and pages never repeat or skip a message).
//
// A search never reads all of a common word's matches, which are a fifth of all messages. When
// the planner's statistics expect few matches over all threads (rareMatches), it reads them
// through the GIN index and keeps the viewer's. Otherwise it walks the viewer's threads by
// last activity (its open and archived threads, two indexes), in rounds of 64, 512, 4096, ... threads, each round one
// statement that takes each thread's newest matches from the thread's own index, and stops
// once no thread left can hold a message newer than the page's last (searchRounds). A first page with no hit is searched again for the known words most like
// the query's (search_words), and says so (Typo).
func (s *Store) SearchMessages(ctx context.Context, v Viewer, q MessageSearch) (*MessageHits, error) {
	res := &MessageHits{Typo: q.Typo}
	words := q.Words
	if q.Typo {
		var err error
		if words, err = s.similarWords(ctx, q.Words); err != nil || words == nil {
			return &MessageHits{Typo: true, Hits: []*MessageHit{}}, err
		}
	}
	tsq, err := s.searchQuery(ctx, words)
	if err != nil {
		return nil, err
	}
	ids, convs, err := s.searchMatches(ctx, v, q, tsq)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 && !q.Typo && q.Before == 0 {
		// Nothing on a first page: search for the known words like the query's instead.
		q.Typo = true
		return s.SearchMessages(ctx, v, q)
	}
	if len(ids) > q.Limit {
		ids, convs, res.HasMore = ids[:q.Limit], convs[:q.Limit], true
	}
	res.Hits, err = s.searchExcerpts(ctx, ids, convs, tsq)
	return res, err
}

// rareMatches is how many matches over all threads the planner may expect for the search to
// read them all through the GIN index instead of walking the viewer's threads. A word missing
// from search_doc's most common elements (any rare one) is estimated at 0.5 % of the messages
// per stemming, two stemmings a word: about 10,000 at 1M messages. The bound sits well above
// that, or a rare word falls either side of it with each ANALYZE and takes the thread walk
// (62 ms instead of 7 for a workshop of 5,000 threads at 1M, BENCHMARKS.md).
const rareMatches = 20000

// searchMatches returns the ids (newest first) and conversations of up to Limit+1 matches of
// tsq. A rare word is read from the GIN index and filtered by the viewer's threads; a common
// one by walking the viewer's threads (searchRounds).
func (s *Store) searchMatches(ctx context.Context, v Viewer, q MessageSearch, tsq string) (ids, convs []int64, err error) {
	if tsq == "" {
		return nil, nil, nil
	}
	var plan []struct {
		Plan struct {
			Rows float64 `json:"Plan Rows"`
		}
	}
	var raw []byte
	err = s.DB.NewRaw("EXPLAIN (FORMAT JSON) SELECT 1 FROM messages AS m WHERE m.search_doc @@ ?::tsquery AND m.removed_at IS NULL", tsq).Scan(ctx, &raw)
	if err == nil {
		err = json.Unmarshal(raw, &plan)
	}
	if err != nil || len(plan) != 1 {
		return nil, nil, fmt.Errorf("search estimate: %w", err)
	}
	rare := float64(rareMatches)
	if s.SearchRareMatches != 0 {
		rare = s.SearchRareMatches
	}
	if plan[0].Plan.Rows > rare {
		return s.searchRounds(ctx, v, q, tsq)
	}
	before := int64(math.MaxInt64)
	if q.Before > 0 {
		before = q.Before
	}
	// MATERIALIZED: the matches come from the GIN index, then the viewer's threads filter them.
	// Left to itself the planner may instead walk a workshop's 5,000 threads' messages.
	var hits []struct{ ID, Conv int64 }
	err = s.DB.NewRaw(`WITH hits AS MATERIALIZED (
			SELECT m.id, m.conversation_id FROM messages AS m
			WHERE m.search_doc @@ ?0::tsquery AND m.removed_at IS NULL AND m.id < ?3)
		SELECT h.id, h.conversation_id AS conv FROM hits AS h
		JOIN participants AS p ON p.conversation_id = h.conversation_id AND p.party_id = ?1 AND p.kind = ?2
		WHERE p.deleted_at IS NULL AND h.id > p.hidden_up_to
			AND NOT EXISTS (SELECT 1 FROM message_hides AS x WHERE x.party_id = ?1 AND x.message_id = h.id)
		ORDER BY h.id DESC LIMIT ?4`, tsq, v.Party(), v.Kind(), before, q.Limit+1).Scan(ctx, &hits)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, nil, fmt.Errorf("search messages: %w", err)
	}
	for _, h := range hits {
		ids, convs = append(ids, h.ID), append(convs, h.Conv)
	}
	return ids, convs, nil
}

// similarWords are, for each word, the known words most like it (search_words), to search for
// instead; nil when a word has none.
func (s *Store) similarWords(ctx context.Context, words []string) ([]string, error) {
	var out []string
	for _, w := range words {
		var like []string
		err := s.DB.NewRaw(`SELECT word FROM search_words WHERE word % parley_fold(?0)
			ORDER BY similarity(word, parley_fold(?0)) DESC, word LIMIT 5`, w).Scan(ctx, &like)
		if err != nil {
			return nil, fmt.Errorf("similar words: %w", err)
		}
		if len(like) == 0 {
			return nil, nil
		}
		out = append(out, strings.Join(like, " "))
	}
	return out, nil
}

// searchQuery is the tsquery of the words: each word in Norwegian or English, all words. A
// "word" of several (a typo's alternatives) matches any of them. "" when every word is a stop word.
func (s *Store) searchQuery(ctx context.Context, words []string) (string, error) {
	if len(words) == 0 {
		return "", nil
	}
	parts := make([]string, len(words))
	args := make([]any, 0, 2*len(words))
	for i, w := range words {
		var alts []string
		for _, a := range strings.Fields(w) {
			alts = append(alts, "plainto_tsquery('public.parley_nb', ?) || plainto_tsquery('public.parley_en', ?)")
			args = append(args, a, a)
		}
		parts[i] = "(" + strings.Join(alts, " || ") + ")"
	}
	var tsq string
	err := s.DB.NewRaw("SELECT ("+strings.Join(parts, " && ")+")::text", args...).Scan(ctx, &tsq)
	if err != nil {
		return "", fmt.Errorf("search query: %w", err)
	}
	return tsq, nil
}

// sendSkew bounds how much earlier than a message with a smaller id a message may have been
// created: created_at is its transaction's start, the id is taken later in the transaction,
// and the server's statements give up after 10 s.
const sendSkew = time.Minute

// searchBatch is a round's threads, and where the next round starts.
type searchBatch struct {
	conv, hidden []int64
	lastAt       time.Time // the last thread's last activity: no later thread's is after it
	lastID       int64
}

// nextThreadsSQL is the next ?2 of party ?0's threads of kind ?1 that it has not deleted, by
// last activity, after the keyset %s: the open ones (participants_open_idx) and the archived
// ones (participants_closed_idx), each a keyset scan bounded by the batch, merged.
const nextThreadsSQL = `SELECT t.* FROM (
	(SELECT p.conversation_id AS id, p.hidden_up_to, p.last_activity_at FROM participants AS p
	WHERE p.party_id = ?0 AND p.kind = ?1 AND p.deleted_at IS NULL AND p.archived_at IS NULL %[1]s
	ORDER BY p.last_activity_at DESC, p.conversation_id DESC LIMIT ?2)
	UNION ALL
	(SELECT p.conversation_id AS id, p.hidden_up_to, p.last_activity_at FROM participants AS p
	WHERE p.party_id = ?0 AND p.kind = ?1 AND p.deleted_at IS NULL AND p.archived_at IS NOT NULL %[1]s
	ORDER BY p.last_activity_at DESC, p.conversation_id DESC LIMIT ?2)
) AS t ORDER BY t.last_activity_at DESC, t.id DESC LIMIT ?2`

// nextThreads are the viewer's next size threads (of its marketplace, not deleted for it) by
// last activity, after b's last (nextThreadsSQL).
func (s *Store) nextThreads(ctx context.Context, v Viewer, b *searchBatch, size int) error {
	var rows []struct {
		ID, HiddenUpTo int64
		LastActivityAt time.Time
	}
	keyset := ""
	if b.lastID > 0 {
		keyset = "AND (p.last_activity_at, p.conversation_id) < (?3, ?4)"
	}
	q := s.DB.NewRaw(fmt.Sprintf(nextThreadsSQL, keyset), v.Party(), v.Kind(), size, b.lastAt, b.lastID)
	if err := q.Scan(ctx, &rows); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("search threads: %w", err)
	}
	b.conv, b.hidden = b.conv[:0], b.hidden[:0]
	for _, r := range rows {
		b.conv, b.hidden = append(b.conv, r.ID), append(b.hidden, r.HiddenUpTo)
		b.lastAt, b.lastID = r.LastActivityAt, r.ID
	}
	return nil
}

// searchRounds returns the ids (newest first) and conversations of up to Limit+1 matches,
// walking the viewer's threads by last activity. A thread's last activity is at or after its
// newest message's creation (every send sets both), so once the page is full and the threads
// left were last active more than sendSkew before the page's last hit was created, none of
// them holds a newer message.
func (s *Store) searchRounds(ctx context.Context, v Viewer, q MessageSearch, tsq string) (ids, convs []int64, err error) {
	type hit struct {
		ID, Conv  int64
		CreatedAt time.Time
	}
	var hits []hit
	want := q.Limit + 1
	b := &searchBatch{}
	for size := firstRound; ; size *= 8 {
		if err := s.nextThreads(ctx, v, b, size); err != nil {
			return nil, nil, err
		}
		if len(b.conv) == 0 {
			break
		}
		// Once the page is full, only messages newer than its last can still enter it.
		if len(hits) == want {
			for j := range b.hidden {
				b.hidden[j] = max(b.hidden[j], hits[want-1].ID)
			}
		}
		// Per thread, its newest matches from its own index, stopping at want; then the
		// round's newest. The threads' own indexes bound the work by the viewer's history.
		inner := s.DB.NewSelect().TableExpr("messages AS m").ColumnExpr("m.id, m.conversation_id AS conv, m.created_at").
			Where("m.conversation_id = t.conv AND m.id > t.hidden AND m.removed_at IS NULL").
			Where("m.search_doc @@ ?::tsquery", tsq).
			Where(hiddenCond, v.Party()).
			OrderExpr("m.id DESC").Limit(want)
		if q.Before > 0 {
			inner.Where("m.id < ?", q.Before)
		}
		sel := s.DB.NewSelect().ColumnExpr("h.id, h.conv, h.created_at").
			TableExpr("unnest(?::bigint[], ?::bigint[]) AS t (conv, hidden)", pgArray(b.conv), pgArray(b.hidden)).
			Join("CROSS JOIN LATERAL (?) AS h", inner).
			OrderExpr("h.id DESC").Limit(want)
		var round []hit
		if err := sel.Scan(ctx, &round); err != nil {
			return nil, nil, fmt.Errorf("search messages: %w", err)
		}
		hits = append(hits, round...)
		slices.SortFunc(hits, func(a, b hit) int { return cmp.Compare(b.ID, a.ID) })
		hits = hits[:min(len(hits), want)]
		if len(b.conv) < size || (len(hits) == want && b.lastAt.Before(hits[want-1].CreatedAt.Add(-sendSkew))) {
			break
		}
	}
	for _, h := range hits {
		ids, convs = append(ids, h.ID), append(convs, h.Conv)
	}
	return ids, convs, nil
}

// Highlight marks ts_headline puts around matched words; bodies lose them before.
const (
	markOn  = "\x01"
	markOff = "\x02"
)

// headlineOpts mark every matched word: ts_headline only says which words matched (it drops
// what its parser takes for tags), the excerpt is cut from the body as sent.
const headlineOpts = `StartSel=` + markOn + `, StopSel=` + markOff + `, HighlightAll=true`

// searchExcerpts makes the hits of one page: excerpts cost a pass over each body, so only the
// page's rows get one.
func (s *Store) searchExcerpts(ctx context.Context, ids, convs []int64, tsq string) ([]*MessageHit, error) {
	if len(ids) == 0 {
		return []*MessageHit{}, nil
	}
	var rows []struct {
		ID            int64
		Body, Excerpt string
	}
	body := `translate(m.body, E'\x01\x02', '')`
	sel := s.DB.NewSelect().TableExpr("messages AS m").ColumnExpr("m.id, m.body").Where("m.id IN (?)", bun.In(ids))
	// The Norwegian reading marks the words it stems alike; when it marks none, the English.
	sel.ColumnExpr(`CASE WHEN strpos(h.nb, E'\x01') > 0 THEN h.nb
		ELSE ts_headline('public.parley_en', `+body+`, ?::tsquery, ?) END AS excerpt`, tsq, headlineOpts).
		Join(`CROSS JOIN LATERAL (SELECT ts_headline('public.parley_nb', `+body+`, ?::tsquery, ?) AS nb) AS h`, tsq, headlineOpts)
	if err := sel.Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("search excerpts: %w", err)
	}
	hits := make([]*MessageHit, len(ids))
	for i, id := range ids {
		hits[i] = &MessageHit{MessageID: id, ConversationID: convs[i], Highlights: []TextRange{}}
	}
	for _, r := range rows {
		marked := markedWords(r.Excerpt)
		match := func(w string) bool { return marked[w] }
		for _, h := range hits {
			if h.MessageID == r.ID {
				h.Excerpt, h.Highlights = excerpt(r.Body, match)
			}
		}
	}
	return hits, nil
}

// markedWords are the words ts_headline marked in s.
func markedWords(s string) map[string]bool {
	out := map[string]bool{}
	for {
		_, rest, ok := strings.Cut(s, markOn)
		if !ok {
			return out
		}
		w, after, _ := strings.Cut(rest, markOff)
		out[w], s = true, after
	}
}
