package restcompat_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	restcompat "github.com/parley/parley/rest-compat"
	"github.com/parley/parley/server/apptest"
)

// Response examples copied from ../shared/spec (000_ and 001_): the field names and JSON types
// are the contract.
const (
	docSearch = `{"results": [{"org_nr": "921460929", "name": "string_value", "address_line": "string_value",
		"city": "string_value", "postal_code": "string_value", "latitude": 499.0, "longitude": 499.0,
		"distance_km": 499.0, "logo": [{}], "categories": [{}], "avg_rating": 499.0, "total_reviews": 1,
		"cheapest_service_price": 499.0, "services_count": 1}], "count": 1, "query": "string_value"}`
	docInbox = `{"data": [{"id": 123, "thread_id": "string_value", "booking_id": 1, "workshop_org_nr": "921460929",
		"workshop_name": "string_value", "org_nr": "921460929", "last_message": {}, "unread_count": 1,
		"total_messages": 1, "updated_at": "2026-02-12", "read_at": "string_value"}],
		"meta": {"page": 1, "page_size": 1, "total": 1, "total_pages": 1, "has_next": true, "has_prev": true, "unread_total": 1},
		"links": {"self": "string_value", "first": "string_value", "prev": "string_value", "next": "string_value", "last": "string_value"}}`
	docMarkRead = `{"updated": 1, "json_updated": 1, "unread_count": 1, "read_at": "string_value"}`
	docMessage  = `{"id": 1, "booking_id": 1, "workshop_org_nr": "921460929", "sender_type": "string_value",
		"message_text": "string_value", "attachments": [{}], "is_read": true, "created_at": "string_value",
		"text": "string_value", "message": "string_value", "content": "string_value", "sender_role": "string_value",
		"from": "string_value", "unread": true}`
	docSend   = `{"message": ` + docMessage + `, "unread_count": 1}`
	docThread = `{"data": [` + docMessage + `],
		"meta": {"org_nr": "921460929", "page": 1, "page_size": 1, "total": 1, "total_pages": 1, "has_next": true, "has_prev": true, "unread_count": 1},
		"links": {"self": "string_value", "first": "string_value", "prev": "string_value", "next": "string_value", "last": "string_value"}}`
	docPreflight    = `{"data": {}, "meta": {"request_id": "f59ee325-0445-4bd0-9bf1-73edcd7da151", "generated_at": "2026-02-12T10:00:00Z"}}`
	docNotification = `{"id": 1, "type": "string_value", "title": "string_value", "body": "string_value", "data": {},
		"is_read": true, "created_at": "string_value", "read_at": "string_value"}`
	docNotifications = `{"data": [` + docNotification + `],
		"meta": {"page": 1, "page_size": 1, "total": 1, "total_pages": 1, "has_next": true, "has_prev": true, "unread_total": 1},
		"links": {"self": "string_value", "first": "string_value", "prev": "string_value", "next": "string_value", "last": "string_value"}}`
	docNotificationsRead = `{"updated": 1, "messages_marked": 1}`
	// The unread-count example shows data as {}; unread_count is the figure it carries.
	docUnreadCount = `{"data": {"unread_count": 1}, "meta": {"request_id": "f59ee325-0445-4bd0-9bf1-73edcd7da151", "generated_at": "2026-02-12T10:00:00Z"}}`
	// docError is the car-owner error envelope (error.field is there when a field is to blame).
	docError = `{"error": {"code": "string_value", "message": "string_value"}, "meta": {"request_id": "string_value", "generated_at": "string_value"}}`
)

// Fields that may be null: read state not reached yet, the pages that do not exist, and
// positions, distances and prices that a workshop or a search does not have.
var (
	nullLinks         = []string{"links.prev", "links.next"}
	nullSearch        = []string{"results[].latitude", "results[].longitude", "results[].distance_km", "results[].cheapest_service_price"}
	nullInbox         = append([]string{"data[].read_at"}, nullLinks...)
	nullNotifications = append([]string{"data[].read_at"}, nullLinks...)
)

// shapeProblems lists where got differs from a documented example: a key of the example that
// is missing, or a value of another JSON type. null passes only at the paths in nullable
// (written like "data[].read_at"); each element of an array is checked against the example's
// first element.
func shapeProblems(path string, want, got any, nullable map[string]bool) []string {
	if got == nil {
		if want == nil || nullable[path] {
			return nil
		}
		return []string{fmt.Sprintf("%s is null, documented as a %s", shapePath(path), jsonType(want))}
	}
	if jsonType(got) != jsonType(want) {
		return []string{fmt.Sprintf("%s is a %s, documented as a %s", shapePath(path), jsonType(got), jsonType(want))}
	}
	var out []string
	switch w := want.(type) {
	case map[string]any:
		g := got.(map[string]any)
		for k, wv := range w {
			p := strings.TrimPrefix(path+"."+k, ".")
			gv, ok := g[k]
			if !ok {
				out = append(out, shapePath(p)+" is missing")
				continue
			}
			out = append(out, shapeProblems(p, wv, gv, nullable)...)
		}
	case []any:
		for _, gv := range got.([]any) {
			if len(w) > 0 {
				out = append(out, shapeProblems(path+"[]", w[0], gv, nullable)...)
			}
		}
	}
	slices.Sort(out)
	return out
}

func shapePath(path string) string {
	if path == "" {
		return "the body"
	}
	return path
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "boolean"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	}
	return fmt.Sprintf("%T", v)
}

// checkShape fails the test where body differs from the documented example.
func checkShape(t *testing.T, what, example string, body any, nullable ...string) {
	t.Helper()
	var want any
	if err := json.Unmarshal([]byte(example), &want); err != nil {
		t.Fatalf("%s: the example is not JSON: %v", what, err)
	}
	null := map[string]bool{}
	for _, p := range nullable {
		null[p] = true
	}
	for _, p := range shapeProblems("", want, body, null) {
		t.Errorf("%s: %s", what, p)
	}
}

