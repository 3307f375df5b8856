package resolvers_test

import (
	"testing"

	"github.com/parley/parley/server/apptest"
)

// A clientMessageId reused for a different message is a CONFLICT, not the earlier message;
// the same message again is still the earlier one.
func TestSendReusedClientMessageIDWithAnotherBodyConflicts(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	conv := threadOf(t, e, 1002)
	kari := e.User(t, "co-kari")
	vars := func(in map[string]any) map[string]any {
		in["conversationId"], in["clientMessageId"] = conv, "k-1"
		return map[string]any{"in": in}
	}
	var first sent
	e.GQL(t, kari, sendMutation, vars(map[string]any{"body": "first words"})).Decode(t, &first)
	for name, in := range map[string]map[string]any{
		"other text":       {"body": "second words"},
		"added attachment": {"body": "first words", "attachments": []any{map[string]any{"url": "https://cdn.example.no/a.png", "contentType": "image/png"}}},
		"other type":       {"body": "first words", "type": "QUICK_REPLY"},
	} {
		if r := e.GQL(t, kari, sendMutation, vars(in)); r.Code() != "CONFLICT" {
			t.Errorf("%s under a used clientMessageId: code %q, errors %+v", name, r.Code(), r.Errors)
		}
	}
	var again sent
	e.GQL(t, kari, sendMutation, vars(map[string]any{"body": "  first words "})).Decode(t, &again)
	if again.SendMessage.Created || again.SendMessage.Message.ID != first.SendMessage.Message.ID {
		t.Fatalf("an identical retry = %+v, want the first message", again.SendMessage)
	}
	if n := totalMessages(t, e, conv); n != 3 {
		t.Fatalf("thread has %d messages, want 3", n)
	}
}

// An IMAGE or DOCUMENT message needs an attachment.
func TestSendImageOrDocumentNeedsAnAttachment(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	conv := threadOf(t, e, 1001)
	ola := e.User(t, "co-ola")
	for _, typ := range []string{"IMAGE", "DOCUMENT"} {
		r := e.GQL(t, ola, sendMutation, map[string]any{"in": map[string]any{"conversationId": conv, "body": "see file", "type": typ}})
		if r.Code() != "BAD_USER_INPUT" || len(r.Errors) == 0 || r.Errors[0].Extensions["field"] != "attachments" {
			t.Errorf("%s without an attachment: %+v", typ, r.Errors)
		}
	}
	with := map[string]any{"conversationId": conv, "type": "IMAGE",
		"attachments": []any{map[string]any{"url": "https://cdn.example.no/a.png", "contentType": "image/png"}}}
	if r := e.GQL(t, ola, sendMutation, map[string]any{"in": with}); r.Code() != "" {
		t.Fatalf("IMAGE with an attachment: %+v", r.Errors)
	}
	if n := totalMessages(t, e, conv); n != 4 {
		t.Fatalf("thread has %d messages, want 4", n)
	}
}

// A file given by URL passes the same content-type allow-list as an upload.
func TestSendURLAttachmentTypeIsChecked(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	conv := threadOf(t, e, 1001)
	ola := e.User(t, "co-ola")
	const q = `mutation($in: SendMessageInput!) { sendMessage(input: $in) { message { attachments { contentType } } } }`
	att := func(a map[string]any) map[string]any {
		return map[string]any{"in": map[string]any{"conversationId": conv, "body": "file", "attachments": []any{a}}}
	}
	for name, a := range map[string]map[string]any{
		"an executable":              {"url": "https://cdn.example.no/setup.exe", "contentType": "application/x-msdownload"},
		"html":                       {"url": "https://cdn.example.no/page", "contentType": "text/html; charset=utf-8"},
		"no type, unknown extension": {"url": "https://cdn.example.no/blob.bin"},
		"octet-stream":               {"url": "https://cdn.example.no/x.exe", "contentType": "application/octet-stream"},
	} {
		if r := e.GQL(t, ola, q, att(a)); r.Code() != "BAD_USER_INPUT" {
			t.Errorf("%s: code %q %+v", name, r.Code(), r.Errors)
		}
	}
	var out struct {
		SendMessage struct {
			Message struct {
				Attachments []struct{ ContentType string }
			}
		}
	}
	e.GQL(t, ola, q, att(map[string]any{"url": "https://cdn.example.no/photo.JPG"})).Decode(t, &out)
	if got := out.SendMessage.Message.Attachments[0].ContentType; got != "image/jpeg" {
		t.Fatalf("a .jpg without a declared type is %q", got)
	}
	e.GQL(t, ola, q, att(map[string]any{"url": "https://cdn.example.no/f", "name": "offer.docx"})).Decode(t, &out)
	if got := out.SendMessage.Message.Attachments[0].ContentType; got != "application/vnd.openxmlformats-officedocument.wordprocessingml.document" {
		t.Fatalf("a .docx without a declared type is %q", got)
	}
}
