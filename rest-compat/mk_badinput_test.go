package restcompat_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/parley/parley/server/apptest"
)

// rawCall sends a body as it is, JSON or not.
func rawCall(t *testing.T, e *apptest.Env, c apptest.Creds, method, path, body string) reply {
	t.Helper()
	req, _ := http.NewRequest(method, e.URL+path, bytes.NewReader([]byte(body)))
	req.Header.Set("Content-Type", "application/json")
	return do(t, c, req)
}

// mkState is everything the bad requests below could have changed, as per and anne see it.
func mkState(t *testing.T, e *apptest.Env, conv string) string {
	t.Helper()
	per, anne := e.User(t, "usr_per"), e.User(t, "usr_anne")
	var b strings.Builder
	for _, r := range []reply{
		call(t, e, per, "GET", "/v1/messages/conversations?status=all", nil),
		call(t, e, per, "GET", "/v1/messages/conversations?status=archived", nil),
		call(t, e, per, "GET", "/v1/messages/conversations/"+conv, nil),
		call(t, e, anne, "GET", "/v1/messages/conversations", nil),
		call(t, e, anne, "GET", "/v1/messages/conversations/"+conv, nil),
		call(t, e, per, "GET", "/v1/messages/templates", nil),
		call(t, e, anne, "GET", "/v1/messages/templates", nil),
		call(t, e, per, "GET", "/api/notifications", nil),
		call(t, e, anne, "GET", "/api/notifications", nil),
	} {
		b.Write(r.Raw)
	}
	return b.String()
}

