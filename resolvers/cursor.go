package resolvers

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/parley/parley/db"
)

// Cursors are opaque to clients. A message cursor is its id; list cursors are (time, id).

func messageCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("m:" + strconv.FormatInt(id, 10)))
}

func parseMessageCursor(field string, c *string) (int64, error) {
	if c == nil || *c == "" || *c == "0" { // "0": before the first message
		return 0, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(*c)
	if key, ok := strings.CutPrefix(string(raw), "m:"); err == nil && ok {
		if n, err := strconv.ParseInt(key, 10, 64); err == nil && n > 0 {
			return n, nil
		}
	}
	// A message id (global, prefixed or plain) is a cursor too.
	return parseIntID(field, "Message", *c)
}

func timeCursor(at time.Time, id int64) string { return placeCursor("t:", at, id) }

// inboxCursor is a thread's place in the inbox: a pinned thread's is its pin time ("p:").
func inboxCursor(t *db.Thread) string {
	if t.PinnedAt != nil {
		return placeCursor("p:", *t.PinnedAt, t.ID)
	}
	return timeCursor(t.LastActivityAt, t.ID)
}

// placeCursor is base64(prefix + RFC 3339 UTC time + "|" + id), built on the stack: a page
// writes one per row.
func placeCursor(prefix string, at time.Time, id int64) string {
	var b [64]byte
	raw := append(b[:0], prefix...)
	raw = at.UTC().AppendFormat(raw, time.RFC3339Nano)
	raw = append(raw, '|')
	raw = strconv.AppendInt(raw, id, 10)
	var out [96]byte
	return string(base64.RawURLEncoding.AppendEncode(out[:0], raw))
}

func parseInboxCursor(field string, c *string) (*db.InboxCursor, error) {
	if c == nil || *c == "" {
		return nil, nil
	}
	raw, _ := base64.RawURLEncoding.DecodeString(*c)
	if body, ok := strings.CutPrefix(string(raw), "p:"); ok {
		t := base64.RawURLEncoding.EncodeToString([]byte("t:" + body))
		cur, err := parseTimeCursor(field, &t)
		if cur != nil {
			cur.Pinned = true
		}
		return cur, err
	}
	return parseTimeCursor(field, c)
}

func parseTimeCursor(field string, c *string) (*db.InboxCursor, error) {
	if c == nil || *c == "" {
		return nil, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(*c)
	body, ok := strings.CutPrefix(string(raw), "t:")
	ts, idStr, ok2 := strings.Cut(body, "|")
	if err != nil || !ok || !ok2 {
		return nil, db.Invalid(field, "is not a cursor this list gave out")
	}
	at, err1 := time.Parse(time.RFC3339Nano, ts)
	id, err2 := strconv.ParseInt(idStr, 10, 64)
	if err1 != nil || err2 != nil {
		return nil, db.Invalid(field, "is not a cursor this list gave out")
	}
	return &db.InboxCursor{At: at, ID: id}, nil
}

// pageSize bounds a client's page size; field names the argument in the error.
func pageSize(field string, n *int, def, maxN int) (int, error) {
	if n == nil {
		return def, nil
	}
	if *n < 0 || *n > maxN {
		return 0, db.Invalid(field, "must be between 0 and %d", maxN)
	}
	return *n, nil
}

func offsetArg(n *int) (int, error) {
	if n == nil {
		return 0, nil
	}
	if *n < 0 || *n > MaxOffset {
		return 0, db.Invalid("offset", "must be between 0 and %d", MaxOffset)
	}
	return *n, nil
}
