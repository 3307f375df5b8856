package resolvers_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/parley/parley/server/apptest"
)

func TestSendIsIdempotentWithClientMessageID(t *testing.T) {
	e := apptest.New(t)
	conv := threadOf(t, e, 1002)
	kari := e.User(t, "co-kari")
	in := map[string]any{"in": map[string]any{"conversationId": conv, "body": "retry me", "clientMessageId": "c-42"}}
	var first, second sent
	e.GQL(t, kari, sendMutation, in).Decode(t, &first)
	e.GQL(t, kari, sendMutation, in).Decode(t, &second)
	if !first.SendMessage.Created || second.SendMessage.Created {
		t.Fatalf("created = %v then %v, want true then false", first.SendMessage.Created, second.SendMessage.Created)
	}
	if first.SendMessage.Message.ID != second.SendMessage.Message.ID {
		t.Fatalf("retry returned message %s, want %s", second.SendMessage.Message.ID, first.SendMessage.Message.ID)
	}
	if n := totalMessages(t, e, conv); n != 3 {
		t.Fatalf("thread has %d messages, want 3 (2 seeded + 1)", n)
	}
	other := map[string]any{"in": map[string]any{"conversationId": threadOf(t, e, 1001), "body": "x", "clientMessageId": "c-42"}}
	if r := e.GQL(t, e.User(t, "co-ola"), sendMutation, other); r.Code() != "" {
		t.Fatalf("another user's identical clientMessageId: %+v", r.Errors)
	}
}

func TestSendCountsUnreadAndNotifiesTheOtherSide(t *testing.T) {
	e := apptest.New(t)
	conv := threadOf(t, e, 1002)
	kari, shop := e.User(t, "co-kari"), e.User(t, "ws-dekk")
	before := unread(t, e, shop).UnreadCounts
	send(t, e, kari, conv, "Is it ready?")
	send(t, e, kari, conv, "I can come at 4.")
	after := unread(t, e, shop).UnreadCounts
	if after.Messages != before.Messages+2 || after.Notifications != before.Notifications+2 {
		t.Fatalf("workshop unread %+v -> %+v, want +2 messages and +2 notifications", before, after)
	}
	if k := unread(t, e, kari).UnreadCounts; k.Messages != 1 {
		t.Fatalf("sender's own unread = %d, want 1 (the seeded reply, not their own messages)", k.Messages)
	}
	res := markRead(t, e, shop, conv, "")
	if res.MarkConversationRead.Updated != 3 || res.MarkConversationRead.UnreadCount != 0 {
		t.Fatalf("workshop mark read = %+v, want 3 updated and 0 left", res.MarkConversationRead)
	}
	if got := unread(t, e, shop).UnreadCounts; got.Messages != 0 || got.Notifications != 0 {
		t.Fatalf("after reading: %+v, want 0 messages and the thread's notifications read", got)
	}
	// The car owner still has the workshop's seeded reply unread: reading is per side.
	if k := unread(t, e, kari).UnreadCounts; k.Messages != 1 {
		t.Fatalf("car owner's unread after the workshop read = %d, want 1", k.Messages)
	}
	var isRead struct {
		Messages struct {
			Nodes []struct{ IsMine, IsRead bool }
		}
	}
	e.GQL(t, kari, `query($c: ID!) { messages(conversationId: $c) { nodes { isMine isRead } } }`, map[string]any{"c": conv}).Decode(t, &isRead)
	for _, n := range isRead.Messages.Nodes {
		if n.IsMine && !n.IsRead {
			t.Fatalf("the car owner's messages should show as read by the workshop: %+v", isRead.Messages.Nodes)
		}
	}
}

func TestSendRejectsBadInputAndWritesNothing(t *testing.T) {
	e := apptest.New(t)
	conv := threadOf(t, e, 1001)
	ola := e.User(t, "co-ola")
	cases := []struct {
		name string
		in   map[string]any
		code string
	}{
		{"empty body, no attachment", map[string]any{"conversationId": conv, "body": "   "}, "BAD_USER_INPUT"},
		{"no body at all", map[string]any{"conversationId": conv}, "BAD_USER_INPUT"},
		{"oversized body", map[string]any{"conversationId": conv, "body": strings.Repeat("x", 10001)}, "BAD_USER_INPUT"},
		{"unknown thread", map[string]any{"conversationId": "999999", "body": "hi"}, "NOT_FOUND"},
		{"malformed id", map[string]any{"conversationId": "not-an-id", "body": "hi"}, "BAD_USER_INPUT"},
		{"negative id", map[string]any{"conversationId": "-3", "body": "hi"}, "BAD_USER_INPUT"},
		{"system type", map[string]any{"conversationId": conv, "body": "hi", "type": "SYSTEM"}, "BAD_USER_INPUT"},
		{"unknown template", map[string]any{"conversationId": conv, "templateId": "77777"}, "NOT_FOUND"},
		{"attachment without file or url", map[string]any{"conversationId": conv, "attachments": []any{map[string]any{"name": "x"}}}, "BAD_USER_INPUT"},
	}
	before := totalMessages(t, e, conv)
	notesBefore := count(t, e, "notifications")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.GQL(t, ola, sendMutation, map[string]any{"in": c.in})
			if r.Code() != c.code {
				t.Fatalf("code = %q, want %q (%+v)", r.Code(), c.code, r.Errors)
			}
			if r.Status != http.StatusOK || strings.Contains(r.Errors[0].Message, "internal") {
				t.Fatalf("status %d message %q", r.Status, r.Errors[0].Message)
			}
		})
	}
	if after := totalMessages(t, e, conv); after != before {
		t.Fatalf("messages %d -> %d after rejected sends", before, after)
	}
	if after := count(t, e, "notifications"); after != notesBefore {
		t.Fatalf("notifications %d -> %d after rejected sends", notesBefore, after)
	}
	// A value outside an enum is refused by GraphQL validation, before any resolver runs.
	r := e.GQL(t, ola, sendMutation, map[string]any{"in": map[string]any{"conversationId": conv, "body": "x", "type": "SHOUT"}})
	if r.Code() != "GRAPHQL_VALIDATION_FAILED" {
		t.Fatalf("unknown message type: code %q", r.Code())
	}
}

