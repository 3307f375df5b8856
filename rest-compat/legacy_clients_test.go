package restcompat_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/parley/parley/cmd/parley/app/apptest"
)

// Tests of details older clients rely on: times they send back, page sizes, idempotent sends.

// A message's created_at sent back as last_read_at marks exactly that message read.
func TestCOLastReadAtOfAMessageMarksIt(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	ola := e.User(t, "co-ola")
	r := call(t, e, ola, "GET", "/api/co/messages/thread/1001", nil)
	msgs, _ := r.Body["data"].([]any)
	if r.Status != 200 || len(msgs) != 3 {
		t.Fatalf("thread = %d %s", r.Status, r.Raw)
	}
	second := get(msgs, 1, "created_at").(string) // the workshop's first reply
	r = call(t, e, ola, "POST", "/api/co/messages/mark-read", map[string]any{"thread_id": threadOf(t, e, 1001), "last_read_at": second})
	if r.Status != 200 || r.Body["updated"] != 1.0 || r.Body["unread_count"] != 1.0 {
		t.Fatalf("mark read up to the second message's created_at = %d %s", r.Status, r.Raw)
	}
}

// A time given to the second, as older versions showed them, covers that whole second.
func TestCOLastReadAtToTheSecondCoversTheSecond(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	last := lastMessageOf(t, e, 1001)
	var created string
	if err := e.Store.DB.NewRaw(`SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') FROM messages WHERE id = ?`, last).
		Scan(t.Context(), &created); err != nil {
		t.Fatal(err)
	}
	r := call(t, e, e.User(t, "co-ola"), "POST", "/api/co/messages/thread/1001/read-up-to", map[string]any{"last_read_at": created})
	if r.Status != 200 || r.Body["unread_count"] != 0.0 {
		t.Fatalf("read up to %s = %d %s", created, r.Status, r.Raw)
	}
}

// last_read_at is checked even when last_read_id decides.
func TestCOLastReadAtIsCheckedBesideLastReadID(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	ola := e.User(t, "co-ola")
	body := map[string]any{"thread_id": threadOf(t, e, 1001), "last_read_id": lastMessageOf(t, e, 1001), "last_read_at": "yesterday"}
	for _, path := range []string{"/api/co/messages/mark-read", "/api/co/messages/thread/1001/read-up-to"} {
		r := call(t, e, ola, "POST", path, body)
		if r.Status != 400 || get(r.Body, "error", "field") != "last_read_at" {
			t.Fatalf("%s with a malformed last_read_at = %d %s", path, r.Status, r.Raw)
		}
	}
	if n := scalar(t, e, `SELECT count(*) FROM message_reads`); n != 0 {
		t.Fatalf("a refused mark-read marked %d messages", n)
	}
}

// Walking a marketplace conversation back with before=<oldest sent_at> meets every message
// once, and every sent_at is the stored time exactly.
func TestMKBeforeOldestSentAtPagesWithoutGaps(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	lise := e.User(t, "usr_lise")
	conv := convOf(t, e, "golf7")
	base := "/v1/messages/conversations/" + conv + "?limit=1"
	path, seen := base, 0
	for range 5 {
		data := mkOK(t, path, call(t, e, lise, "GET", path, nil), 200)
		msgs := data["messages"].([]any)
		if len(msgs) == 0 {
			break
		}
		seen++
		sent, id := get(msgs, 0, "sent_at").(string), get(msgs, 0, "id").(string)
		if n := scalar(t, e, `SELECT count(*) FROM messages WHERE 'msg_' || id = ? AND created_at = ?::timestamptz`, id, sent); n != 1 {
			t.Fatalf("%s sent_at %s is not its stored time", id, sent)
		}
		path = base + "&before=" + url.QueryEscape(sent)
	}
	if seen != 3 {
		t.Fatalf("walking back with before met %d of 3 messages", seen)
	}
}

