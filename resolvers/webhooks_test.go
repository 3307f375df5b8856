package resolvers_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/parley/parley/server"
	"github.com/parley/parley/server/apptest"
)

// A message sent produces a message.received delivery whose signature verifies as a Standard
// Webhooks receiver checks it, with the event in the marketplace wire form.
func TestWebhookMessageReceivedIsSignedAndVerifies(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	rcv := newReceiver(t, always(http.StatusNoContent))
	ep := createHook(t, e, rcv.URL, []string{"message.received"}, nil)
	conv := convOf(t, e, "tesla3")
	sent := send(t, e, e.User(t, "usr_per"), conv, "Er prisen forhandlingsbar?")

	h := rcv.waitFor(t, 1, 5*time.Second)[0]
	if err := verifyHook(ep.Secret, h); err != nil {
		t.Fatalf("signature: %v (headers id=%q ts=%q sig=%q)", err, h.ID, h.Timestamp, h.Signature)
	}
	if err := verifyHook("whsec_"+strings.Repeat("A", 43)+"=", h); err == nil {
		t.Fatal("a wrong secret verifies too")
	}
	tampered := h
	tampered.Body = []byte(strings.Replace(string(h.Body), "forhandlingsbar", "forhandlingsbarr", 1))
	if err := verifyHook(ep.Secret, tampered); err == nil {
		t.Fatal("a changed body verifies")
	}
	p := h.Payload
	if p["type"] != "message.received" || p["id"] != h.ID || !strings.HasPrefix(h.ID, "evt_") {
		t.Fatalf("payload %s with webhook-id %q", h.Body, h.ID)
	}
	if _, err := time.Parse(time.RFC3339Nano, p["timestamp"].(string)); err != nil {
		t.Fatalf("timestamp %v: %v", p["timestamp"], err)
	}
	msg := get(p, "data", "message")
	wantMsg := map[string]any{"id": "msg_" + itoa(sent.SendMessage.Message.MessageID), "conversation_id": conv,
		"content": "Er prisen forhandlingsbar?", "sender_id": "usr_per", "sender_type": "buyer", "type": "text"}
	for k, v := range wantMsg {
		if get(msg, k) != v {
			t.Errorf("data.message.%s = %v, want %v", k, get(msg, k), v)
		}
	}
	if get(p, "data", "conversation", "id") != conv || get(p, "data", "conversation", "listing_id") != "lst_tesla3" {
		t.Errorf("data.conversation = %v", get(p, "data", "conversation"))
	}
	eventually(t, 2*time.Second, "the delivery is recorded as delivered", func() bool {
		ds := deliveries(t, e, ep.ID)
		return len(ds) == 1 && ds[0].Status == "DELIVERED" && len(ds[0].Attempts) == 1 && *ds[0].Attempts[0].StatusCode == 204
	})
	if d := deliveries(t, e, ep.ID)[0]; d.EventID != h.ID || d.EventType != "message.received" || d.Payload["id"] != h.ID {
		t.Fatalf("listed delivery = %+v", d)
	}
}

// A receiver that fails three times and then succeeds gets the event four times in all, with
// the same webhook-id every time, and nothing after; every attempt is listed.
func TestWebhookRetriesUntilDeliveredWithTheSameID(t *testing.T) {
	t.Parallel()
	e := apptest.NewWith(t, fastRetries)
	rcv := newReceiver(t, func(n int) int {
		if n <= 3 {
			return []int{500, 503, 429}[n-1]
		}
		return 200
	})
	ep := createHook(t, e, rcv.URL, []string{"message.received"}, nil)
	send(t, e, e.User(t, "usr_per"), convOf(t, e, "tesla3"), "Hallo?")

	// The worker records each attempt before it schedules the next, and never claims a
	// delivered delivery again: once it is listed as delivered, no fifth request can come.
	eventually(t, 10*time.Second, "the success is recorded", func() bool {
		ds := deliveries(t, e, ep.ID)
		return len(ds) == 1 && ds[0].Status == "DELIVERED"
	})
	got := rcv.hooks()
	if len(got) != 4 {
		t.Fatalf("the receiver got %d requests, want 4 (3 failures, 1 success)", len(got))
	}
	for _, h := range got {
		if h.ID != got[0].ID || string(h.Body) != string(got[0].Body) {
			t.Fatalf("attempts differ: %q %s vs %q %s", h.ID, h.Body, got[0].ID, got[0].Body)
		}
		if err := verifyHook(ep.Secret, h); err != nil {
			t.Fatalf("attempt signature: %v", err)
		}
	}
	d := deliveries(t, e, ep.ID)[0]
	var codes []int
	for _, a := range d.Attempts {
		codes = append(codes, *a.StatusCode)
		if a.DurationMs < 0 || !strings.Contains(a.ResponseBody, `"received"`) {
			t.Errorf("attempt %+v", a)
		}
	}
	if len(codes) != 4 || codes[0] != 500 || codes[1] != 503 || codes[2] != 429 || codes[3] != 200 {
		t.Fatalf("attempt status codes = %v", codes)
	}
	if d.Attempts[0].Error == "" || d.Attempts[3].Error != "" {
		t.Fatalf("attempt errors = %q ... %q", d.Attempts[0].Error, d.Attempts[3].Error)
	}
}

// fastRetries makes retries come within a tenth of a second.
func fastRetries(c *server.Config) {
	c.WebhookRetries = []time.Duration{100 * time.Millisecond, 100 * time.Millisecond, 100 * time.Millisecond,
		100 * time.Millisecond, 100 * time.Millisecond}
}

