package restcompat_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/parley/parley/db"
	"github.com/parley/parley/server/apptest"
)

func TestWSInboxNamesTheCarOwner(t *testing.T) {
	e := apptest.New(t)
	shop := e.User(t, "ws-bilfix")
	r := call(t, e, shop, "GET", "/api/ws/messages?page=1&page_size=20", nil)
	if r.Status != 200 || get(r.Body, "success") != true || get(r.Body, "meta", "total") != 1.0 {
		t.Fatalf("inbox = %d %s", r.Status, r.Raw)
	}
	row := get(r.Body, "data", 0)
	want := map[string]any{"booking_id": 1001.0, "thread_id": threadOf(t, e, 1001), "org_nr": "921460929",
		"car_owner_id": "co-ola", "car_owner_name": "Ola Nordmann", "unread_count": 1.0, "total_messages": 3.0}
	for k, v := range want {
		if get(row, k) != v {
			t.Errorf("row.%s = %v, want %v", k, get(row, k), v)
		}
	}
	if _, ok := row.(map[string]any)["workshop_name"]; ok {
		t.Errorf("a workshop's inbox row names the workshop: %s", r.Raw)
	}
	if get(r.Body, "links", "self") == nil || get(r.Body, "meta", "unread_total") != 1.0 {
		t.Errorf("paging = %s", r.Raw)
	}

	// Parity: the same inbox through GraphQL.
	var gq struct {
		Inbox struct{ TotalCount, UnreadTotal int }
	}
	e.GQL(t, shop, `{ inbox(first: 20, filter: {kind: BOOKING}) { totalCount unreadTotal } }`, nil).Decode(t, &gq)
	if float64(gq.Inbox.TotalCount) != get(r.Body, "meta", "total") || float64(gq.Inbox.UnreadTotal) != get(r.Body, "meta", "unread_total") {
		t.Errorf("GraphQL inbox %+v differs from REST meta %v", gq.Inbox, get(r.Body, "meta"))
	}
}

func TestWSThreadByQueryAndPath(t *testing.T) {
	e := apptest.New(t)
	shop := e.User(t, "ws-bilfix")
	for _, path := range []string{"/api/ws/messages/thread?id=1001", "/api/ws/messages/thread/1001?page=1&size=50"} {
		r := call(t, e, shop, "GET", path, nil)
		msgs, _ := get(r.Body, "data").([]any)
		if r.Status != 200 || get(r.Body, "success") != true || len(msgs) != 3 || get(r.Body, "meta", "org_nr") != "921460929" {
			t.Fatalf("%s = %d %s", path, r.Status, r.Raw)
		}
		first := msgs[0]
		if get(first, "sender_type") != "car_owner" || get(first, "booking_id") != 1001.0 || get(first, "text") != get(first, "message_text") {
			t.Errorf("%s first message = %v", path, first)
		}
	}
	tests := []struct {
		name, path string
		status     int
		field      string
	}{
		{"malformed id", "/api/ws/messages/thread?id=abc", 400, "id"},
		{"malformed path id", "/api/ws/messages/thread/abc", 400, "booking_id"},
		{"another workshop's booking", "/api/ws/messages/thread?id=1002", 404, ""},
		{"no such booking", "/api/ws/messages/thread/999999", 404, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := call(t, e, shop, "GET", tc.path, nil)
			if r.Status != tc.status || get(r.Body, "success") != false || get(r.Body, "message") == nil ||
				(tc.field != "" && get(r.Body, "error", "field") != tc.field) {
				t.Fatalf("%s = %d %s", tc.path, r.Status, r.Raw)
			}
		})
	}
}

func TestWSSendJSONAndMultipart(t *testing.T) {
	e := apptest.New(t)
	shop := e.User(t, "ws-bilfix")
	att := map[string]any{"url": "https://cdn.example.no/brakes.jpg", "content_type": "image/jpeg", "name": "brakes.jpg", "size": 1234}
	byBooking := call(t, e, shop, "POST", "/api/ws/messages", map[string]any{"booking_id": 1001, "message": "Klossene er byttet.", "attachments": []any{att}})
	if byBooking.Status != 201 || get(byBooking.Body, "success") != true || get(byBooking.Body, "message") != "Message sent" {
		t.Fatalf("send by booking = %d %s", byBooking.Status, byBooking.Raw)
	}
	msg := get(byBooking.Body, "data", "message")
	if get(msg, "sender_type") != "workshop" || get(msg, "from") != "workshop" || get(msg, "booking_id") != 1001.0 ||
		get(msg, "content") != "Klossene er byttet." || get(msg, "attachments", 0, "url") != att["url"] {
		t.Errorf("sent message = %v", msg)
	}
	// The workshop read nothing, so the one car-owner message stays unread for it.
	if get(byBooking.Body, "data", "unread_count") != 1.0 {
		t.Errorf("unread_count = %v", get(byBooking.Body, "data", "unread_count"))
	}
	toThread := call(t, e, shop, "POST", "/api/ws/messages/thread/1001/send", map[string]any{"message": "Bilen er klar."})
	if toThread.Status != 201 || get(toThread.Body, "data", "message", "message_text") != "Bilen er klar." {
		t.Fatalf("send to thread = %d %s", toThread.Status, toThread.Raw)
	}
	form := multipartSend(t, e, shop, "/api/ws/messages", map[string]string{"booking_id": "1001", "message": "Kvittering"})
	if form.Status != 201 || get(form.Body, "data", "message", "attachments", 0, "content_type") != "image/png" {
		t.Fatalf("multipart by booking = %d %s", form.Status, form.Raw)
	}
	form = multipartSend(t, e, shop, "/api/ws/messages/thread/1001/send", map[string]string{})
	if form.Status != 201 || get(form.Body, "data", "message", "text") != "" || get(form.Body, "data", "message", "attachments", 0, "name") != "photo.png" {
		t.Fatalf("multipart to thread (file only) = %d %s", form.Status, form.Raw)
	}

	// The car owner sees the four new messages, unread.
	co := call(t, e, e.User(t, "co-ola"), "GET", "/api/co/messages/thread/1001", nil)
	if get(co.Body, "meta", "total") != 7.0 || get(co.Body, "data", 6, "unread") != true {
		t.Errorf("car owner's thread after sends = %s", co.Raw)
	}
}

