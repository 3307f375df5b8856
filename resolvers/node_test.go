package resolvers_test

import (
	"testing"

	"github.com/parley/parley/cmd/parley/app/apptest"
)

// node(id:) finds attachments (for the parties of their conversation) and reports (for the
// back office); to anyone else they do not exist.
func TestNodeFindsAttachmentsAndReports(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	ola, kari := e.User(t, "co-ola"), e.User(t, "co-kari")
	var sentOut struct {
		SendMessage struct{ Message struct{ Attachments []struct{ ID string } } }
	}
	e.GQL(t, ola, `mutation($in: SendMessageInput!) { sendMessage(input: $in) { message { attachments { id } } } }`, map[string]any{"in": map[string]any{
		"conversationId": threadOf(t, e, 1001), "attachments": []any{map[string]any{"url": "https://cdn.example.no/a.png", "contentType": "image/png"}}}}).Decode(t, &sentOut)
	att := sentOut.SendMessage.Message.Attachments[0].ID
	const nodeQ = `query($id: ID!) { node(id: $id) { id ... on Attachment { url } ... on Report { reason } } }`
	var got struct{ Node struct{ ID, URL, Reason string } }
	e.GQL(t, e.User(t, "ws-bilfix"), nodeQ, map[string]any{"id": att}).Decode(t, &got)
	if got.Node.ID != att || got.Node.URL != "https://cdn.example.no/a.png" {
		t.Fatalf("the workshop's node(attachment) = %+v", got)
	}
	if r := e.GQL(t, kari, nodeQ, map[string]any{"id": att}); r.Code() != "NOT_FOUND" {
		t.Fatalf("a stranger's node(attachment): code %q %+v", r.Code(), r.Errors)
	}

	lise := e.User(t, "usr_lise")
	var msgs struct {
		Messages struct{ Nodes []struct{ ID string } }
	}
	e.GQL(t, lise, `query($c: ID!) { messages(conversationId: $c) { nodes { id } } }`, map[string]any{"c": convOf(t, e, "golf7")}).Decode(t, &msgs)
	var rep struct{ ReportMessage struct{ ID string } }
	e.GQL(t, lise, `mutation($m: ID!) { reportMessage(input: {messageId: $m, reason: SPAM}) { id } }`,
		map[string]any{"m": msgs.Messages.Nodes[1].ID}).Decode(t, &rep)
	got.Node.Reason = ""
	e.GQL(t, apptest.Office(), nodeQ, map[string]any{"id": rep.ReportMessage.ID}).Decode(t, &got)
	if got.Node.ID != rep.ReportMessage.ID || got.Node.Reason != "SPAM" {
		t.Fatalf("the back office's node(report) = %+v", got)
	}
	for who, c := range map[string]apptest.Creds{"the reporter": lise, "a stranger": ola} {
		if r := e.GQL(t, c, nodeQ, map[string]any{"id": rep.ReportMessage.ID}); r.Code() != "NOT_FOUND" {
			t.Errorf("%s's node(report): code %q %+v", who, r.Code(), r.Errors)
		}
	}
	if r := e.GQL(t, apptest.Creds{}, nodeQ, map[string]any{"id": rep.ReportMessage.ID}); r.Code() != "UNAUTHENTICATED" {
		t.Errorf("no credentials: code %q", r.Code())
	}
}