func TestSendWithTemplate(t *testing.T) {
	e := apptest.New(t)
	anne := e.User(t, "usr_anne")
	var tpls struct {
		MessageTemplates []struct {
			ID, Name  string
			Variables []string
		}
	}
	e.GQL(t, anne, `{ messageTemplates { id name variables } }`, nil).Decode(t, &tpls)
	if len(tpls.MessageTemplates) != 1 || !equal(tpls.MessageTemplates[0].Variables, []string{"name", "day", "time"}) {
		t.Fatalf("templates = %+v", tpls)
	}
	tpl := tpls.MessageTemplates[0].ID
	conv := convOf(t, e, "tesla3")
	missing := e.GQL(t, anne, sendMutation, map[string]any{"in": map[string]any{"conversationId": conv, "templateId": tpl,
		"variables": map[string]any{"name": "Per", "day": "lørdag"}}})
	if missing.Code() != "BAD_USER_INPUT" || !strings.Contains(missing.Errors[0].Message, "{{time}}") {
		t.Fatalf("missing variable: %+v", missing.Errors)
	}
	var ok sent
	e.GQL(t, anne, sendMutation, map[string]any{"in": map[string]any{"conversationId": conv, "templateId": tpl,
		"variables": map[string]any{"name": "Per", "day": "lørdag", "time": 12}}}).Decode(t, &ok)
	if got := ok.SendMessage.Message.Body; got != "Hei Per! Du er velkommen på visning lørdag kl. 12." {
		t.Fatalf("rendered = %q", got)
	}
	if r := e.GQL(t, e.User(t, "usr_per"), sendMutation, map[string]any{"in": map[string]any{"conversationId": conv, "templateId": tpl,
		"variables": map[string]any{"name": "x", "day": "x", "time": "x"}}}); r.Code() != "NOT_FOUND" {
		t.Fatalf("someone else's template: code %q", r.Code())
	}
}

// pngBytes is a 1x1 PNG.
var pngBytes = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")

// upload sends a message with one file through the GraphQL multipart request spec.
func upload(t *testing.T, e *apptest.Env, c apptest.Creds, conv, name string, content []byte) *apptest.Response {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	ops, _ := json.Marshal(map[string]any{"query": `mutation($in: SendMessageInput!) { sendMessage(input: $in) { message { id attachments { name contentType size url sha256 } } } }`,
		"variables": map[string]any{"in": map[string]any{"conversationId": conv, "attachments": []any{map[string]any{"file": nil}}}}})
	_ = w.WriteField("operations", string(ops))
	_ = w.WriteField("map", `{"0": ["variables.in.attachments.0.file"]}`)
	fw, _ := w.CreateFormFile("0", name)
	_, _ = fw.Write(content) // a multipart.Writer over a bytes.Buffer does not fail
	w.Close()
	req, _ := http.NewRequest(http.MethodPost, e.URL+"/graphql", &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return e.Do(t, c, req)
}

func TestSendUploadsAnAttachmentAndServesItToParticipantsOnly(t *testing.T) {
	e := apptest.New(t)
	conv := threadOf(t, e, 1001)
	var out struct {
		SendMessage struct {
			Message struct {
				Attachments []struct {
					Name, ContentType, URL, Sha256 string
					Size                           int
				}
			}
		}
	}
	upload(t, e, e.User(t, "co-ola"), conv, "dent.png", pngBytes).Decode(t, &out)
	atts := out.SendMessage.Message.Attachments
	if len(atts) != 1 || atts[0].ContentType != "image/png" || atts[0].Size != len(pngBytes) || len(atts[0].Sha256) != 64 {
		t.Fatalf("attachments = %+v", atts)
	}
	get := func(c apptest.Creds) int {
		req, _ := http.NewRequest(http.MethodGet, e.URL+atts[0].URL, nil)
		if c.Token != "" {
			req.Header.Set("Authorization", "Bearer "+c.Token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := get(e.User(t, "ws-bilfix")); s != 200 {
		t.Fatalf("the workshop downloads: status %d", s)
	}
	if s := get(e.User(t, "co-kari")); s != 404 {
		t.Fatalf("another car owner downloads: status %d, want 404", s)
	}
	if s := get(apptest.Creds{}); s != 401 {
		t.Fatalf("no token downloads: status %d, want 401", s)
	}
	files := count(t, e, "attachments")
	if r := upload(t, e, e.User(t, "co-ola"), conv, "run.sh", []byte("#!/bin/sh\nrm -rf /\n")); r.Code() != "BAD_USER_INPUT" {
		t.Fatalf("a shell script: code %q", r.Code())
	}
	if r := upload(t, e, e.User(t, "co-ola"), conv, "big.png", append(pngBytes, make([]byte, 2<<20)...)); r.Code() != "BAD_USER_INPUT" {
		t.Fatalf("a file over the limit: code %q", r.Code())
	}
	if after := count(t, e, "attachments"); after != files {
		t.Fatalf("attachments %d -> %d after refused uploads", files, after)
	}
}

func count(t *testing.T, e *apptest.Env, table string) int {
	t.Helper()
	var n int
	if err := e.Store.DB.NewRaw("SELECT count(*) FROM "+table).Scan(t.Context(), &n); err != nil {
		t.Fatal(err)
	}
	return n
}
