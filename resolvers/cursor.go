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

func timeCursor(at time.Time, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("t:" + at.UTC().Format(time.RFC3339Nano) + "|" + strconv.FormatInt(id, 10)))
}

// inboxCursor is a thread's place in the inbox: a pinned thread's is its pin time ("p:").
func inboxCursor(t *db.Thread) string {
	if t.PinnedAt != nil {
		return base64.RawURLEncoding.EncodeToString([]byte("p:" + t.PinnedAt.UTC().Format(time.RFC3339Nano) + "|" + strconv.FormatInt(t.ID, 10)))
	}
	return timeCursor(t.LastActivityAt, t.ID)
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