func TestMKBadInputWritesNothing(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	per, anne := e.User(t, "usr_per"), e.User(t, "usr_anne")
	conv := convOf(t, e, "tesla3")
	msgs := messagesOf(t, e, per, conv)
	own, annes := get(msgs[0], "id").(string), get(msgs[1], "id").(string)
	tpl := templateID(t, e, anne, "Visning")
	mkState(t, e, conv) // both users are seen, so presence does not change below
	before := mkState(t, e, conv)
	v1 := "/v1/messages/conversations/" + conv
	cases := []struct {
		who          apptest.Creds
		method, path string
		body         any // a string is sent as it is
		status       int
		field        string
	}{
		{per, "GET", "/v1/messages/conversations?status=bogus", nil, 400, "status"},
		{per, "GET", "/v1/messages/conversations?role=admin", nil, 400, "role"},
		{per, "GET", "/v1/messages/conversations?page=0", nil, 400, "page"},
		{per, "GET", "/v1/messages/conversations?limit=0", nil, 400, "limit"},
		{per, "GET", "/api/messages?status=deleted", nil, 400, "status"},
		{per, "GET", "/api/messages?limit=abc", nil, 400, "limit"},
		{per, "GET", "/v1/messages/conversations/conv_abc", nil, 400, "id"},
		{per, "GET", "/v1/messages/conversations/" + own, nil, 400, "id"},
		{per, "GET", v1 + "?before=yesterday", nil, 400, "before"},
		{per, "GET", v1 + "?limit=0", nil, 400, "limit"},
		{per, "GET", v1 + "?page=-1", nil, 400, "page"},
		{per, "GET", "/v1/messages/conversations/conv_999999", nil, 404, ""},
		{per, "GET", "/api/messages/abc", nil, 400, "threadId"},
		{per, "POST", "/v1/messages/conversations", map[string]any{}, 400, "listing_id"},
		{per, "POST", "/v1/messages/conversations", map[string]any{"listing_id": 5}, 400, "listing_id"},
		{per, "POST", "/v1/messages/conversations", map[string]any{"listing_id": "lst_bad id"}, 400, "listing_id"},
		{per, "POST", "/v1/messages/conversations", map[string]any{"listing_id": "lst_"}, 400, "listing_id"},
		{per, "POST", "/v1/messages/conversations", "{not json", 400, "body"},
		{per, "POST", "/v1/messages/conversations", map[string]any{"listing_id": "lst_nope", "message": "hei"}, 404, ""},
		{per, "POST", "/v1/messages/conversations", map[string]any{"listing_id": "lst_golf7", "message": strings.Repeat("x", 10001)}, 400, "message"},
		{per, "POST", v1, map[string]any{"content": ""}, 422, "content"},
		{per, "POST", v1, map[string]any{"content": "   "}, 422, "content"},
		{per, "POST", v1, map[string]any{"content": 5}, 400, "content"},
		{per, "POST", v1, map[string]any{"content": strings.Repeat("x", 10001)}, 400, "content"},
		{per, "POST", v1, map[string]any{"content": "x", "type": "video"}, 400, "type"},
		{per, "POST", v1, map[string]any{"content": "x", "type": "system"}, 400, "type"},
		{per, "POST", v1, map[string]any{"template_id": "tpl_x"}, 400, "template_id"},
		{per, "POST", v1, map[string]any{"template_id": "tpl_999999", "variables": map[string]any{}}, 404, ""},
		{anne, "POST", v1, map[string]any{"template_id": tpl, "variables": "name=Per"}, 400, "variables"},
		{anne, "POST", v1, map[string]any{"template_id": tpl}, 400, "variables"},
		{per, "POST", v1, "[1,2]", 400, "body"},
		{per, "POST", "/v1/messages/conversations/conv_x", map[string]any{"content": "x"}, 400, "id"},
		{per, "POST", "/v1/messages/conversations/conv_999999", map[string]any{"content": "x"}, 404, ""},
		{per, "POST", "/api/messages", map[string]any{"content": "x"}, 400, "conversation_id"},
		{per, "POST", "/api/messages", map[string]any{"conversation_id": conv, "listing_id": "lst_golf7", "content": "x"}, 400, "conversation_id"},
		{per, "POST", "/api/messages", map[string]any{"conversation_id": "conv_x", "content": "x"}, 400, "conversation_id"},
		{per, "POST", "/api/messages", map[string]any{"conversation_id": conv, "content": ""}, 422, "content"},
		{per, "POST", "/api/messages", map[string]any{"conversation_id": conv, "content": "x", "type": "gif"}, 400, "type"},
		{per, "POST", "/api/messages", map[string]any{"listing_id": "lst_nope", "content": "x"}, 404, ""},
		{per, "POST", "/api/messages", map[string]any{"listing_id": "lst_golf7", "template_id": tpl}, 400, "listing_id"},
		{per, "PATCH", "/api/messages/xyz/archive", nil, 400, "threadId"},
		{per, "PATCH", "/api/messages/conv_999999/archive", nil, 404, ""},
		{per, "PUT", v1 + "/read", map[string]any{"message_ids": []string{"m1"}}, 400, "message_ids"},
		{per, "PUT", v1 + "/read", map[string]any{"message_ids": []string{}}, 400, "message_ids"},
		{per, "PUT", v1 + "/read", map[string]any{"message_ids": "msg_1"}, 400, "message_ids"},
		{per, "PUT", v1 + "/read", map[string]any{"message_ids": []string{annes, "msg_999999"}}, 404, ""},
		{per, "PUT", v1 + "/read", "{", 400, "body"},
		{per, "PUT", "/v1/messages/conversations/conv_0/read", nil, 400, "id"},
		{per, "PUT", "/v1/messages/conversations/conv_x/archive", nil, 400, "id"},
		{per, "DELETE", "/v1/messages/conversations/conv_x/archive", nil, 400, "id"},
		{per, "DELETE", "/v1/messages/conversations/x", nil, 400, "id"},
		{per, "DELETE", "/v1/messages/conversations/conv_999999", nil, 404, ""},
		{anne, "POST", "/v1/messages/templates", map[string]any{"name": "", "content": "x"}, 400, "name"},
		{anne, "POST", "/v1/messages/templates", map[string]any{"name": "Ny"}, 400, "content"},
		{anne, "POST", "/v1/messages/templates", map[string]any{"name": 5, "content": "x"}, 400, "name"},
		{anne, "POST", "/v1/messages/templates", map[string]any{"name": "Ny", "category": strings.Repeat("c", 51), "content": "x"}, 400, "category"},
		{anne, "POST", "/v1/messages/templates", map[string]any{"name": "Visning", "content": "x"}, 409, ""},
		{per, "POST", "/v1/messages/msg_x/report", map[string]any{"reason": "spam"}, 400, "msgId"},
		{per, "POST", "/v1/messages/" + annes + "/report", map[string]any{}, 400, "reason"},
		{per, "POST", "/v1/messages/" + annes + "/report", map[string]any{"reason": "spam", "details": 5}, 400, "details"},
		{per, "POST", "/v1/messages/" + annes + "/report", map[string]any{"reason": "spam", "details": strings.Repeat("d", 2001)}, 400, "details"},
		{per, "POST", "/v1/messages/" + own + "/report", map[string]any{"reason": "spam"}, 422, "msgId"},
		{per, "POST", "/v1/messages/msg_999999/report", map[string]any{"reason": "spam"}, 404, ""},
		{per, "GET", "/api/notifications?status=archived", nil, 400, "status"},
		{per, "GET", "/api/notifications?since=yesterday", nil, 400, "since"},
		{per, "GET", "/api/notifications?limit=0", nil, 400, "limit"},
		{per, "GET", "/api/notifications?page=x", nil, 400, "page"},
		{per, "PATCH", "/api/notifications/ntf_x/read", nil, 400, "id"},
		{per, "PATCH", "/api/notifications/ntf_999999/read", nil, 404, ""},
	}
	for _, c := range cases {
		what := c.method + " " + c.path
		var r reply
		if s, isRaw := c.body.(string); isRaw {
			r = rawCall(t, e, c.who, c.method, c.path, s)
		} else {
			r = call(t, e, c.who, c.method, c.path, c.body)
		}
		mkErr(t, what, r, c.status, c.field)
	}
	if after := mkState(t, e, conv); after != before {
		t.Fatalf("bad requests changed state:\nbefore %s\nafter  %s", before, after)
	}
}