// A page size above the maximum is served as the maximum, and meta (or pagination) says so.
func TestPageSizeAboveTheMaximumIsClamped(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	ola, per, ws := e.User(t, "co-ola"), e.User(t, "usr_per"), e.User(t, "ws-bilfix")
	cases := []struct {
		c          apptest.Creds
		path       string
		size       []any // where the size and the clamped flag are
		clampedKey string
	}{
		{ola, "/api/co/messages/inbox?page_size=200", []any{"meta", "page_size"}, "page_size_clamped"},
		{ola, "/api/co/messages/thread/1001?size=200", []any{"meta", "page_size"}, "page_size_clamped"},
		{ola, "/api/co/notifications?page_size=200", []any{"meta", "page_size"}, "page_size_clamped"},
		{ws, "/api/ws/messages?size=200", []any{"meta", "page_size"}, "page_size_clamped"},
		{ws, "/api/ws/messages/thread/1001?page_size=200", []any{"meta", "page_size"}, "page_size_clamped"},
		{per, "/v1/messages/conversations?limit=200", []any{"data", "pagination", "limit"}, "limit_clamped"},
		{per, "/v1/messages/conversations/" + convOf(t, e, "tesla3") + "?limit=200", []any{"data", "pagination", "limit"}, "limit_clamped"},
		{per, "/api/notifications?limit=200", []any{"data", "pagination", "limit"}, "limit_clamped"},
		{ola, "/api/co/filters/search?q=bil&limit=200", nil, ""},
	}
	for _, c := range cases {
		r := call(t, e, c.c, "GET", c.path, nil)
		if r.Status != 200 {
			t.Errorf("%s = %d %s", c.path, r.Status, r.Raw)
			continue
		}
		if c.size == nil {
			continue
		}
		block := get(r.Body, c.size[:len(c.size)-1]...)
		if get(block, c.size[len(c.size)-1]) != 100.0 || get(block, c.clampedKey) != true {
			t.Errorf("%s: paging block = %v", c.path, block)
		}
	}
	// Links keep the client's own size parameter, at the size served.
	r := call(t, e, ola, "GET", "/api/co/messages/thread/1001?size=200", nil)
	if self, _ := get(r.Body, "links", "self").(string); !strings.Contains(self, "size=100") || strings.Contains(self, "200") {
		t.Errorf("self link = %v", self)
	}
	// The same page ceiling on every route, and nonsense is still a 400.
	for _, path := range []string{"/api/co/notifications?page=10001", "/api/co/messages/inbox?page=10001", "/api/co/messages/inbox?page_size=0"} {
		if r := call(t, e, ola, "GET", path, nil); r.Status != 400 {
			t.Errorf("%s = %d %s", path, r.Status, r.Raw)
		}
	}
	if r := call(t, e, per, "GET", "/v1/messages/conversations?page=10001", nil); r.Status != 400 {
		t.Errorf("marketplace page 10001 = %d %s", r.Status, r.Raw)
	}
}

// q wins over query on every route that searches; query alone is read as q.
func TestSearchQWinsOverQuery(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	ola := e.User(t, "co-ola")
	r := call(t, e, ola, "GET", "/api/co/filters/search?q=Bergen&query=Dekk", nil)
	if r.Status != 200 || r.Body["query"] != "Bergen" || get(r.Body, "results", 0, "name") != "Bergen Bilverksted" {
		t.Fatalf("search with q and query = %d %s", r.Status, r.Raw)
	}
	for path, want := range map[string]float64{
		"/api/co/messages/inbox?query=Bilfix":        1,
		"/api/co/messages/inbox?q=Bilfix&query=Dekk": 1,
		"/api/co/messages/inbox?q=&query=Dekk":       1,
	} {
		r := call(t, e, ola, "GET", path, nil)
		if r.Status != 200 || get(r.Body, "meta", "total") != want {
			t.Errorf("%s = %d %s", path, r.Status, r.Raw)
		}
	}
	r = call(t, e, ola, "GET", "/api/co/messages/inbox?q=Bilfix&query=Dekk", nil)
	if get(r.Body, "data", 0, "booking_id") != 1001.0 {
		t.Errorf("q did not win: %s", r.Raw)
	}
}
