package resolvers_test

import (
	"net/http"
	"testing"

	"github.com/parley/parley/server/apptest"
)

// Unsending a message blanks its text in the webhook outbox too: a message.received or
// message.updated event still pending (or replayed later) must not deliver the unsent text.
func TestUnsendBlanksTheTextInWebhookEvents(t *testing.T) {
	e := apptest.New(t)
	rcv := newReceiver(t, always(http.StatusServiceUnavailable)) // deliveries stay pending
	createHook(t, e, rcv.URL, []string{"message.received", "message.updated", "message.deleted"}, nil)
	conv := convOf(t, e, "tesla3")
	per := e.User(t, "usr_per")
	m := send(t, e, per, conv, "Kode 4711 til porten").SendMessage.Message
	e.GQL(t, per, editMutation, map[string]any{"id": m.ID, "body": "Kode 4712 til porten"}).Decode(t, new(any))
	if n := count(t, e, "webhook_events WHERE data::text LIKE '%til porten%'"); n != 2 {
		t.Fatalf("%d events carry the text before the unsend, want 2", n)
	}
	e.GQL(t, per, unsendMutation, map[string]any{"id": m.ID}).Decode(t, new(any))
	if n := count(t, e, "webhook_events WHERE data::text LIKE '%til porten%'"); n != 0 {
		t.Errorf("%d webhook events still carry the unsent text", n)
	}
	if n := count(t, e, "webhook_events"); n != 3 {
		t.Errorf("%d webhook events, want 3 (received, updated, deleted)", n)
	}
	file := uploadedID(t, upload(t, e, per, conv, "porten-4711.png", pngBytes))
	if n := count(t, e, "webhook_events WHERE data::text LIKE '%porten-4711%' AND data::text LIKE '%/attachments/%'"); n != 1 {
		t.Fatalf("%d events carry the file's name and URL before the unsend, want 1", n)
	}
	e.GQL(t, per, unsendMutation, map[string]any{"id": file}).Decode(t, new(any))
	if n := count(t, e, "webhook_events WHERE data::text LIKE '%porten-4711%' OR data::text LIKE '%/attachments/%'"); n != 0 {
		t.Errorf("%d webhook events still carry the unsent file's name or URL", n)
	}
}

// uploadedID is the id of the message an upload sent.
func uploadedID(t *testing.T, r *apptest.Response) string {
	t.Helper()
	var out struct {
		SendMessage struct{ Message struct{ ID string } }
	}
	r.Decode(t, &out)
	return out.SendMessage.Message.ID
}

// The notification about an unsent text message shows no text, and does not claim an
// attachment was sent (its body is empty like an attachment-only message's).
func TestUnsentMessageNotificationIsNoAttachment(t *testing.T) {
	e := apptest.New(t)
	conv := convOf(t, e, "tesla3")
	per, anne := e.User(t, "usr_per"), e.User(t, "usr_anne")
	m := send(t, e, per, conv, "Kode 4711 til porten").SendMessage.Message
	e.GQL(t, per, unsendMutation, map[string]any{"id": m.ID}).Decode(t, new(any))
	var list struct {
		Notifications struct {
			Nodes []struct {
				Body    string
				Message *struct{ MessageID int }
			}
		}
	}
	e.GQL(t, anne, `{ notifications(filter: {type: "message.received"}) { nodes { body message { messageId } } } }`, nil).Decode(t, &list)
	found := false
	for _, n := range list.Notifications.Nodes {
		if n.Message != nil && n.Message.MessageID == m.MessageID {
			found = true
			if n.Body != "" {
				t.Errorf("unsent message's notification body = %q, want empty", n.Body)
			}
		}
	}
	if !found {
		t.Fatalf("no notification about the message: %+v", list.Notifications.Nodes)
	}
}

// A message the back office removes loses its edit history and the text of its queued webhook
// events, as an unsent one does.
func TestModerationRemovalBlanksHistoryAndWebhookText(t *testing.T) {
	e := apptest.New(t)
	rcv := newReceiver(t, always(http.StatusServiceUnavailable)) // deliveries stay pending
	createHook(t, e, rcv.URL, []string{"message.received", "message.updated"}, nil)
	conv := convOf(t, e, "tesla3")
	per, anne := e.User(t, "usr_per"), e.User(t, "usr_anne")
	m := send(t, e, per, conv, "Betal til konto 1234").SendMessage.Message
	e.GQL(t, per, editMutation, map[string]any{"id": m.ID, "body": "Betal til konto 5678"}).Decode(t, new(any))
	var rep struct{ ReportMessage struct{ ID string } }
	e.GQL(t, anne, `mutation($m: ID!) { reportMessage(input: {messageId: $m, reason: FRAUD}) { id } }`,
		map[string]any{"m": m.ID}).Decode(t, &rep)
	e.GQL(t, apptest.Office(), `mutation($id: ID!) { resolveReport(input: {reportId: $id, action: REMOVE_MESSAGE}) { status } }`,
		map[string]any{"id": rep.ReportMessage.ID}).Decode(t, new(any))
	if n := count(t, e, "webhook_events WHERE data::text LIKE '%til konto%'"); n != 0 {
		t.Errorf("%d webhook events still carry the removed text", n)
	}
	if n := count(t, e, "message_edits"); n != 0 {
		t.Errorf("%d edit history rows of the removed message are left", n)
	}
	file := uploadedID(t, upload(t, e, per, conv, "konto-1234.png", pngBytes))
	e.GQL(t, anne, `mutation($m: ID!) { reportMessage(input: {messageId: $m, reason: FRAUD}) { id } }`,
		map[string]any{"m": file}).Decode(t, &rep)
	e.GQL(t, apptest.Office(), `mutation($id: ID!) { resolveReport(input: {reportId: $id, action: REMOVE_MESSAGE}) { status } }`,
		map[string]any{"id": rep.ReportMessage.ID}).Decode(t, new(any))
	if n := count(t, e, "webhook_events WHERE data::text LIKE '%konto-1234%' OR data::text LIKE '%/attachments/%'"); n != 0 {
		t.Errorf("%d webhook events still carry the removed file's name or URL", n)
	}
}
