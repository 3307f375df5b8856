package restcompat_test

import (
	"testing"

	"github.com/parley/parley/server/apptest"
)

func TestCOInboxThreadSendAndRead(t *testing.T) {
	e := apptest.New(t)
	ola := e.User(t, "co-ola")
	inbox := call(t, e, ola, "GET", "/api/co/messages/inbox?page=1&page_size=1", nil)
	if inbox.Status != 200 || get(inbox.Body, "meta", "total") != 2.0 || get(inbox.Body, "meta", "unread_total") != 3.0 ||
		get(inbox.Body, "meta", "has_next") != true || get(inbox.Body, "links", "next") == nil {
		t.Fatalf("inbox = %d %s", inbox.Status, inbox.Raw)
	}
	thread := threadOf(t, e, 1001)
	msgs := call(t, e, ola, "GET", "/api/co/messages/thread/1001?page=1&size=50", nil)
	if msgs.Status != 200 || len(get(msgs.Body, "data").([]any)) != 3 || get(msgs.Body, "meta", "org_nr") != "921460929" {
		t.Fatalf("thread = %d %s", msgs.Status, msgs.Raw)
	}
	for _, alias := range []string{"/api/co/messages/1001", "/api/co/messages/1001/messages"} {
		if r := call(t, e, ola, "GET", alias, nil); r.Status != 200 || len(get(r.Body, "data").([]any)) != 3 {
			t.Fatalf("%s = %d %s", alias, r.Status, r.Raw)
		}
	}
	sent := call(t, e, ola, "POST", "/api/co/messages/send", map[string]any{"thread_id": thread, "message": "Hei igjen", "org_nr": "921460929"})
	if sent.Status != 201 || get(sent.Body, "message", "text") != "Hei igjen" || get(sent.Body, "message", "sender_type") != "car_owner" {
		t.Fatalf("send = %d %s", sent.Status, sent.Raw)
	}
	last := get(msgs.Body, "data", 2, "id")
	read := call(t, e, ola, "POST", "/api/co/messages/thread/1001/read-up-to", map[string]any{"last_read_id": last})
	if read.Status != 200 || get(read.Body, "updated") != 2.0 || get(read.Body, "unread_count") != 0.0 {
		t.Fatalf("read-up-to = %d %s", read.Status, read.Raw)
	}
	if r := call(t, e, ola, "GET", "/api/co/messages/thread/1002", nil); r.Status != 404 {
		t.Fatalf("someone else's thread = %d %s", r.Status, r.Raw)
	}
	if r := call(t, e, e.User(t, "usr_per"), "GET", "/api/co/messages/inbox", nil); r.Status != 403 {
		t.Fatalf("a buyer on /api/co = %d %s", r.Status, r.Raw)
	}
	if r := call(t, e, apptest.Creds{}, "GET", "/api/co/messages/inbox", nil); r.Status != 401 {
		t.Fatalf("no token = %d %s", r.Status, r.Raw)
	}
	if r := call(t, e, ola, "DELETE", "/api/co/messages/inbox", nil); r.Status != 405 || get(r.Body, "error", "code") != "METHOD_NOT_ALLOWED" {
		t.Fatalf("DELETE inbox = %d %s", r.Status, r.Raw)
	}
	if r := call(t, e, ola, "OPTIONS", "/api/co/messages/thread/1001", nil); r.Status != 200 || get(r.Body, "meta", "request_id") != r.Header.Get("X-Request-ID") {
		t.Fatalf("OPTIONS = %d %s", r.Status, r.Raw)
	}
}

// A literal route path asked with another method is 405, not a malformed id of the parameter
// route beside it.
func TestWrongMethodOnLiteralPathsIs405(t *testing.T) {
	e := apptest.New(t)
	ola := e.User(t, "co-ola")
	for _, path := range []string{"/api/co/messages/send", "/api/co/messages/mark-read", "/api/co/notifications/read-all", "/api/co/notifications/mark-read"} {
		r := call(t, e, ola, "GET", path, nil)
		if r.Status != 405 || get(r.Body, "error", "code") != "METHOD_NOT_ALLOWED" || r.Header.Get("Allow") == "" {
			t.Errorf("GET %s = %d %s", path, r.Status, r.Raw)
		}
	}
	r := call(t, e, ola, "POST", "/api/co/messages/send", map[string]any{"thread_id": threadOf(t, e, 1001), "message": ""})
	if r.Status != 422 || get(r.Body, "error", "field") != "message" {
		t.Errorf("empty send names %v: %s", get(r.Body, "error", "field"), r.Raw)
	}
}