func TestShapeCheckerCatchesDrift(t *testing.T) {
	var want any
	_ = json.Unmarshal([]byte(`{"a": 1, "b": "s", "c": [{"d": true}], "e": {}, "f": "s"}`), &want)
	cases := []struct {
		got  string
		want []string
	}{
		{`{"a": 2, "b": "t", "c": [{"d": false}, {"d": true}], "e": {"x": 1}, "f": null}`, nil},
		{`{"b": "t", "c": [], "e": {}, "f": "s"}`, []string{"a is missing"}},
		{`{"a": "2", "b": "t", "c": [], "e": {}, "f": "s"}`, []string{"a is a string, documented as a number"}},
		{`{"a": 1, "b": null, "c": [], "e": {}, "f": "s"}`, []string{"b is null, documented as a string"}},
		{`{"a": 1, "b": "t", "c": [{"d": 1}], "e": [], "f": "s"}`, []string{"c[].d is a number, documented as a boolean", "e is a array, documented as a object"}},
	}
	for _, c := range cases {
		var got any
		_ = json.Unmarshal([]byte(c.got), &got)
		if p := shapeProblems("", want, got, map[string]bool{"f": true}); !slices.Equal(p, c.want) {
			t.Errorf("%s: problems %q, want %q", c.got, p, c.want)
		}
	}
}

// pngBytes is a 1x1 PNG.
var pngBytes = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")

// upload is a file sent as multipart.
type upload struct {
	name string
	body []byte
}