// A 410 Gone answer disables the endpoint at once: no retry, and later events are not queued
// for it.
func TestWebhookGoneDisablesTheEndpoint(t *testing.T) {
	t.Parallel()
	e := apptest.NewWith(t, fastRetries)
	rcv := newReceiver(t, always(http.StatusGone))
	ep := createHook(t, e, rcv.URL, []string{"message.received"}, nil)
	per, conv := e.User(t, "usr_per"), convOf(t, e, "tesla3")
	send(t, e, per, conv, "Hei")
	rcv.waitFor(t, 1, 5*time.Second)
	eventually(t, 2*time.Second, "the endpoint is disabled", func() bool { return !endpointByID(t, e, ep.ID).Active })
	got := endpointByID(t, e, ep.ID)
	if !strings.Contains(got.DisabledReason, "410") {
		t.Fatalf("disabledReason = %q", got.DisabledReason)
	}
	send(t, e, per, conv, "Hei igjen")
	// Deliveries are queued in the transaction of their cause, so one for "Hei igjen" would be
	// listed now; the first is failed after one attempt and never claimed again. Stopping the
	// server waits for its worker: nothing it sent is still on the way.
	ds := deliveries(t, e, ep.ID)
	if len(ds) != 1 || ds[0].Status != "FAILED" || len(ds[0].Attempts) != 1 {
		t.Fatalf("deliveries = %+v", ds)
	}
	e.Stop()
	if n := len(rcv.hooks()); n != 1 {
		t.Fatalf("the receiver got %d requests after its 410, want 1", n)
	}
}

// An endpoint that fails until its schedule runs out is disabled; a user owner is told with a
// notification. One that fails for DisableAfter is disabled even with retries left.
func TestWebhookFailingEndpointIsDisabledAndItsOwnerTold(t *testing.T) {
	t.Parallel()
	e := apptest.NewWith(t, func(c *server.Config) {
		c.WebhookRetries = []time.Duration{50 * time.Millisecond, 50 * time.Millisecond}
	})
	rcv := newReceiver(t, always(http.StatusInternalServerError))
	anne := e.User(t, "usr_anne")
	ep := createHook(t, e, rcv.URL, []string{"message.received"}, map[string]any{"userId": "usr_anne"})
	send(t, e, e.User(t, "usr_per"), convOf(t, e, "tesla3"), "Hei")
	rcv.waitFor(t, 3, 5*time.Second)
	eventually(t, 2*time.Second, "the endpoint is disabled", func() bool { return !endpointByID(t, e, ep.ID).Active })
	if r := endpointByID(t, e, ep.ID).DisabledReason; !strings.Contains(r, "ran out of retries") {
		t.Fatalf("disabledReason = %q", r)
	}
	var ns struct {
		Notifications struct {
			Nodes []struct {
				Type, Title, Body string
				Data              map[string]any
			}
		}
	}
	e.GQL(t, anne, `{ notifications(first: 5) { nodes { type title body data } } }`, nil).Decode(t, &ns)
	if n := ns.Notifications.Nodes; len(n) == 0 || n[0].Type != "webhook.disabled" || !strings.Contains(n[0].Body, rcv.URL) {
		t.Fatalf("anne's newest notifications = %+v", n)
	}
	if ds := deliveries(t, e, ep.ID); len(ds) != 1 || ds[0].Status != "FAILED" || len(ds[0].Attempts) != 3 {
		t.Fatalf("deliveries = %+v", ds)
	}

	// Failing for DisableAfter, with retries still to come.
	e2 := apptest.NewWith(t, func(c *server.Config) {
		c.WebhookRetries = []time.Duration{100 * time.Millisecond, 100 * time.Millisecond, 100 * time.Millisecond, time.Hour}
		c.WebhookDisableAfter = 250 * time.Millisecond
	})
	rcv2 := newReceiver(t, always(http.StatusBadGateway))
	ep2 := createHook(t, e2, rcv2.URL, []string{"message.received"}, map[string]any{"orgNr": "921460929"})
	send(t, e2, e2.User(t, "co-ola"), threadOf(t, e2, 1001), "Hei")
	eventually(t, 5*time.Second, "the endpoint is disabled", func() bool { return !endpointByID(t, e2, ep2.ID).Active })
	if r := endpointByID(t, e2, ep2.ID).DisabledReason; !strings.HasPrefix(r, "every attempt failed since") || strings.Contains(r, "retries") {
		t.Fatalf("disabledReason = %q", r)
	}
	if ds := deliveries(t, e2, ep2.ID); len(ds) != 1 || ds[0].Status != "PENDING" {
		t.Fatalf("the delivery of a disabled endpoint = %+v, want it kept pending", ds)
	}
}

type endpointRow struct {
	ID, URL, Description, DisabledReason string
	EndpointID                           int
	Events                               []string
	OrgNr, UserID                        *string
	Active                               bool
	PreviousSecretExpiresAt              *time.Time
}

const endpointFields = `id endpointId url description events orgNr userId active disabledReason previousSecretExpiresAt`

func endpoints(t *testing.T, e *apptest.Env) []endpointRow {
	t.Helper()
	var out struct{ WebhookEndpoints []endpointRow }
	e.GQL(t, apptest.Office(), `{ webhookEndpoints { `+endpointFields+` } }`, nil).Decode(t, &out)
	return out.WebhookEndpoints
}

func endpointByID(t *testing.T, e *apptest.Env, id string) endpointRow {
	t.Helper()
	for _, ep := range endpoints(t, e) {
		if ep.ID == id {
			return ep
		}
	}
	t.Fatalf("no endpoint %s", id)
	return endpointRow{}
}
