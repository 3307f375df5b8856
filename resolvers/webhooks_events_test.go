package resolvers_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parley/parley/server/apptest"
)

var allEvents = []string{"message.received", "message.read", "conversation.created", "notification.created", "message.reported"}

// Every event type reaches the endpoints that want it: unscoped ones get all, a user's or a
// workshop's only those of conversations (and notifications) of theirs, message.received only
// on the receiving side, and message.reported only unscoped ones.
func TestWebhookEventsReachTheirScopes(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	all, anne, bilfix, jon := newReceiver(t, always(200)), newReceiver(t, always(200)), newReceiver(t, always(200)), newReceiver(t, always(200))
	eps := map[*receiver]endpoint{
		all:    createHook(t, e, all.URL, allEvents, nil),
		anne:   createHook(t, e, anne.URL, allEvents, map[string]any{"userId": "usr_anne"}),
		bilfix: createHook(t, e, bilfix.URL, []string{"message.received", "message.read", "notification.created"}, map[string]any{"orgNr": "921460929"}),
		jon:    createHook(t, e, jon.URL, []string{"conversation.created"}, map[string]any{"userId": "usr_jon"}),
	}
	per, anneC := e.User(t, "usr_per"), e.User(t, "usr_anne")
	tesla := convOf(t, e, "tesla3")

	send(t, e, per, tesla, "Kan du sende flere bilder?")
	reply := send(t, e, anneC, tesla, "Ja, kommer i kveld.")
	markRead(t, e, anneC, tesla, "")
	var started struct {
		StartConversation struct {
			Conversation struct {
				ConversationID int `json:"conversationId,string"`
			}
		}
	}
	e.GQL(t, per, `mutation { startConversation(input: {listingId: "lst_golf7", message: "Er Golfen solgt?"}) { conversation { conversationId } } }`, nil).Decode(t, &started)
	report := `mutation($id: ID!) { reportMessage(input: {messageId: $id, reason: SPAM}) { reportId } }`
	e.GQL(t, per, report, map[string]any{"id": reply.SendMessage.Message.ID}).Decode(t, &struct{}{})
	if r := e.GQL(t, per, report, map[string]any{"id": reply.SendMessage.Message.ID}); r.Code() != "CONFLICT" {
		t.Fatalf("a second report: %q", r.Code())
	}
	send(t, e, e.User(t, "co-ola"), threadOf(t, e, 1001), "Når er bilen klar?")

	want := map[*receiver][]string{
		// per's send (+ anne's notification), anne's reply (+ per's), anne's read, per's start
		// (conversation, message, jon's notification), the report, co-ola's send (+ bilfix's).
		all: {"message.received", "notification.created", "message.received", "notification.created", "message.read",
			"conversation.created", "message.received", "notification.created", "message.reported",
			"message.received", "notification.created"},
		anne:   {"message.received", "notification.created", "message.read"},
		bilfix: {"message.received", "notification.created"},
		jon:    {"conversation.created"},
	}
	// Deliveries are queued in the transaction of their cause: every one the mutations above
	// caused is listed now, unwanted ones too. Once all are delivered, stopping the server
	// waits for its worker, so nothing it sent is still on the way to a receiver.
	for rcv, types := range want {
		if got := queuedTypes(t, e, eps[rcv].ID); !slices.Equal(got, sorted(types)) {
			t.Errorf("queued for %s: %v, want %v", rcv.URL, got, types)
		}
		eventually(t, 30*time.Second, "every delivery to "+rcv.URL+" is delivered", func() bool {
			for _, d := range deliveries(t, e, eps[rcv].ID) {
				if d.Status != "DELIVERED" {
					return false
				}
			}
			return true
		})
	}
	e.Stop()
	for rcv, types := range want {
		if got := typesOf(rcv.hooks()); !slices.Equal(sorted(got), sorted(types)) {
			t.Errorf("%s got %v, want %v", rcv.URL, got, types)
		}
	}
	checkPayloads(t, all.hooks(), started.StartConversation.Conversation.ConversationID)
}

// queuedTypes lists the event types of an endpoint's deliveries, sorted.
func queuedTypes(t *testing.T, e *apptest.Env, endpointID string) []string {
	t.Helper()
	var out []string
	for _, d := range deliveries(t, e, endpointID) {
		out = append(out, d.EventType)
	}
	return sorted(out)
}