func TestMKBadMultipart(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	per := e.User(t, "usr_per")
	conv := convOf(t, e, "tesla3")
	path := "/v1/messages/conversations/" + conv
	mkErr(t, "bad variables", multipartCall(t, e, per, "POST", path, []part{{name: "template_id", value: "tpl_1"}, {name: "variables", value: "{"}}), 400, "variables")
	mkErr(t, "bad type", multipartCall(t, e, per, "POST", path, []part{{name: "content", value: "x"}, {name: "type", value: "video"}}), 400, "type")
	mkErr(t, "empty file", multipartCall(t, e, per, "POST", path, []part{{name: "attachment", value: "", filename: "empty.png", contentType: "image/png"}}), 400, "attachment")
	mkErr(t, "nothing", multipartCall(t, e, per, "POST", path, []part{{name: "type", value: "text"}}), 422, "content")
	big := strings.Repeat("\x89PNG\r\n\x1a\n", 200000) // over the test server's 1 MiB file limit
	mkErr(t, "too large", multipartCall(t, e, per, "POST", path, []part{{name: "attachment", value: big, filename: "big.png", contentType: "image/png"}}), 413, "")
	req, _ := http.NewRequest("POST", e.URL+path, strings.NewReader("--x\r\nnot a form"))
	req.Header.Set("Content-Type", "multipart/form-data; boundary=x")
	mkErr(t, "broken form", do(t, per, req), 400, "body")
	if got := messagesOf(t, e, per, conv); len(got) != 2 {
		t.Fatalf("messages after bad multipart sends = %d, want 2", len(got))
	}
}