// callMultipart posts form fields and files (each under the field "files").
func callMultipart(t *testing.T, e *apptest.Env, c apptest.Creds, path string, fields map[string]string, files ...upload) reply {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	for _, f := range files {
		fw, _ := w.CreateFormFile("files", f.name)
		_, _ = fw.Write(f.body)
	}
	_ = w.Close()
	req, _ := http.NewRequest(http.MethodPost, e.URL+path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return do(t, c, req)
}

// callRaw sends a body as it is, labelled JSON.
func callRaw(t *testing.T, e *apptest.Env, c apptest.Creds, method, path, body string) reply {
	t.Helper()
	req, _ := http.NewRequest(method, e.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return do(t, c, req)
}

// scalar runs a query that answers one number.
func scalar(t *testing.T, e *apptest.Env, query string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := e.Store.DB.NewRaw(query, args...).Scan(t.Context(), &n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// notificationOf is the id of a user's oldest notification about a booking.
func notificationOf(t *testing.T, e *apptest.Env, userID string, bookingID int) int64 {
	t.Helper()
	return scalar(t, e, `SELECT min(id) FROM notifications WHERE user_id = ? AND (data->>'booking_id')::int = ?`, userID, bookingID)
}

// lastMessageOf is the id of the newest message in a booking's thread.
func lastMessageOf(t *testing.T, e *apptest.Env, bookingID int) int64 {
	t.Helper()
	return scalar(t, e, `SELECT max(m.id) FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.booking_id = ?`, bookingID)
}

func jsonInt(v any) int64 {
	f, _ := v.(float64)
	return int64(f)
}

// TestCOContract calls every car-owner route with its documented request example (real ids
// substituted) and checks the status and every documented response field's JSON type.
func TestCOContract(t *testing.T) {
	e := apptest.New(t)
	ola := e.User(t, "co-ola")
	thread := threadOf(t, e, 1001)
	lastID := lastMessageOf(t, e, 1001)
	note := notificationOf(t, e, "co-ola", 1001)
	now := time.Now().UTC().Format(time.RFC3339)
	cases := []struct {
		name     string
		call     func() reply
		status   int
		example  string
		nullable []string
	}{
		{"GET /api/co/filters/search", func() reply {
			return call(t, e, ola, "GET", "/api/co/filters/search?q=bil&query=bil", nil)
		}, 200, docSearch, nullSearch},
		{"GET /api/co/filters/search with lat and lng", func() reply {
			return call(t, e, ola, "GET", "/api/co/filters/search?q=&lat=59.91&lng=10.75&limit=5", nil)
		}, 200, docSearch, nullSearch},
		{"GET /api/co/messages/inbox", func() reply {
			return call(t, e, ola, "GET", "/api/co/messages/inbox?page=1&page_size=1", nil)
		}, 200, docInbox, nullInbox},
		{"GET /api/co/messages/inbox with q", func() reply {
			return call(t, e, ola, "GET", "/api/co/messages/inbox?page=1&page_size=20&q=Bilfix", nil)
		}, 200, docInbox, nullInbox},
		{"GET /api/co/messages/thread/{booking_id}", func() reply {
			return call(t, e, ola, "GET", "/api/co/messages/thread/1001?page=1&size=2", nil)
		}, 200, docThread, nullLinks},
		{"GET /api/co/messages/{booking_id}", func() reply {
			return call(t, e, ola, "GET", "/api/co/messages/1001?page=2&size=2", nil)
		}, 200, docThread, nullLinks},
		{"GET /api/co/messages/{booking_id}/messages", func() reply {
			return call(t, e, ola, "GET", "/api/co/messages/1001/messages?page=1&size=50", nil)
		}, 200, docThread, nullLinks},
		// Before any read: the messages' reads also read the notifications about them.
		{"GET /api/co/notifications (unread)", func() reply {
			return call(t, e, ola, "GET", "/api/co/notifications?status=unread&page=1", nil)
		}, 200, docNotifications, nullNotifications},
		{"POST /api/co/messages/send (JSON)", func() reply {
			return call(t, e, ola, "POST", "/api/co/messages/send", map[string]any{"thread_id": thread, "message": "Ja, bytt dem.",
				"org_nr": "921460929", "attachments": []any{map[string]any{"url": "https://cdn.example.no/docs/faktura.pdf",
					"content_type": "application/pdf", "name": "faktura.pdf", "size": 1234}}})
		}, 201, docSend, nil},
		{"POST /api/co/messages/send (multipart)", func() reply {
			return callMultipart(t, e, ola, "/api/co/messages/send", map[string]string{"thread_id": thread, "message": "Bilde av bulken"},
				upload{"bulk.png", pngBytes}, upload{"bulk2.png", pngBytes})
		}, 201, docSend, nil},
		{"POST /api/co/messages/thread/{booking_id}/read-up-to", func() reply {
			return call(t, e, ola, "POST", "/api/co/messages/thread/1001/read-up-to", map[string]any{"last_read_id": lastID, "last_read_at": now})
		}, 200, docMarkRead, nil},
		{"POST /api/co/messages/{booking_id}/messages/read-up-to", func() reply {
			return call(t, e, ola, "POST", "/api/co/messages/1003/messages/read-up-to", map[string]any{"last_read_id": lastMessageOf(t, e, 1003)})
		}, 200, docMarkRead, nil},
		{"POST /api/co/messages/mark-read", func() reply {
			return call(t, e, ola, "POST", "/api/co/messages/mark-read", map[string]any{"thread_id": thread, "last_read_id": lastID, "last_read_at": now})
		}, 200, docMarkRead, nil},
		{"GET /api/co/notifications", func() reply {
			return call(t, e, ola, "GET", "/api/co/notifications?status=read&type=message.received&since=2020-01-01T00:00:00Z&page=1&page_size=1", nil)
		}, 200, docNotifications, nullNotifications},
		{"GET /api/co/notifications/unread-count", func() reply {
			return call(t, e, ola, "GET", "/api/co/notifications/unread-count", nil)
		}, 200, docUnreadCount, nil},
		{"GET /api/co/notifications/{id}", func() reply {
			return call(t, e, ola, "GET", "/api/co/notifications/"+strconv.FormatInt(note, 10), nil)
		}, 200, docNotification, nil},
		{"POST /api/co/notifications/mark-read", func() reply {
			return call(t, e, ola, "POST", "/api/co/notifications/mark-read", map[string]any{"ids": []int64{note}})
		}, 200, docNotificationsRead, nil},
		{"POST /api/co/notifications/read-all", func() reply {
			return call(t, e, ola, "POST", "/api/co/notifications/read-all", nil)
		}, 200, docNotificationsRead, nil},
	}
	for _, c := range cases {
		r := c.call()
		if r.Status != c.status {
			t.Errorf("%s = %d, want %d: %s", c.name, r.Status, c.status, r.Raw)
			continue
		}
		if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			t.Errorf("%s: Content-Type %q", c.name, r.Header.Get("Content-Type"))
		}
		checkShape(t, c.name, c.example, r.Body, c.nullable...)
		// Every documented list must have come back with rows, or its elements went unchecked.
		for _, list := range []string{"results", "data"} {
			if l, isList := r.Body[list].([]any); isList && len(l) == 0 {
				t.Errorf("%s: %s is empty, nothing was checked: %s", c.name, list, r.Raw)
			}
		}
	}
}

// TestCOPreflightEveryPath sends a browser's preflight, without credentials, to every
// car-owner path of the route table.
func TestCOPreflightEveryPath(t *testing.T) {
	e := apptest.New(t)
	methods := map[string][]string{}
	for _, rt := range restcompat.Routes() {
		method, path, _ := strings.Cut(rt, " ")
		if strings.HasPrefix(path, "/api/co/") && method != "OPTIONS" {
			methods[path] = append(methods[path], method)
		}
	}
	if len(methods) != 14 {
		t.Fatalf("car-owner paths in the route table = %d, want 14: %v", len(methods), methods)
	}
	ids := strings.NewReplacer("{booking_id}", "1001", "{id}", strconv.FormatInt(notificationOf(t, e, "co-ola", 1001), 10))
	for path, want := range methods {
		req, _ := http.NewRequest(http.MethodOptions, e.URL+ids.Replace(path), nil)
		req.Header.Set("Origin", "https://app.example.no")
		req.Header.Set("Access-Control-Request-Method", want[0])
		r := do(t, apptest.Creds{}, req)
		if r.Status != 200 || r.Header.Get("Access-Control-Allow-Origin") != "https://app.example.no" {
			t.Errorf("OPTIONS %s = %d (allow origin %q): %s", path, r.Status, r.Header.Get("Access-Control-Allow-Origin"), r.Raw)
			continue
		}
		checkShape(t, "OPTIONS "+path, docPreflight, r.Body)
		if get(r.Body, "meta", "request_id") != r.Header.Get("X-Request-ID") {
			t.Errorf("OPTIONS %s: request_id %v, header %q", path, get(r.Body, "meta", "request_id"), r.Header.Get("X-Request-ID"))
		}
		allowed := r.Header.Get("Access-Control-Allow-Methods")
		for _, m := range want {
			if !strings.Contains(allowed, m) {
				t.Errorf("OPTIONS %s: allowed methods %q lack %s", path, allowed, m)
			}
		}
	}
}

// checkAliases checks that a message's alias fields agree and its ids are numbers.
func checkAliases(t *testing.T, where string, m any) {
	t.Helper()
	text := get(m, "message_text")
	for _, k := range []string{"text", "message", "content"} {
		if get(m, k) != text {
			t.Errorf("%s: %s = %v, message_text = %v", where, k, get(m, k), text)
		}
	}
	role := get(m, "sender_type")
	for _, k := range []string{"sender_role", "from"} {
		if get(m, k) != role {
			t.Errorf("%s: %s = %v, sender_type = %v", where, k, get(m, k), role)
		}
	}
	if read, unread := get(m, "is_read"), get(m, "unread"); read != !unread.(bool) {
		t.Errorf("%s: is_read %v, unread %v", where, read, unread)
	}
	for _, k := range []string{"id", "booking_id"} {
		if _, isNum := get(m, k).(float64); !isNum {
			t.Errorf("%s: %s is %T, want a number", where, k, get(m, k))
		}
	}
}

func TestCOMessageAliasesAgree(t *testing.T) {
	e := apptest.New(t)
	ola := e.User(t, "co-ola")
	thread := threadOf(t, e, 1001)
	sent := callMultipart(t, e, ola, "/api/co/messages/send", map[string]string{"thread_id": thread, "message": "Se vedlegg"}, upload{"bulk.png", pngBytes})
	if sent.Status != 201 || get(sent.Body, "message", "text") != "Se vedlegg" || get(sent.Body, "message", "attachments", 0, "content_type") != "image/png" {
		t.Fatalf("multipart send = %d %s", sent.Status, sent.Raw)
	}
	checkAliases(t, "sent", get(sent.Body, "message"))
	var pages [][]any
	for _, path := range []string{"/api/co/messages/thread/1001", "/api/co/messages/1001", "/api/co/messages/1001/messages"} {
		r := call(t, e, ola, "GET", path, nil)
		data, _ := get(r.Body, "data").([]any)
		if r.Status != 200 || len(data) != 4 {
			t.Fatalf("%s = %d %s", path, r.Status, r.Raw)
		}
		for i, m := range data {
			checkAliases(t, fmt.Sprintf("%s data[%d]", path, i), m)
		}
		pages = append(pages, data)
	}
	a, _ := json.Marshal(pages[0])
	for i, p := range pages[1:] {
		if b, _ := json.Marshal(p); !bytes.Equal(a, b) {
			t.Errorf("alias %d answers differently:\n%s\n%s", i+1, a, b)
		}
	}
	roles := []any{}
	for _, m := range pages[0] {
		roles = append(roles, get(m, "from"))
	}
	if !slices.Equal(roles, []any{"car_owner", "workshop", "workshop", "car_owner"}) {
		t.Errorf("senders oldest first = %v", roles)
	}
	inbox := call(t, e, ola, "GET", "/api/co/messages/inbox", nil)
	for i, row := range get(inbox.Body, "data").([]any) {
		id, tid := get(row, "id"), get(row, "thread_id")
		if s, isStr := tid.(string); !isStr || s != strconv.FormatInt(jsonInt(id), 10) {
			t.Errorf("inbox[%d]: thread_id %#v for id %v, want the id as a string", i, tid, id)
		}
		checkAliases(t, fmt.Sprintf("inbox[%d].last_message", i), get(row, "last_message"))
	}
}

// TestCOMarkReadOnlyMarksMessagesToCaller: the caller's own messages stay unread (for the
// workshop) whatever the caller marks.
func TestCOMarkReadOnlyMarksMessagesToCaller(t *testing.T) {
	e := apptest.New(t)
	ola, bilfix, dekk := e.User(t, "co-ola"), e.User(t, "ws-bilfix"), e.User(t, "ws-dekk")
	wsUnread := func(c apptest.Creds) int {
		var out struct{ UnreadCounts struct{ Messages int } }
		e.GQL(t, c, `{ unreadCounts { messages } }`, nil).Decode(t, &out)
		return out.UnreadCounts.Messages
	}
	bilfixBefore, dekkBefore := wsUnread(bilfix), wsUnread(dekk)
	sent := call(t, e, ola, "POST", "/api/co/messages/send", map[string]any{"thread_id": threadOf(t, e, 1001), "message": "Takk!"})
	if sent.Status != 201 || get(sent.Body, "message", "is_read") != false {
		t.Fatalf("send = %d %s", sent.Status, sent.Raw)
	}
	own := jsonInt(get(sent.Body, "message", "id"))
	reads := scalar(t, e, "SELECT count(*) FROM message_reads")
	r := call(t, e, ola, "POST", "/api/co/messages/mark-read", map[string]any{"thread_id": threadOf(t, e, 1001)})
	if r.Status != 200 || get(r.Body, "updated") != 2.0 || get(r.Body, "json_updated") != 2.0 || get(r.Body, "unread_count") != 0.0 {
		t.Fatalf("mark-read = %d %s, want the workshop's 2 messages only", r.Status, r.Raw)
	}
	if _, isStr := get(r.Body, "read_at").(string); !isStr {
		t.Errorf("mark-read read_at = %v, want a time", get(r.Body, "read_at"))
	}
	if n := scalar(t, e, "SELECT count(*) FROM message_reads"); n != reads+2 {
		t.Errorf("message_reads %d -> %d, want 2 more", reads, n)
	}
	if n := scalar(t, e, "SELECT count(*) FROM message_reads WHERE message_id = ?", own); n != 0 {
		t.Errorf("the car owner's own message has %d reads", n)
	}
	thread := call(t, e, ola, "GET", "/api/co/messages/thread/1001", nil)
	for _, m := range get(thread.Body, "data").([]any) {
		mine := get(m, "sender_type") == "car_owner"
		if mine == get(m, "is_read").(bool) {
			t.Errorf("message %v from %v: is_read %v", get(m, "id"), get(m, "sender_type"), get(m, "is_read"))
		}
	}
	if n := wsUnread(bilfix); n != bilfixBefore+1 {
		t.Errorf("the workshop's unread %d -> %d, want one more (the new message)", bilfixBefore, n)
	}

	// read-up-to the caller's own newest message marks only what came to the caller.
	sent = call(t, e, ola, "POST", "/api/co/messages/send", map[string]any{"thread_id": threadOf(t, e, 1003), "message": "Henter i morgen."})
	up := call(t, e, ola, "POST", "/api/co/messages/1003/messages/read-up-to", map[string]any{"last_read_id": get(sent.Body, "message", "id")})
	if up.Status != 200 || get(up.Body, "updated") != 1.0 || get(up.Body, "unread_count") != 0.0 {
		t.Fatalf("read-up-to = %d %s, want the workshop's 1 message only", up.Status, up.Raw)
	}
	if n := wsUnread(dekk); n != dekkBefore+1 {
		t.Errorf("the tyre workshop's unread %d -> %d, want one more", dekkBefore, n)
	}
}

func TestCONotificationReadMarksItsMessage(t *testing.T) {
	e := apptest.New(t)
	ola := e.User(t, "co-ola")
	threadUnread := func() any {
		return get(call(t, e, ola, "GET", "/api/co/messages/thread/1001", nil).Body, "meta", "unread_count")
	}
	unreadCount := func() any {
		return get(call(t, e, ola, "GET", "/api/co/notifications/unread-count", nil).Body, "data", "unread_count")
	}
	list := call(t, e, ola, "GET", "/api/co/notifications", nil)
	var note string
	for _, n := range get(list.Body, "data").([]any) {
		if get(n, "data", "booking_id") == 1001.0 {
			note = strconv.FormatInt(jsonInt(get(n, "id")), 10)
		}
	}
	if note == "" || get(list.Body, "meta", "total") != 3.0 || threadUnread() != 2.0 || unreadCount() != 3.0 {
		t.Fatalf("before: notifications %s, thread unread %v, unread count %v", list.Raw, threadUnread(), unreadCount())
	}
	one := call(t, e, ola, "GET", "/api/co/notifications/"+note, nil)
	if one.Status != 200 || get(one.Body, "is_read") != false || get(one.Body, "read_at") != nil || get(one.Body, "type") != "message.received" {
		t.Fatalf("one unread notification = %d %s", one.Status, one.Raw)
	}
	r := callRaw(t, e, ola, "POST", "/api/co/notifications/mark-read", `{"ids": [`+note+`]}`)
	if r.Status != 200 || get(r.Body, "updated") != 1.0 || get(r.Body, "messages_marked") != 1.0 {
		t.Fatalf("mark-read = %d %s", r.Status, r.Raw)
	}
	if threadUnread() != 1.0 || unreadCount() != 2.0 {
		t.Fatalf("after: thread unread %v, unread count %v; want 1 and 2", threadUnread(), unreadCount())
	}
	one = call(t, e, ola, "GET", "/api/co/notifications/"+note, nil)
	if _, isStr := get(one.Body, "read_at").(string); get(one.Body, "is_read") != true || !isStr {
		t.Fatalf("the notification read = %s", one.Raw)
	}
	if again := callRaw(t, e, ola, "POST", "/api/co/notifications/mark-read", `{"ids": [`+note+`]}`); get(again.Body, "updated") != 0.0 || get(again.Body, "messages_marked") != 0.0 {
		t.Fatalf("marking it again = %d %s", again.Status, again.Raw)
	}
	all := call(t, e, ola, "POST", "/api/co/notifications/read-all", nil)
	if all.Status != 200 || get(all.Body, "updated") != 2.0 || get(all.Body, "messages_marked") != 2.0 {
		t.Fatalf("read-all = %d %s", all.Status, all.Raw)
	}
	inbox := call(t, e, ola, "GET", "/api/co/messages/inbox", nil)
	if unreadCount() != 0.0 || threadUnread() != 0.0 || get(inbox.Body, "meta", "unread_total") != 0.0 {
		t.Fatalf("after read-all: unread count %v, thread %v, inbox %s", unreadCount(), threadUnread(), inbox.Raw)
	}
	if n := scalar(t, e, "SELECT count(*) FROM notifications WHERE user_id = 'co-kari' AND read_at IS NOT NULL"); n != 0 {
		t.Fatalf("read-all read %d of another car owner's notifications", n)
	}
}

func TestCONotificationsFilterAndPage(t *testing.T) {
	e := apptest.New(t)
	ola := e.User(t, "co-ola")
	_, err := e.Store.DB.NewRaw(`INSERT INTO notifications (user_id, type, title, body, data, created_at)
		VALUES ('co-ola', 'booking.confirmed', 'Booking bekreftet', 'Velkommen 12. mai', '{"booking_id": 1001}', '2020-05-01T08:00:00Z')`).Exec(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	list := func(query string) reply {
		t.Helper()
		r := call(t, e, ola, "GET", "/api/co/notifications"+query, nil)
		if r.Status != 200 {
			t.Fatalf("%s = %d %s", query, r.Status, r.Raw)
		}
		return r
	}
	all := list("")
	data := get(all.Body, "data").([]any)
	if len(data) != 4 || get(all.Body, "meta", "total") != 4.0 || get(all.Body, "meta", "unread_total") != 4.0 || get(data, 3, "type") != "booking.confirmed" {
		t.Fatalf("all = %s", all.Raw)
	}
	for i := 1; i < len(data); i++ {
		a, b := get(data, i-1, "created_at").(string), get(data, i, "created_at").(string)
		if a < b || (a == b && jsonInt(get(data, i-1, "id")) < jsonInt(get(data, i, "id"))) {
			t.Errorf("not newest first at %d: %s then %s", i, a, b)
		}
	}
	totals := []struct {
		query string
		total float64
	}{
		{"?type=booking.confirmed", 1},
		{"?type=message.received", 3},
		{"?type=nothing.like.this", 0},
		{"?since=2021-01-01T00:00:00Z", 3},
		{"?since=2020-01-01T00:00:00%2B01:00&type=booking.confirmed", 1},
		{"?status=unread", 4},
		{"?status=UNREAD&type=booking.confirmed", 1},
		{"?status=read", 0},
		{"?status=all", 4},
	}
	for _, c := range totals {
		if r := list(c.query); get(r.Body, "meta", "total") != c.total || float64(len(get(r.Body, "data").([]any))) != c.total {
			t.Errorf("%s: %s, want %v", c.query, r.Raw, c.total)
		}
	}
	oldest := strconv.FormatInt(jsonInt(get(data, 3, "id")), 10)
	if r := callRaw(t, e, ola, "POST", "/api/co/notifications/mark-read", `{"ids": [`+oldest+`]}`); r.Status != 200 || get(r.Body, "messages_marked") != 0.0 {
		t.Fatalf("mark the one about no message = %d %s", r.Status, r.Raw)
	}
	read := list("?status=read")
	if get(read.Body, "meta", "total") != 1.0 || get(read.Body, "data", 0, "is_read") != true || get(read.Body, "data", 0, "read_at") == nil {
		t.Errorf("read = %s", read.Raw)
	}
	if r := list("?status=unread"); get(r.Body, "meta", "total") != 3.0 || get(r.Body, "meta", "unread_total") != 3.0 {
		t.Errorf("unread = %s", r.Raw)
	}

	first, second := list("?page=1&page_size=3"), list("?page=2&page_size=3")
	m1, m2 := get(first.Body, "meta").(map[string]any), get(second.Body, "meta").(map[string]any)
	if m1["total_pages"] != 2.0 || m1["has_next"] != true || m1["has_prev"] != false || m1["unread_total"] != 3.0 || m1["page_size"] != 3.0 ||
		m2["page"] != 2.0 || m2["has_next"] != false || m2["has_prev"] != true {
		t.Fatalf("meta %v / %v", m1, m2)
	}
	next, _ := get(first.Body, "links", "next").(string)
	if u, err := url.Parse(next); err != nil || u.Path != "/api/co/notifications" || u.Query().Get("page") != "2" || get(first.Body, "links", "prev") != nil {
		t.Errorf("links of page 1 = %v", get(first.Body, "links"))
	}
	if get(second.Body, "links", "next") != nil || get(second.Body, "links", "prev") == nil {
		t.Errorf("links of page 2 = %v", get(second.Body, "links"))
	}
	var paged []any
	for _, r := range []reply{first, second} {
		for _, n := range get(r.Body, "data").([]any) {
			paged = append(paged, get(n, "id"))
		}
	}
	var whole []any
	for _, n := range data {
		whole = append(whole, get(n, "id"))
	}
	if !slices.Equal(paged, whole) {
		t.Errorf("pages give %v, the whole list %v", paged, whole)
	}
}

func TestCOSearch(t *testing.T) {
	e := apptest.New(t)
	ola := e.User(t, "co-ola")
	search := func(query string) reply {
		t.Helper()
		r := call(t, e, ola, "GET", "/api/co/filters/search"+query, nil)
		if r.Status != 200 {
			t.Fatalf("%s = %d %s", query, r.Status, r.Raw)
		}
		return r
	}
	orgs := func(r reply) []any {
		var out []any
		for _, h := range get(r.Body, "results").([]any) {
			out = append(out, get(h, "org_nr"))
		}
		return out
	}
	finds := []struct{ query, want string }{
		{"?q=bilfix", "921460929"},                  // name
		{"?query=thorvald+meyers", "921460929"},     // address, by the alias
		{"?q=dekkhotell", "923609016"},              // service
		{"?q=bremser", "921460929"},                 // service category
		{"?q=bergen", "974760673"},                  // city
		{"?q=dekkhottel", "923609016"},              // a typo
		{"?q=&query=dekkhotell", "923609016"},       // empty q gives way to query
		{"?q=bilfix&query=dekkhotell", "921460929"}, // q first
	}
	for _, c := range finds {
		if r := search(c.query); len(orgs(r)) == 0 || orgs(r)[0] != c.want || get(r.Body, "results", 0, "distance_km") != nil {
			t.Errorf("%s = %v, want %s first and no distance: %s", c.query, orgs(r), c.want, r.Raw)
		}
	}
	if r := search("?q=bilfix"); get(r.Body, "query") != "bilfix" || get(r.Body, "count") != float64(len(orgs(r))) {
		t.Errorf("query echo and count = %s", r.Raw)
	}
	if r := search("?q=zzzqqq"); get(r.Body, "count") != 0.0 || len(get(r.Body, "results").([]any)) != 0 {
		t.Errorf("nonsense = %s", r.Raw)
	}
	all := search("")
	if get(all.Body, "count") != 3.0 || len(orgs(all)) != 3 {
		t.Fatalf("no text = %s, want every workshop", all.Raw)
	}
	bilfix := search("?q=bilfix")
	want := map[string]any{"name": "Bilfix Grünerløkka", "address_line": "Thorvald Meyers gate 12", "city": "Oslo", "postal_code": "0555",
		"latitude": 59.9226, "longitude": 10.759, "avg_rating": 4.6, "total_reviews": 128.0, "cheapest_service_price": 990.0, "services_count": 3.0}
	for k, v := range want {
		if got := get(bilfix.Body, "results", 0, k); got != v {
			t.Errorf("bilfix %s = %v, want %v", k, got, v)
		}
	}
	if get(bilfix.Body, "results", 0, "categories", 1, "name") != "Bremser" || get(bilfix.Body, "results", 0, "logo", 0, "url") == nil {
		t.Errorf("bilfix categories and logo = %s", bilfix.Raw)
	}

	bergen := search("?lat=60.39&lng=5.32")
	if !slices.Equal(orgs(bergen), []any{"974760673", "921460929", "923609016"}) {
		t.Errorf("from Bergen = %v, want the nearest first", orgs(bergen))
	}
	var last float64
	for i, h := range get(bergen.Body, "results").([]any) {
		d, isNum := get(h, "distance_km").(float64)
		if !isNum || d < last || (i == 0 && d > 5) || (i > 0 && d < 250) {
			t.Errorf("result %d distance %v after %v", i, get(h, "distance_km"), last)
		}
		last = d
	}
	if r := search("?q=oslo&lat=59.93&lng=10.80&limit=1"); !slices.Equal(orgs(r), []any{"923609016"}) || get(r.Body, "count") != 2.0 {
		t.Errorf("nearest Oslo workshop, one of two = %s", r.Raw)
	}
}

// anyField is a case whose error.field the test leaves open: the send resolver blames its own
// argument (body) for an empty message, which the REST body calls message.
const anyField = "*"

// TestCOBadInput sends malformed, wrong and refused requests: each is answered in the error
// envelope with its status (and the field to blame), and nothing is written.
func TestCOBadInput(t *testing.T) {
	e := apptest.New(t)
	ola, kari := e.User(t, "co-ola"), e.User(t, "co-kari")
	thread := threadOf(t, e, 1001)
	mine := strconv.FormatInt(notificationOf(t, e, "co-ola", 1001), 10)
	theirs := strconv.FormatInt(notificationOf(t, e, "co-kari", 1002), 10)
	big := append(append([]byte{}, pngBytes...), make([]byte, 1<<20)...)
	fetch := func(path string) func() reply { return func() reply { return call(t, e, ola, "GET", path, nil) } }
	raw := func(method, path, body string) func() reply {
		return func() reply { return callRaw(t, e, ola, method, path, body) }
	}
	form := func(fields map[string]string, files ...upload) func() reply {
		return func() reply { return callMultipart(t, e, ola, "/api/co/messages/send", fields, files...) }
	}
	cases := []struct {
		name   string
		call   func() reply
		status int
		field  string
	}{
		// messages
		{"inbox page 0", fetch("/api/co/messages/inbox?page=0"), 400, "page"},
		{"thread id not a number", fetch("/api/co/messages/thread/abc"), 400, "booking_id"},
		{"alias id not a number", fetch("/api/co/messages/abc"), 400, "booking_id"},
		{"unknown booking", fetch("/api/co/messages/999999/messages"), 404, ""},
		{"another car owner's booking", fetch("/api/co/messages/1002"), 404, ""},
		{"mark-read malformed JSON", raw("POST", "/api/co/messages/mark-read", `{"thread_id": `), 400, "body"},
		{"mark-read thread_id not a number", raw("POST", "/api/co/messages/mark-read", `{"thread_id": "abc"}`), 400, "thread_id"},
		{"mark-read without thread_id", raw("POST", "/api/co/messages/mark-read", `{}`), 400, "thread_id"},
		{"mark-read last_read_id a string", raw("POST", "/api/co/messages/mark-read", `{"thread_id": "`+thread+`", "last_read_id": "x"}`), 400, "last_read_id"},
		{"mark-read unknown thread", raw("POST", "/api/co/messages/mark-read", `{"thread_id": "999999"}`), 404, ""},
		{"mark-read another car owner's thread", raw("POST", "/api/co/messages/mark-read", `{"thread_id": "`+threadOf(t, e, 1002)+`"}`), 404, ""},
		{"read-up-to without an id", raw("POST", "/api/co/messages/thread/1001/read-up-to", `{}`), 400, "last_read_id"},
		{"read-up-to bad time", raw("POST", "/api/co/messages/1001/messages/read-up-to", `{"last_read_at": "yesterday"}`), 400, "last_read_at"},
		{"read-up-to booking not a number", raw("POST", "/api/co/messages/thread/abc/read-up-to", `{"last_read_id": 1}`), 400, "booking_id"},
		{"read-up-to unknown booking", raw("POST", "/api/co/messages/thread/999999/read-up-to", `{"last_read_id": 1}`), 404, ""},
		{"send malformed JSON", raw("POST", "/api/co/messages/send", `{"thread_id": "`+thread+`", "message": `), 400, "body"},
		{"send thread_id not a number", raw("POST", "/api/co/messages/send", `{"thread_id": "abc", "message": "hei"}`), 400, "thread_id"},
		{"send to another car owner's thread", raw("POST", "/api/co/messages/send", `{"thread_id": "`+threadOf(t, e, 1002)+`", "message": "hei"}`), 404, ""},
		{"send empty message", raw("POST", "/api/co/messages/send", `{"thread_id": "`+thread+`", "message": ""}`), 422, anyField},
		{"send empty multipart", form(map[string]string{"thread_id": thread}), 422, anyField},
		{"send to another workshop's org_nr", raw("POST", "/api/co/messages/send", `{"thread_id": "`+thread+`", "message": "hei", "org_nr": "923609016"}`), 422, "org_nr"},
		{"send a refused file type", form(map[string]string{"thread_id": thread, "message": "se her"}, upload{"run.sh", []byte("#!/bin/sh\nrm -rf /\n")}), 415, ""},
		{"send a file over the limit", form(map[string]string{"thread_id": thread}, upload{"big.png", big}), 413, ""},
		{"send one good file and one refused", form(map[string]string{"thread_id": thread}, upload{"ok.png", pngBytes}, upload{"run.sh", []byte("#!/bin/sh\n")}), 415, ""},
		// notifications
		{"notifications bad status", fetch("/api/co/notifications?status=seen"), 400, "status"},
		{"notifications bad since", fetch("/api/co/notifications?since=yesterday"), 400, "since"},
		{"notifications page 0", fetch("/api/co/notifications?page=0"), 400, "page"},
		{"notifications page_size zero", fetch("/api/co/notifications?page_size=0"), 400, "page_size"},
		{"notification id not a number", fetch("/api/co/notifications/abc"), 400, "id"},
		{"notification id 0", fetch("/api/co/notifications/0"), 400, "id"},
		{"unknown notification", fetch("/api/co/notifications/999999"), 404, ""},
		{"another car owner's notification", fetch("/api/co/notifications/" + theirs), 404, ""},
		{"mark-read malformed JSON", raw("POST", "/api/co/notifications/mark-read", `{"ids": [1,`), 400, "body"},
		{"mark-read ids not a list", raw("POST", "/api/co/notifications/mark-read", `{"ids": "1"}`), 400, "ids"},
		{"mark-read ids of strings", raw("POST", "/api/co/notifications/mark-read", `{"ids": ["abc"]}`), 400, "ids"},
		{"mark-read fractional id", raw("POST", "/api/co/notifications/mark-read", `{"ids": [1.5]}`), 400, "ids"},
		{"mark-read negative id", raw("POST", "/api/co/notifications/mark-read", `{"ids": [-1]}`), 400, "ids"},
		{"mark-read empty ids", raw("POST", "/api/co/notifications/mark-read", `{"ids": []}`), 400, "ids"},
		{"mark-read without ids", raw("POST", "/api/co/notifications/mark-read", `{}`), 400, "ids"},
		{"mark-read without a body", raw("POST", "/api/co/notifications/mark-read", ``), 400, "ids"},
		{"mark-read unknown id", raw("POST", "/api/co/notifications/mark-read", `{"ids": [999999]}`), 404, ""},
		{"mark-read mine and someone else's", raw("POST", "/api/co/notifications/mark-read", `{"ids": [`+mine+`, `+theirs+`]}`), 404, ""},
		// search
		{"search lat without lng", fetch("/api/co/filters/search?q=oslo&lat=59.9"), 400, "lng"},
		{"search lng without lat", fetch("/api/co/filters/search?lng=10.7"), 400, "lat"},
		{"search lat not a number", fetch("/api/co/filters/search?lat=north&lng=10.7"), 400, "lat"},
		{"search lat out of range", fetch("/api/co/filters/search?lat=91&lng=10.7"), 400, "lat"},
		{"search lng out of range", fetch("/api/co/filters/search?lat=59&lng=-181"), 400, "lng"},
		{"search lat NaN", fetch("/api/co/filters/search?lat=NaN&lng=10"), 400, "lat"},
		{"search limit 0", fetch("/api/co/filters/search?limit=0"), 400, "limit"},
		{"search text too long", fetch("/api/co/filters/search?q=" + strings.Repeat("a", 201)), 400, "query"},
		// methods and credentials
		{"DELETE inbox", raw("DELETE", "/api/co/messages/inbox", ""), 405, ""},
		{"PUT send", raw("PUT", "/api/co/messages/send", `{}`), 405, ""},
		{"POST search", raw("POST", "/api/co/filters/search", `{}`), 405, ""},
		{"PATCH notifications", raw("PATCH", "/api/co/notifications", `{}`), 405, ""},
		{"DELETE unread-count", raw("DELETE", "/api/co/notifications/unread-count", ""), 405, ""},
		{"POST a notification", raw("POST", "/api/co/notifications/"+mine, `{}`), 405, ""},
		{"GET notifications mark-read", fetch("/api/co/notifications/mark-read"), 405, ""},
		{"GET notifications read-all", fetch("/api/co/notifications/read-all"), 405, ""},
		{"no token", func() reply { return call(t, e, apptest.Creds{}, "GET", "/api/co/notifications", nil) }, 401, ""},
		{"a workshop's token", func() reply {
			return call(t, e, e.User(t, "ws-bilfix"), "POST", "/api/co/notifications/read-all", nil)
		}, 403, ""},
		{"a buyer's token", func() reply { return call(t, e, e.User(t, "usr_per"), "GET", "/api/co/filters/search", nil) }, 403, ""},
		{"no such route", fetch("/api/co/notifications/1/extra"), 404, ""},
	}
	written := func() [4]int64 {
		return [4]int64{scalar(t, e, "SELECT count(*) FROM messages"), scalar(t, e, "SELECT count(*) FROM attachments"),
			scalar(t, e, "SELECT count(*) FROM message_reads"), scalar(t, e, "SELECT count(*) FROM notifications WHERE read_at IS NOT NULL")}
	}
	before := written()
	for _, c := range cases {
		r := c.call()
		if r.Status != c.status {
			t.Errorf("%s = %d, want %d: %s", c.name, r.Status, c.status, r.Raw)
			continue
		}
		checkShape(t, c.name, docError, r.Body)
		if field, _ := r.Body["error"].(map[string]any)["field"].(string); field != c.field && c.field != anyField {
			t.Errorf("%s: error.field %q, want %q: %s", c.name, field, c.field, r.Raw)
		}
		if c.status == 405 && r.Body["error"].(map[string]any)["code"] != "METHOD_NOT_ALLOWED" {
			t.Errorf("%s: code %v", c.name, r.Body["error"])
		}
		if after := written(); after != before {
			t.Errorf("%s wrote: messages, attachments, reads, read notifications %v -> %v", c.name, before, after)
			before = after
		}
	}
	if r := call(t, e, kari, "GET", "/api/co/notifications/"+theirs, nil); r.Status != 200 || get(r.Body, "is_read") != false {
		t.Errorf("the owner still sees it unread = %d %s", r.Status, r.Raw)
	}
}
