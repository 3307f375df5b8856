package resolvers

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/parley/parley/db"
	"github.com/parley/parley/graph"
)

// Bounds of a message search, checked before any work.
const (
	maxSearchChars = 200
	maxSearchWords = 8
	maxSearchPage  = 50
)

type messageSearchHitResolver struct{ *Resolver }

var _ graph.MessageSearchHitResolver = (*messageSearchHitResolver)(nil)

func (r *Resolver) MessageSearchHit() graph.MessageSearchHitResolver {
	return &messageSearchHitResolver{r}
}

// SearchMessages searches the messages of every conversation the viewer can see (db.SearchMessages).
func (r *queryResolver) SearchMessages(ctx context.Context, query string, first *int, after *string) (*graph.MessageSearchConnection, error) {
	v, err := viewer(ctx)
	if err != nil {
		return nil, err
	}
	limit, err := pageSize("first", first, 20, maxSearchPage)
	if err != nil {
		return nil, err
	}
	words, err := searchWords(query)
	if err != nil {
		return nil, err
	}
	before, typo, err := parseSearchCursor(after)
	if err != nil {
		return nil, err
	}
	res, err := r.Store.SearchMessages(ctx, v, db.MessageSearch{Words: words, Limit: limit, Before: before, Typo: typo})
	if err != nil {
		return nil, err
	}
	conn := &graph.MessageSearchConnection{
		Edges:        make([]*graph.MessageSearchEdge, len(res.Hits)),
		PageInfo:     &graph.PageInfo{HasNextPage: res.HasMore, HasPreviousPage: before > 0},
		TypoTolerant: res.Typo,
	}
	for i, h := range res.Hits {
		conn.Edges[i] = &graph.MessageSearchEdge{Cursor: searchCursor(h.MessageID, res.Typo), Node: h}
	}
	if n := len(conn.Edges); n > 0 {
		conn.PageInfo.StartCursor, conn.PageInfo.EndCursor = &conn.Edges[0].Cursor, &conn.Edges[n-1].Cursor
	}
	return conn, nil
}

// searchWords are the query's words, lower-cased; an empty query or one over the bounds is
// refused.
func searchWords(query string) ([]string, error) {
	if utf8.RuneCountInString(query) > maxSearchChars {
		return nil, db.Invalid("query", "must be at most %d characters", maxSearchChars)
	}
	words := strings.FieldsFunc(strings.ToLower(query), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	switch {
	case len(words) == 0:
		return nil, db.Invalid("query", "must have a word to search for")
	case len(words) > maxSearchWords:
		return nil, db.Invalid("query", "must be at most %d words", maxSearchWords)
	}
	return words, nil
}

// A search cursor is the hit's message id and whether the pages are typo-tolerant, so a next
// page searches the same way as the first.
func searchCursor(id int64, typo bool) string {
	mode := "f"
	if typo {
		mode = "t"
	}
	return base64.RawURLEncoding.EncodeToString([]byte("s" + mode + ":" + strconv.FormatInt(id, 10)))
}

func parseSearchCursor(c *string) (before int64, typo bool, err error) {
	if c == nil || *c == "" {
		return 0, false, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(*c)
	s := string(raw)
	if err == nil && len(s) > 3 && (s[:3] == "sf:" || s[:3] == "st:") {
		if n, err := strconv.ParseInt(s[3:], 10, 64); err == nil && n > 0 {
			return n, s[1] == 't', nil
		}
	}
	return 0, false, db.Invalid("after", "is not a cursor this search gave out")
}

// Message is the hit's message; the search only returns messages the viewer can see.
func (r *messageSearchHitResolver) Message(ctx context.Context, h *db.MessageHit) (*db.Message, error) {
	return loadOne(ctx, r.loaders(ctx).messages, h.MessageID)
}

// Conversation is the hit's thread as the viewer sees it.
func (r *messageSearchHitResolver) Conversation(ctx context.Context, h *db.MessageHit) (*db.Thread, error) {
	return loadOne(ctx, r.loaders(ctx).threads, h.ConversationID)
}