func typesOf(hs []hook) []string {
	var out []string
	for _, h := range hs {
		out = append(out, h.Payload["type"].(string))
	}
	return out
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

// checkPayloads looks at the shape of each event type's data.
func checkPayloads(t *testing.T, hs []hook, startedID int) {
	t.Helper()
	for _, h := range hs {
		d := h.Payload["data"]
		switch h.Payload["type"] {
		case "message.read":
			ids, _ := get(d, "message_ids").([]any)
			if get(d, "reader", "id") != "usr_anne" || get(d, "reader", "type") != "seller" || len(ids) < 1 ||
				!strings.HasPrefix(ids[0].(string), "msg_") || get(d, "read_at") == nil {
				t.Errorf("message.read data = %v", d)
			}
		case "conversation.created":
			parts, _ := get(d, "conversation", "participants").([]any)
			if get(d, "conversation", "id") != fmt.Sprintf("conv_%d", startedID) || get(d, "conversation", "listing_id") != "lst_golf7" || len(parts) != 2 {
				t.Errorf("conversation.created data = %v", d)
			}
		case "notification.created":
			if id, _ := get(d, "notification", "id").(string); !strings.HasPrefix(id, "ntf_") ||
				!strings.HasPrefix(get(d, "notification", "data", "message_id").(string), "msg_") {
				t.Errorf("notification.created data = %v", d)
			}
		case "message.reported":
			if get(d, "report", "reason") != "spam" || get(d, "report", "reporter_id") != "usr_per" ||
				get(d, "message", "content") != "Ja, kommer i kveld." {
				t.Errorf("message.reported data = %v", d)
			}
		case "message.received":
			if get(d, "conversation", "kind") == "booking" && (get(d, "conversation", "booking_id") != float64(1001) ||
				get(d, "message", "sender_type") != "car_owner") {
				t.Errorf("booking message.received data = %v", d)
			}
		}
	}
}

// An event is written in the transaction of its cause: when that transaction fails after the
// event was queued, the event is gone with it; when queueing fails, so does the change.
func TestWebhookEventsRollBackWithTheirCause(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	rcv := newReceiver(t, always(http.StatusOK))
	createHook(t, e, rcv.URL, []string{"message.read", "message.received"}, nil)
	anne, tesla := e.User(t, "usr_anne"), convOf(t, e, "tesla3")
	exec := func(sql string) {
		t.Helper()
		if _, err := e.Store.DB.ExecContext(t.Context(), sql); err != nil {
			t.Fatal(err)
		}
	}
	exec(`CREATE FUNCTION test_fail() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'test failure'; END $$`)

	// Marking read queues message.read, then updates notifications: make that fail.
	exec(`CREATE TRIGGER fail_reads BEFORE UPDATE ON notifications FOR EACH STATEMENT EXECUTE FUNCTION test_fail()`)
	r := e.GQL(t, anne, markReadMutation, map[string]any{"in": map[string]any{"conversationId": tesla}})
	if r.Code() != "INTERNAL" || count(t, e, "webhook_events") != 0 {
		t.Fatalf("a failed read: code %q, %d events", r.Code(), count(t, e, "webhook_events"))
	}
	exec(`DROP TRIGGER fail_reads ON notifications`)

	// A send whose event cannot be queued is not sent.
	messages := count(t, e, "messages")
	exec(`CREATE TRIGGER fail_outbox BEFORE INSERT ON webhook_deliveries FOR EACH STATEMENT EXECUTE FUNCTION test_fail()`)
	r = e.GQL(t, anne, sendMutation, map[string]any{"in": map[string]any{"conversationId": tesla, "body": "Hei"}})
	if r.Code() != "INTERNAL" || count(t, e, "messages") != messages || count(t, e, "webhook_events") != 0 {
		t.Fatalf("a send with a failing outbox: code %q, messages %d -> %d", r.Code(), messages, count(t, e, "messages"))
	}
	exec(`DROP TRIGGER fail_outbox ON webhook_deliveries`)

	markRead(t, e, anne, tesla, "")
	if h := rcv.waitFor(t, 1, 5*time.Second); len(h) != 1 || h[0].Payload["type"] != "message.read" {
		t.Fatalf("after the failures the receiver got %v", typesOf(h))
	}
}