func TestWSSendErrors(t *testing.T) {
	e := apptest.New(t)
	shop := e.User(t, "ws-bilfix")
	tests := []struct {
		name   string
		creds  apptest.Creds
		path   string
		body   any
		status int
		field  string
	}{
		{"no booking_id", shop, "/api/ws/messages", map[string]any{"message": "hei"}, 400, "booking_id"},
		{"booking_id of the wrong type", shop, "/api/ws/messages", map[string]any{"booking_id": "x", "message": "hei"}, 400, "booking_id"},
		{"another workshop's booking", shop, "/api/ws/messages", map[string]any{"booking_id": 1002, "message": "hei"}, 404, ""},
		{"nothing to send", shop, "/api/ws/messages/thread/1001/send", map[string]any{"message": ""}, 422, "message"},
		{"bad path id", shop, "/api/ws/messages/thread/0/send", map[string]any{"message": "hei"}, 400, "booking_id"},
		{"malformed JSON", shop, "/api/ws/messages/thread/1001/send", "{", 400, "body"},
		{"car owner token", e.User(t, "co-ola"), "/api/ws/messages", map[string]any{"booking_id": 1001, "message": "hei"}, 403, ""},
		{"no token", apptest.Creds{}, "/api/ws/messages/thread/1001/send", map[string]any{"message": "hei"}, 401, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var r reply
			if s, ok := tc.body.(string); ok {
				req, _ := http.NewRequest("POST", e.URL+tc.path, strings.NewReader(s))
				req.Header.Set("Content-Type", "application/json")
				r = do(t, tc.creds, req)
			} else {
				r = call(t, e, tc.creds, "POST", tc.path, tc.body)
			}
			if r.Status != tc.status || get(r.Body, "success") != false || (tc.field != "" && get(r.Body, "error", "field") != tc.field) {
				t.Fatalf("%s = %d %s", tc.path, r.Status, r.Raw)
			}
		})
	}
	// A workshop cannot read a thread it has no part in through the other workshop either.
	if r := call(t, e, e.User(t, "ws-dekk"), "GET", "/api/ws/messages/thread/1001", nil); r.Status != 404 {
		t.Fatalf("ws-dekk reading 1001 = %d %s", r.Status, r.Raw)
	}
}

// multipartSend posts fields and one small PNG as files.
func multipartSend(t *testing.T, e *apptest.Env, c apptest.Creds, path string, fields map[string]string) reply {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("files", "photo.png")
	_, _ = fw.Write(append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...))
	_ = mw.Close()
	req, _ := http.NewRequest("POST", e.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return do(t, c, req)
}

// The workshop document's snippet calls the query form without ?id=: it answers the
// workshop's most recent thread, naming its booking in meta.
func TestWSThreadWithoutIDIsTheMostRecent(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	dekk := e.User(t, "ws-dekk")
	for _, want := range []float64{1003, 1002} {
		if want == 1002 {
			call(t, e, dekk, "POST", "/api/ws/messages/thread/1002/send", map[string]any{"message": "Velkommen fredag."})
		}
		r := call(t, e, dekk, "GET", "/api/ws/messages/thread", nil)
		if r.Status != 200 || get(r.Body, "meta", "booking_id") != want || get(r.Body, "data", 0, "booking_id") != want {
			t.Fatalf("thread without id, want booking %v: %d %s", want, r.Status, r.Raw)
		}
	}
	lonely := apptest.Bearer(apptest.Token(t, db.Viewer{UserID: "ws-bergen", Role: db.RoleWorkshop, OrgNr: "974760673"}))
	if r := call(t, e, lonely, "GET", "/api/ws/messages/thread", nil); r.Status != 404 || get(r.Body, "success") != false {
		t.Fatalf("a workshop without threads = %d %s", r.Status, r.Raw)
	}
}
