package db_test

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/parley/parley/db"
)

// parley_send builds the webhook data of a send in SQL: it must be what Go's wire functions
// (db/webhook_payloads.go) give for the same rows, for booking and listing threads, with
// attachments stored by Parley and elsewhere.
func TestSendWebhookDataMatchesTheGoWireForm(t *testing.T) {
	f := newNotifyFixture(t)
	ctx := context.Background()
	exec(t, f.store, `INSERT INTO webhook_endpoints (url, events, secret)
		VALUES ('https://example.com/hook', '{message.received,notification.created}', 'secret')`)
	sends := []struct {
		from db.Viewer
		in   db.SendInput
	}{
		{viewer("co-ola", db.RoleCarOwner, ""), db.SendInput{ConversationID: f.bookingConv, Type: db.TypeDocument, Body: "Kvittering",
			Attachments: []*db.Attachment{
				{Name: "a.pdf", ContentType: "application/pdf", SizeBytes: 10, URL: "https://files.example.com/a.pdf"},
				{Name: "b.pdf", ContentType: "application/pdf", SizeBytes: 20, StorageKey: "k/b", SHA256: "ab"},
			}}},
		{viewer("ws-a2", db.RoleWorkshop, orgA), db.SendInput{ConversationID: f.bookingConv, Body: "Takk!"}},
		{viewer("usr_anne", db.RoleSeller, ""), db.SendInput{ConversationID: f.listingConv, Body: "Ja, den er ledig"}},
	}
	for _, s := range sends {
		msg, created, err := f.store.SendMessage(ctx, s.from, s.in)
		must(t, err)
		if !created {
			t.Fatalf("send %q was not created", s.in.Body)
		}
		wantReceived, wantNotes, err := f.store.GoWebhookData(ctx, msg.ID)
		must(t, err)
		if len(wantNotes) == 0 {
			t.Fatalf("send %q notified no one", s.in.Body)
		}
		var received []json.RawMessage
		err = f.store.DB.NewRaw(`SELECT data FROM webhook_events WHERE type = 'message.received'
			AND data->'message'->>'id' = 'msg_' || ? ORDER BY id`, msg.ID).Scan(ctx, &received)
		must(t, err)
		var notes []json.RawMessage
		err = f.store.DB.NewRaw(`SELECT data FROM webhook_events WHERE type = 'notification.created'
			AND data->'notification'->'data'->>'message_id' = 'msg_' || ? ORDER BY id`, msg.ID).Scan(ctx, &notes)
		must(t, err)
		if len(received) != 1 {
			t.Fatalf("send %q wrote %d message.received events", s.in.Body, len(received))
		}
		sameJSON(t, "message.received of "+s.in.Body, received[0], wantReceived)
		if len(notes) != len(wantNotes) {
			t.Fatalf("send %q wrote %d notification.created events for %d notifications", s.in.Body, len(notes), len(wantNotes))
		}
		for i := range notes {
			sameJSON(t, "notification.created of "+s.in.Body, notes[i], wantNotes[i])
		}
	}
}

func sameJSON(t *testing.T, what string, got json.RawMessage, want any) {
	t.Helper()
	raw, err := json.Marshal(want)
	must(t, err)
	var g, w any
	must(t, json.Unmarshal(got, &g))
	must(t, json.Unmarshal(raw, &w))
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s:\n got %s\nwant %s", what, got, raw)
	}
}
