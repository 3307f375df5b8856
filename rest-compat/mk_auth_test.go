package restcompat_test

import (
	"testing"

	"github.com/parley/parley/server/apptest"
)

// Every marketplace route: no token is 401, a car owner's or a workshop's token 403, another
// buyer on a conversation-specific route 404, and the owner gets the answer. Each request is
// first refused, then made by the owner, in an order that keeps later rows possible (delete
// last).
func TestMKAuthorizationPerRoute(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	per, lise := e.User(t, "usr_per"), e.User(t, "usr_lise")
	conv := convOf(t, e, "tesla3")
	annes := get(messagesOf(t, e, per, conv)[1], "id").(string)
	ntf := firstNotification(t, e, per)["id"].(string)
	routes := []struct {
		method, path string
		body         any
		owner        int
		specific     bool // about one conversation, message or notification of the owner's
	}{
		{"GET", "/api/messages", nil, 200, false},
		{"GET", "/api/messages/unread", nil, 200, false},
		{"GET", "/api/messages/" + conv, nil, 200, true},
		{"POST", "/api/messages", map[string]any{"conversation_id": conv, "content": "hei"}, 201, true},
		{"PATCH", "/api/messages/" + conv + "/archive", nil, 200, true},
		{"GET", "/api/notifications", nil, 200, false},
		{"GET", "/api/notifications/unread-count", nil, 200, false},
		{"PATCH", "/api/notifications/" + ntf + "/read", nil, 200, true},
		{"PATCH", "/api/notifications/read-all", nil, 200, false},
		{"GET", "/v1/messages/conversations", nil, 200, false},
		{"GET", "/v1/messages/conversations/" + conv, nil, 200, true},
		{"POST", "/v1/messages/conversations", map[string]any{"listing_id": "lst_golf7", "message": "Hei"}, 201, false},
		{"POST", "/v1/messages/conversations/" + conv, map[string]any{"content": "hei", "type": "text"}, 201, true},
		{"PUT", "/v1/messages/conversations/" + conv + "/read", nil, 200, true},
		{"PUT", "/v1/messages/conversations/" + conv + "/archive", nil, 200, true},
		{"DELETE", "/v1/messages/conversations/" + conv + "/archive", nil, 200, true},
		{"GET", "/v1/messages/templates", nil, 200, false},
		{"POST", "/v1/messages/templates", map[string]any{"name": "Svar", "category": "inquiry", "content": "Takk!"}, 201, false},
		{"GET", "/v1/messages/unread", nil, 200, false},
		{"POST", "/v1/messages/" + annes + "/report", map[string]any{"reason": "spam", "details": "reklame"}, 201, true},
		{"DELETE", "/v1/messages/conversations/" + conv, nil, 200, true},
	}
	for _, rt := range routes {
		what := rt.method + " " + rt.path
		mkErr(t, what+" without a token", call(t, e, apptest.Creds{}, rt.method, rt.path, rt.body), 401, "")
		mkErr(t, what+" as a car owner", call(t, e, e.User(t, "co-ola"), rt.method, rt.path, rt.body), 403, "")
		mkErr(t, what+" as a workshop", call(t, e, e.User(t, "ws-bilfix"), rt.method, rt.path, rt.body), 403, "")
		if rt.specific {
			mkErr(t, what+" as another buyer", call(t, e, lise, rt.method, rt.path, rt.body), 404, "")
		}
		mkOK(t, what+" as the owner", call(t, e, per, rt.method, rt.path, rt.body), rt.owner)
	}
	// The refused requests wrote nothing of lise's: her one conversation is untouched.
	if got := conversationIDs(t, e, lise, ""); len(got) != 1 || got[0] != convOf(t, e, "golf7") {
		t.Fatalf("lise's conversations = %v", got)
	}
	if got := messagesOf(t, e, lise, convOf(t, e, "golf7")); len(got) != 3 {
		t.Fatalf("lise's messages = %d, want 3", len(got))
	}
}
