package resolvers_test

import (
	"testing"

	"github.com/parley/parley/server/apptest"
)

// node(id:) finds attachments (for the parties of their conversation) and reports (for the
// back office); to anyone else they do not exist.
func TestNodeFindsAttachmentsAndReports(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	ola, kari := e.User(t, "co-ola"), e.User(t, "co-kari")
	var sentOut struct {
		SendMessage struct {
			Message struct{ Attachments []struct{ ID string } }
		}
	}
	e.GQL(t, ola, `mutation($in: SendMessageInput!) { sendMessage(input: $in) { message { attachments { id } } } }`, map[string]any{"in": map[string]any{
		"conversationId": threadOf(t, e, 1001), "attachments": []any{map[string]any{"url": "https://cdn.example.no/a.png", "contentType": "image/png"}}}}).Decode(t, &sentOut)
	att := sentOut.SendMessage.Message.Attachments[0].ID
	const nodeQ = `query($id: ID!) { node(id: $id) { id ... on Attachment { url } ... on Report { reason } } }`
	var got struct {
		Node struct{ ID, URL, Reason string }
	}
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

// Conversation.conversationId is an ID like every other conversation id: the database id as
// a string, accepted wherever a conversation id is.
func TestConversationIDIsAnID(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	var typ struct {
		Type struct {
			Fields []struct {
				Name string
				Type struct {
					Kind   string
					OfType struct{ Name string }
				}
			}
		} `json:"__type"`
	}
	e.GQL(t, apptest.Office(), `{ __type(name: "Conversation") { fields { name type { kind ofType { name } } } } }`, nil).Decode(t, &typ)
	for _, f := range typ.Type.Fields {
		if f.Name == "conversationId" && (f.Type.Kind != "NON_NULL" || f.Type.OfType.Name != "ID") {
			t.Fatalf("conversationId is %+v, want ID!", f.Type)
		}
	}
	kari := e.User(t, "co-kari")
	var out struct{ BookingConversation struct{ ConversationID any } }
	e.GQL(t, kari, `{ bookingConversation(bookingId: 1002) { conversationId } }`, nil).Decode(t, &out)
	id, isString := out.BookingConversation.ConversationID.(string)
	if !isString || id != threadOf(t, e, 1002) {
		t.Fatalf("conversationId = %#v, want the string %q", out.BookingConversation.ConversationID, threadOf(t, e, 1002))
	}
	if r := e.GQL(t, kari, `query($c: ID!) { conversation(id: $c) { unreadCount } }`, map[string]any{"c": id}); r.Code() != "" {
		t.Fatalf("conversation(id: conversationId): %+v", r.Errors)
	}
}
