package restcompat_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/parley/parley/server/apptest"
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

// Every REST send route takes an Idempotency-Key header or a client_message_id field: a retry
// returns the first message, a different message under the same key is a 409.
func TestSendRoutesAreIdempotent(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	ola, shop, per := e.User(t, "co-ola"), e.User(t, "ws-bilfix"), e.User(t, "usr_per")
	conv := convOf(t, e, "tesla3")
	cases := []struct {
		name   string
		c      apptest.Creds
		path   string
		body   func(text string) map[string]any
		idPath []any
	}{
		{"co send", ola, "/api/co/messages/send", func(s string) map[string]any {
			return map[string]any{"thread_id": threadOf(t, e, 1001), "message": s}
		}, []any{"message", "id"}},
		{"ws send", shop, "/api/ws/messages", func(s string) map[string]any { return map[string]any{"booking_id": 1001, "message": s} },
			[]any{"data", "message", "id"}},
		{"ws send to thread", shop, "/api/ws/messages/thread/1001/send", func(s string) map[string]any { return map[string]any{"message": s} },
			[]any{"data", "message", "id"}},
		{"mk send", per, "/v1/messages/conversations/" + conv, func(s string) map[string]any { return map[string]any{"content": s} },
			[]any{"data", "message", "id"}},
		{"mk legacy send", per, "/api/messages", func(s string) map[string]any { return map[string]any{"conversation_id": conv, "content": s} },
			[]any{"data", "message", "id"}},
		{"mk start", per, "/v1/messages/conversations", func(s string) map[string]any { return map[string]any{"listing_id": "lst_golf7", "message": s} },
			[]any{"data", "message", "id"}},
	}
	for i, c := range cases {
		key := "key-" + strings.ReplaceAll(c.name, " ", "-")
		post := func(body map[string]any, header bool) reply {
			req := jsonRequest(t, e, "POST", c.path, body)
			if header {
				req.Header.Set("Idempotency-Key", key)
			}
			return do(t, c.c, req)
		}
		viaBody := i%2 == 1 // half the routes get the key in the body
		body := c.body("first try")
		if viaBody {
			body["client_message_id"] = key
		}
		first, again := post(body, !viaBody), post(body, !viaBody)
		if first.Status/100 != 2 || again.Status/100 != 2 || get(first.Body, c.idPath...) != get(again.Body, c.idPath...) || get(first.Body, c.idPath...) == nil {
			t.Errorf("%s: a retry gave %d %s after %d %s", c.name, again.Status, again.Raw, first.Status, first.Raw)
			continue
		}
		if c.name != "mk start" && (again.Header.Get("Idempotent-Replayed") != "true" || first.Header.Get("Idempotent-Replayed") != "") {
			t.Errorf("%s: Idempotent-Replayed %q then %q", c.name, first.Header.Get("Idempotent-Replayed"), again.Header.Get("Idempotent-Replayed"))
		}
		other := c.body("something else")
		if viaBody {
			other["client_message_id"] = key
		}
		if r := post(other, !viaBody); r.Status != 409 || get(r.Body, "error", "code") != "CONFLICT" {
			t.Errorf("%s: another message under the same key = %d %s", c.name, r.Status, r.Raw)
		}
		mixed := c.body("first try")
		mixed["client_message_id"] = "not-" + key
		if r := post(mixed, true); r.Status != 400 || get(r.Body, "error", "field") != "client_message_id" {
			t.Errorf("%s: header and body keys differ = %d %s", c.name, r.Status, r.Raw)
		}
	}
	if n := scalar(t, e, `SELECT count(*) FROM messages WHERE body = 'something else' OR body = 'first try'`); n != int64(len(cases)) {
		t.Fatalf("%d messages written, want one per route", n)
	}
}

// A message a moderator removed shows empty content and removed: true.
func TestMKRemovedMessageIsFlagged(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	per := e.User(t, "usr_per")
	conv := convOf(t, e, "tesla3")
	msgs := messagesOf(t, e, per, conv)
	last := msgs[len(msgs)-1] // the seller's answer
	if get(last, "removed") != false {
		t.Fatalf("a message before removal = %v", last)
	}
	rep := mkOK(t, "report", call(t, e, per, "POST", "/v1/messages/"+get(last, "id").(string)+"/report", map[string]any{"reason": "fraud"}), 201)
	resolve := `mutation($id: ID!) { resolveReport(input: {reportId: $id, action: REMOVE_MESSAGE}) { status } }`
	if r := e.GQL(t, apptest.Office(), resolve, map[string]any{"id": get(rep, "report", "id")}); r.Code() != "" {
		t.Fatalf("remove: %+v", r.Errors)
	}
	msgs = messagesOf(t, e, per, conv)
	last = msgs[len(msgs)-1]
	if get(last, "content") != "" || get(last, "removed") != true {
		t.Fatalf("a removed message = %v", last)
	}
	list := mkOK(t, "list", call(t, e, per, "GET", "/v1/messages/conversations", nil), 200)
	if lm := get(list, "conversations", 0, "last_message"); get(lm, "content") != "" || get(lm, "removed") != true {
		t.Fatalf("last_message of a removed message = %v", lm)
	}
}

