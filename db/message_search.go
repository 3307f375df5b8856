package db

import (
	"context"
	"fmt"
	"slices"
	"strings"

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

// searchThread is one of the viewer's threads: no message of it that the viewer may see has an
// id above Top.
type searchThread struct {
	ID, HiddenUpTo, Top int64
}

// firstRound is how many threads the first round searches; each next round takes eight times
// more.
const firstRound = 64

// SearchMessages finds the messages the viewer can see whose body matches the words, newest
// first (the keyset is the message id: stable, and pages never repeat or skip a message).
//
// A search never scans the table's matches for a word, which for a common word are a fifth of
// all messages: it walks the viewer's threads by their newest message, in rounds of 64, 512,
// 4096, ... threads, each round one statement that takes the newest matches of those threads
// (per thread, from its index, or through the GIN index when the word is rare: the planner
// chooses by the word's statistics). It stops once no thread left can hold a message newer than
// the page's last. Threads are ordered by conversations.last_message_id, the id of a thread's
// newest message, which every send keeps (parley_send).
func (s *Store) SearchMessages(ctx context.Context, v Viewer, q MessageSearch) (*MessageHits, error) {
	res := &MessageHits{Typo: q.Typo}
	tsq := ""
	if !q.Typo {
		var err error
		if tsq, err = s.searchQuery(ctx, q.Words); err != nil {
			return nil, err
		}
		// Only stop words, or nothing found on a first page: try similar words instead.
		res.Typo = tsq == "" && q.Before == 0
	}
	threads, err := s.searchThreads(ctx, v, q.Before)
	if err != nil {
		return nil, err
	}
	if !res.Typo && tsq == "" {
		return res, nil
	}
	ids, convs, err := s.searchRounds(ctx, threads, q, res.Typo, tsq)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 && !res.Typo && q.Before == 0 {
		res.Typo = true
		if ids, convs, err = s.searchRounds(ctx, threads, q, true, ""); err != nil {
			return nil, err
		}
	}
	if len(ids) > q.Limit {
		ids, convs, res.HasMore = ids[:q.Limit], convs[:q.Limit], true
	}
	res.Hits, err = s.searchExcerpts(ctx, ids, convs, q.Words, res.Typo, tsq)
	return res, err
}

// searchQuery is the tsquery of the words: each word in Norwegian or English, all words.
// "" when every word is a stop word.
func (s *Store) searchQuery(ctx context.Context, words []string) (string, error) {
	if len(words) == 0 {
		return "", nil
	}
	parts := make([]string, len(words))
	args := make([]any, 0, 2*len(words))
	for i, w := range words {
		parts[i] = "(plainto_tsquery('public.parley_nb', ?) || plainto_tsquery('public.parley_en', ?))"
		args = append(args, w, w)
	}
	var tsq string
	err := s.DB.NewRaw("SELECT ("+strings.Join(parts, " && ")+")::text", args...).Scan(ctx, &tsq)
	if err != nil {
		return "", fmt.Errorf("search query: %w", err)
	}
	return tsq, nil
}

// searchThreads are the viewer's threads (of its marketplace, not deleted for it) that may hold
// a message it can see below before (0: any), newest first.
func (s *Store) searchThreads(ctx context.Context, v Viewer, before int64) ([]searchThread, error) {
	var ts []searchThread
	q := s.DB.NewSelect().TableExpr("participants AS p").
		Join("JOIN conversations AS c ON c.id = p.conversation_id").
		ColumnExpr("p.conversation_id AS id, p.hidden_up_to, c.last_message_id AS top").
		Where("p.party_id = ? AND p.kind = ? AND p.deleted_at IS NULL", v.Party(), v.Kind()).
		Where("c.last_message_id > p.hidden_up_to").
		OrderExpr("c.last_message_id DESC")
	if err := q.Scan(ctx, &ts); err != nil {
		return nil, fmt.Errorf("search threads: %w", err)
	}
	if before > 0 {
		for i := range ts {
			ts[i].Top = min(ts[i].Top, before-1)
		}
	}
	return ts, nil
}

// searchRounds returns the ids (newest first) and conversations of up to Limit+1 matches.
func (s *Store) searchRounds(ctx context.Context, threads []searchThread, q MessageSearch, typo bool, tsq string) (ids, convs []int64, err error) {
	type hit struct{ ID, Conv int64 }
	var hits []hit
	want := q.Limit + 1
	for i, size := 0, firstRound; i < len(threads); i, size = i+size, size*8 {
		if len(hits) == want && threads[i].Top < hits[want-1].ID {
			break // no thread left holds a message newer than the page's last
		}
		batch := threads[i:min(i+size, len(threads))]
		conv, hidden := make([]int64, len(batch)), make([]int64, len(batch))
		for j, t := range batch {
			conv[j], hidden[j] = t.ID, t.HiddenUpTo
		}
		sel := s.DB.NewSelect().TableExpr("messages AS m").
			ColumnExpr("m.id, m.conversation_id AS conv").
			Join("JOIN unnest(?::bigint[], ?::bigint[]) AS t (conv, hidden) ON m.conversation_id = t.conv", pgArray(conv), pgArray(hidden)).
			Where("m.id > t.hidden AND m.removed_at IS NULL").
			// id + 0: never walk the whole table's id index backwards hoping to meet the
			// viewer's threads; walk the threads (or the word's GIN entries) instead.
			OrderExpr("m.id + 0 DESC").Limit(want)
		if typo {
			sel.Where("? <% parley_fold(m.body)", strings.Join(q.Words, " "))
		} else {
			sel.Where("m.search_doc @@ ?::tsquery", tsq)
		}
		if q.Before > 0 {
			sel.Where("m.id < ?", q.Before)
		}
		var round []hit
		if err := sel.Scan(ctx, &round); err != nil {
			return nil, nil, fmt.Errorf("search messages: %w", err)
		}
		hits = append(hits, round...)
		slices.SortFunc(hits, func(a, b hit) int { return int(b.ID - a.ID) })
		hits = hits[:min(len(hits), want)]
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
func (s *Store) searchExcerpts(ctx context.Context, ids, convs []int64, words []string, typo bool, tsq string) ([]*MessageHit, error) {
	if len(ids) == 0 {
		return []*MessageHit{}, nil
	}
	var rows []struct {
		ID            int64
		Body, Excerpt string
	}
	body := `translate(m.body, E'\x01\x02', '')`
	sel := s.DB.NewSelect().TableExpr("messages AS m").ColumnExpr("m.id, m.body").Where("m.id IN (?)", bun.In(ids))
	if typo {
		sel.ColumnExpr("'' AS excerpt")
	} else {
		// The Norwegian reading marks the words it stems alike; when it marks none, the English.
		sel.ColumnExpr(`CASE WHEN strpos(h.nb, E'\x01') > 0 THEN h.nb
			ELSE ts_headline('public.parley_en', `+body+`, ?::tsquery, ?) END AS excerpt`, tsq, headlineOpts).
			Join(`CROSS JOIN LATERAL (SELECT ts_headline('public.parley_nb', `+body+`, ?::tsquery, ?) AS nb) AS h`, tsq, headlineOpts)
	}
	if err := sel.Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("search excerpts: %w", err)
	}
	hits := make([]*MessageHit, len(ids))
	for i, id := range ids {
		hits[i] = &MessageHit{MessageID: id, ConversationID: convs[i], Highlights: []TextRange{}}
	}
	for _, r := range rows {
		match := func(w string) bool { return similarWord(w, words) }
		if !typo {
			marked := markedWords(r.Excerpt)
			match = func(w string) bool { return marked[w] }
		}
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
