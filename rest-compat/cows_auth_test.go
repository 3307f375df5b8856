package restcompat_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/parley/parley/server/apptest"
)

// authCase is one car-owner or workshop route as its owner would call it. Thread routes are
// 404 for another user of the same role; the caller's own lists are 2xx for anyone of the
// role; every route is 403 for another namespace's token and 401 without one.
type authCase struct {
	method, path string
	body         func(e *apptest.Env) any
	ownStatus    int
	threadBound  bool
}

func TestCOAndWSAuthorizationPerRoute(t *testing.T) {
	e := apptest.New(t)
	var notification int
	if err := e.Store.DB.NewRaw("SELECT min(id) FROM notifications WHERE user_id = 'co-ola'").Scan(t.Context(), &notification); err != nil {
		t.Fatal(err)
	}
	var lastMsg int64
	if err := e.Store.DB.NewRaw("SELECT max(id) FROM messages WHERE conversation_id = ?", threadOf(t, e, 1001)).Scan(t.Context(), &lastMsg); err != nil {
		t.Fatal(err)
	}
	thread := func(*apptest.Env) any { return map[string]any{"thread_id": threadOf(t, e, 1001), "message": "auth"} }
	readUpTo := func(*apptest.Env) any { return map[string]any{"last_read_id": lastMsg} }
	co := []authCase{
		{"GET", "/api/co/filters/search?q=oslo", nil, 200, false},
		{"GET", "/api/co/messages/inbox", nil, 200, false},
		{"POST", "/api/co/messages/mark-read", func(*apptest.Env) any { return map[string]any{"thread_id": threadOf(t, e, 1001)} }, 200, true},
		{"POST", "/api/co/messages/send", thread, 201, true},
		{"GET", "/api/co/messages/thread/1001", nil, 200, true},
		{"GET", "/api/co/messages/1001", nil, 200, true},
		{"GET", "/api/co/messages/1001/messages", nil, 200, true},
		{"POST", "/api/co/messages/thread/1001/read-up-to", readUpTo, 200, true},
		{"POST", "/api/co/messages/1001/messages/read-up-to", readUpTo, 200, true},
		{"GET", "/api/co/notifications", nil, 200, false},
		{"POST", "/api/co/notifications/mark-read", func(*apptest.Env) any { return map[string]any{"ids": []int{notification}} }, 200, true},
		{"POST", "/api/co/notifications/read-all", nil, 200, false},
		{"GET", "/api/co/notifications/unread-count", nil, 200, false},
		{"GET", fmt.Sprintf("/api/co/notifications/%d", notification), nil, 200, true},
	}
	ws := []authCase{
		{"GET", "/api/ws/messages", nil, 200, false},
		{"POST", "/api/ws/messages", func(*apptest.Env) any { return map[string]any{"booking_id": 1001, "message": "auth"} }, 201, true},
		{"GET", "/api/ws/messages/thread?id=1001", nil, 200, true},
		{"GET", "/api/ws/messages/thread/1001", nil, 200, true},
		{"POST", "/api/ws/messages/thread/1001/send", func(*apptest.Env) any { return map[string]any{"message": "auth"} }, 201, true},
	}
	run := func(cases []authCase, owner, sameRole, otherNamespace apptest.Creds) {
		for _, c := range cases {
			var body any
			if c.body != nil {
				body = c.body(e)
			}
			callers := []struct {
				who   string
				creds apptest.Creds
				want  int
			}{
				{"owner", owner, c.ownStatus},
				{"same role", sameRole, c.ownStatus},
				{"other namespace", otherNamespace, http.StatusForbidden},
				{"no token", apptest.Creds{}, http.StatusUnauthorized},
			}
			if c.threadBound {
				callers[1].want = http.StatusNotFound
			}
			for _, caller := range callers {
				r := call(t, e, caller.creds, c.method, c.path, body)
				if r.Status != caller.want {
					t.Errorf("%s %s as %s = %d, want %d: %s", c.method, c.path, caller.who, r.Status, caller.want, r.Raw)
				}
			}
		}
	}
	run(co, e.User(t, "co-ola"), e.User(t, "co-kari"), e.User(t, "usr_per"))
	run(ws, e.User(t, "ws-bilfix"), e.User(t, "ws-dekk"), e.User(t, "co-ola"))
}
