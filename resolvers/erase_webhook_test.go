package resolvers_test

import (
	"net/http"
	"testing"

	"github.com/parley/parley/server/apptest"
)

// Webhook events still queued when the back office erases a user keep none of the user's
// texts, name, file names or file URLs: neither the message events nor the notifications about them.
func TestEraseUserBlanksTheirQueuedWebhookEvents(t *testing.T) {
	e := apptest.New(t)
	rcv := newReceiver(t, always(http.StatusServiceUnavailable)) // deliveries stay pending
	createHook(t, e, rcv.URL, []string{"message.received", "notification.created"}, nil)
	conv := threadOf(t, e, 1001)
	ola, shop := e.User(t, "co-ola"), e.User(t, "ws-bilfix")
	send(t, e, ola, conv, "Kode 4711 til porten")
	upload(t, e, ola, conv, "porten-4711.png", pngBytes)
	send(t, e, shop, conv, "Takk, vi kommer kl 9")
	if n := count(t, e, "webhook_events WHERE data::text LIKE '%Ola Nordmann%'"); n == 0 {
		t.Fatal("no queued event names ola before the erasure")
	}
	const carries = "webhook_events WHERE data::text LIKE '%til porten%' OR data::text LIKE '%porten-4711%'"
	if n := count(t, e, carries); n < 3 {
		t.Fatalf("%d events carry ola's text or file before the erasure, want at least 3", n)
	}
	e.GQL(t, apptest.Office(), `mutation { eraseUser(userId: "co-ola", reason: "GDPR request") { messages } }`, nil).Decode(t, new(any))
	if n := count(t, e, carries); n != 0 {
		t.Errorf("%d queued webhook events still carry the erased user's text or file name", n)
	}
	if n := count(t, e, "webhook_events WHERE data::text LIKE '%Ola Nordmann%'"); n != 0 {
		t.Errorf("%d queued webhook events still name the erased user", n)
	}
	if n := count(t, e, "webhook_events WHERE data::text LIKE '%/attachments/%'"); n != 0 {
		t.Errorf("%d queued webhook events still carry a file URL", n)
	}
	if n := count(t, e, "webhook_events WHERE data::text LIKE '%vi kommer kl 9%'"); n == 0 {
		t.Error("the other participant's queued events lost their text")
	}
}

// Unsending a message blanks its text in the queued notification.created events too.
func TestUnsendBlanksTheNotificationWebhookText(t *testing.T) {
	e := apptest.New(t)
	rcv := newReceiver(t, always(http.StatusServiceUnavailable))
	createHook(t, e, rcv.URL, []string{"notification.created"}, nil)
	conv := convOf(t, e, "tesla3")
	per := e.User(t, "usr_per")
	m := send(t, e, per, conv, "Kode 4711 til porten").SendMessage.Message
	if n := count(t, e, "webhook_events WHERE data::text LIKE '%til porten%'"); n == 0 {
		t.Fatal("no notification event carries the text before the unsend")
	}
	e.GQL(t, per, unsendMutation, map[string]any{"id": m.ID}).Decode(t, new(any))
	if n := count(t, e, "webhook_events WHERE data::text LIKE '%til porten%'"); n != 0 {
		t.Errorf("%d notification events still carry the unsent text", n)
	}
}