// An attachment given by URL with a type uploads may not have is a 415, as an upload is.
func TestCOURLAttachmentOfAForbiddenTypeIs415(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	r := call(t, e, e.User(t, "co-ola"), "POST", "/api/co/messages/send", map[string]any{"thread_id": threadOf(t, e, 1001), "message": "se vedlegg",
		"attachments": []any{map[string]any{"url": "https://cdn.example.no/setup.exe", "content_type": "application/x-msdownload", "name": "setup.exe"}}})
	if r.Status != 415 || get(r.Body, "error", "code") != "BAD_USER_INPUT" {
		t.Fatalf("an executable by URL = %d %s", r.Status, r.Raw)
	}
}

// A file under a field name the route does not read is a 400 naming it, not dropped.
func TestMultipartFileUnderAnUnknownFieldIs400(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	ola, shop, per := e.User(t, "co-ola"), e.User(t, "ws-bilfix"), e.User(t, "usr_per")
	conv := convOf(t, e, "tesla3")
	file := part{name: "file", filename: "dent.png", value: pngFile, contentType: "image/png"}
	cases := []struct {
		c     apptest.Creds
		path  string
		parts []part
	}{
		{ola, "/api/co/messages/send", []part{{name: "thread_id", value: threadOf(t, e, 1001)}, {name: "message", value: "bilde"}, file}},
		{shop, "/api/ws/messages", []part{{name: "booking_id", value: "1001"}, {name: "message", value: "bilde"}, file}},
		{shop, "/api/ws/messages/thread/1001/send", []part{{name: "message", value: "bilde"}, file}},
		{per, "/v1/messages/conversations/" + conv, []part{{name: "content", value: "bilde"}, file}},
		{per, "/api/messages", []part{{name: "conversation_id", value: conv}, {name: "content", value: "bilde"}, file}},
	}
	for _, c := range cases {
		r := multipartCall(t, e, c.c, "POST", c.path, c.parts)
		if r.Status != 400 || get(r.Body, "error", "field") != "file" {
			t.Errorf("%s with a file under \"file\" = %d %s", c.path, r.Status, r.Raw)
		}
	}
	if n := scalar(t, e, `SELECT count(*) FROM messages WHERE body = 'bilde'`); n != 0 {
		t.Fatalf("%d messages sent without their file", n)
	}
}

// A template send missing several variables names all of them.
func TestMKTemplateNamesEveryMissingVariable(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	anne := e.User(t, "usr_anne")
	tpl := templateID(t, e, anne, "Visning")
	r := call(t, e, anne, "POST", "/v1/messages/conversations/"+convOf(t, e, "tesla3"), map[string]any{"template_id": tpl, "variables": map[string]any{"day": "lørdag"}})
	mkErr(t, "missing variables", r, 400, "variables")
	msg, _ := get(r.Body, "error", "message").(string)
	if !strings.Contains(msg, "{{name}}") || !strings.Contains(msg, "{{time}}") || strings.Contains(msg, "{{day}}") {
		t.Fatalf("message %q should name {{name}} and {{time}} only", msg)
	}
}

// Workshop search folds accents, ø and æ included, in both directions.
func TestCOSearchFoldsAccents(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	ola := e.User(t, "co-ola")
	for q, want := range map[string]string{
		"Grunerlokka": "Bilfix Grünerløkka",
		"grünerløkka": "Bilfix Grünerløkka",
		"Okernveien":  "Oslo Dekk og Felg",
		"grunerlok":   "Bilfix Grünerløkka",
	} {
		r := call(t, e, ola, "GET", "/api/co/filters/search?q="+url.QueryEscape(q), nil)
		if r.Status != 200 || get(r.Body, "results", 0, "name") != want {
			t.Errorf("search %q = %d %s", q, r.Status, r.Raw)
		}
	}
}
