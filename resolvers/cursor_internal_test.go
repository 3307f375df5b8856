package resolvers

import (
	"encoding/base64"
	"strconv"
	"testing"
	"time"

	"github.com/parley/parley/db"
)

// Cursors built on the stack read as they did when built by string concatenation: clients
// hold cursors across deploys.
func TestPlaceCursorKeepsItsText(t *testing.T) {
	oslo := time.FixedZone("CET", 3600)
	for _, at := range []time.Time{
		time.Date(2026, 11, 30, 23, 3, 14, 123456789, oslo),
		time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
	} {
		for _, id := range []int64{1, 9223372036854775807} {
			want := base64.RawURLEncoding.EncodeToString([]byte("t:" + at.UTC().Format(time.RFC3339Nano) + "|" + strconv.FormatInt(id, 10)))
			if got := timeCursor(at, id); got != want {
				t.Errorf("timeCursor(%v, %d) = %q, want %q", at, id, got, want)
			}
			pinned := &db.Thread{PinnedAt: &at}
			pinned.ID = id
			want = base64.RawURLEncoding.EncodeToString([]byte("p:" + at.UTC().Format(time.RFC3339Nano) + "|" + strconv.FormatInt(id, 10)))
			if got := inboxCursor(pinned); got != want {
				t.Errorf("inboxCursor(pinned %v, %d) = %q, want %q", at, id, got, want)
			}
		}
	}
}
