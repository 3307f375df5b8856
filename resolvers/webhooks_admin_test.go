package resolvers_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/parley/parley/db"
	"github.com/parley/parley/server"
	"github.com/parley/parley/server/apptest"
	"github.com/parley/parley/webhooks"
)

// After a rotation both secrets sign for a day: a receiver holding either verifies.
func TestWebhookSecretRotationSignsWithBoth(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	rcv := newReceiver(t, always(http.StatusOK))
	ep := createHook(t, e, rcv.URL, []string{"message.received"}, nil)
	var out struct {
		RotateWebhookSecret struct {
			Secret   string
			Endpoint struct{ PreviousSecretExpiresAt time.Time }
		}
	}
	e.GQL(t, apptest.Office(), `mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret endpoint { previousSecretExpiresAt } } }`,
		map[string]any{"id": ep.ID}).Decode(t, &out)
	rot := out.RotateWebhookSecret
	if !strings.HasPrefix(rot.Secret, "whsec_") || rot.Secret == ep.Secret {
		t.Fatalf("new secret %q", rot.Secret)
	}
	if d := time.Until(rot.Endpoint.PreviousSecretExpiresAt); d < 23*time.Hour || d > 25*time.Hour {
		t.Fatalf("the old secret expires in %v, want 24h", d)
	}
	send(t, e, e.User(t, "usr_per"), convOf(t, e, "tesla3"), "Hei")
	h := rcv.waitFor(t, 1, 5*time.Second)[0]
	if n := len(strings.Fields(h.Signature)); n != 2 {
		t.Fatalf("webhook-signature %q has %d signatures, want 2", h.Signature, n)
	}
	for _, secret := range []string{rot.Secret, ep.Secret} {
		if err := verifyHook(secret, h); err != nil {
			t.Fatalf("%s...: %v", secret[:10], err)
		}
	}
	if endpoints(t, e)[0].PreviousSecretExpiresAt == nil {
		t.Fatal("the endpoint list does not say until when the old secret signs")
	}
}

// Receivers must be public unless PARLEY_WEBHOOK_ALLOW_PRIVATE is set: refused when
// registered, and refused again when dialled (a name can resolve differently later).
func TestWebhookPrivateURLsRefusedUnlessAllowed(t *testing.T) {
	t.Parallel()
	e := apptest.NewWith(t, func(c *server.Config) { c.WebhookAllowPrivate = false })
	rcv := newReceiver(t, always(http.StatusOK))
	for _, url := range []string{rcv.URL, "http://localhost/hooks", "http://10.0.0.8/hooks", "http://[::1]/hooks",
		"http://169.254.169.254/latest", "http://192.168.0.10/", "http://[fe80::1%25eth0]/",
		// The attack report: IPv4-compatible and 6to4 loopback, documentation, benchmarking,
		// reserved and broadcast space.
		"http://[::7f00:1]/", "http://[2002:7f00:1::]/", "http://[2001:db8::1]/", "http://198.18.0.1/",
		"http://240.0.0.1/", "http://255.255.255.255/", "http://[::ffff:127.0.0.1]/", "http://[64:ff9b::a9fe:a9fe]/"} {
		r := e.GQL(t, apptest.Office(), createHookMutation, map[string]any{"in": map[string]any{"url": url, "events": []string{"message.read"}}})
		if r.Code() != "BAD_USER_INPUT" || r.Errors[0].Extensions["field"] != "url" {
			t.Errorf("%s: %q %+v", url, r.Code(), r.Errors)
		}
	}
	if n := count(t, e, "webhook_endpoints"); n != 0 {
		t.Fatalf("%d endpoints written", n)
	}
	// As if the URL had passed the check and its name now resolved to loopback.
	ep := &db.WebhookEndpoint{URL: rcv.URL, Events: []string{"message.received"}, Active: true, Secret: webhooks.NewSecret()}
	if err := e.Store.CreateWebhookEndpoint(t.Context(), ep, db.WebhookOwner{}); err != nil {
		t.Fatal(err)
	}
	send(t, e, e.User(t, "usr_per"), convOf(t, e, "tesla3"), "Hei")
	eventually(t, 5*time.Second, "a refused attempt is recorded", func() bool {
		ds := deliveries(t, e, "wh_"+itoa(int(ep.ID)))
		return len(ds) == 1 && len(ds[0].Attempts) > 0
	})
	a := deliveries(t, e, "wh_"+itoa(int(ep.ID)))[0].Attempts[0]
	if a.StatusCode != nil || !strings.Contains(a.Error, "not public") {
		t.Fatalf("attempt = %+v", a)
	}
	if n := len(rcv.hooks()); n != 0 {
		t.Fatalf("the loopback receiver got %d requests", n)
	}
}

// In production (PARLEY_ENV=production) receivers must be https: an http URL is refused when
// registered or changed, and one stored before is not sent to in cleartext.
func TestWebhookHTTPRefusedInProduction(t *testing.T) {
	t.Parallel()
	e := apptest.NewWith(t, func(c *server.Config) {
		c.Env, c.JWTIssuer, c.JWTAudience = "production", "https://id.parley.test", "parley-api"
	})
	rcv := newReceiver(t, always(http.StatusOK))
	for _, url := range []string{rcv.URL, "http://93.184.216.34/hooks"} {
		r := e.GQL(t, apptest.Office(), createHookMutation, map[string]any{"in": map[string]any{"url": url, "events": []string{"message.received"}}})
		if r.Code() != "BAD_USER_INPUT" || r.Errors[0].Extensions["field"] != "url" || !strings.Contains(r.Errors[0].Message, "https") {
			t.Fatalf("%s: %q %+v", url, r.Code(), r.Errors)
		}
	}
	ok := createHook(t, e, "https://93.184.216.34/hooks", []string{"message.read"}, nil)
	r := e.GQL(t, apptest.Office(), `mutation($in: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"id": ok.ID, "url": "http://93.184.216.34/hooks"}})
	if r.Code() != "BAD_USER_INPUT" || r.Errors[0].Extensions["field"] != "url" {
		t.Fatalf("update to http: %q %+v", r.Code(), r.Errors)
	}
	// Stored while http was allowed: its deliveries fail instead of going out in cleartext.
	ep := &db.WebhookEndpoint{URL: rcv.URL, Events: []string{"message.received"}, Active: true, Secret: webhooks.NewSecret()}
	if err := e.Store.CreateWebhookEndpoint(t.Context(), ep, db.WebhookOwner{}); err != nil {
		t.Fatal(err)
	}
	send(t, e, e.User(t, "usr_per"), convOf(t, e, "tesla3"), "Hei")
	eventually(t, 10*time.Second, "a refused attempt is recorded", func() bool {
		ds := deliveries(t, e, "wh_"+itoa(int(ep.ID)))
		return len(ds) == 1 && len(ds[0].Attempts) > 0
	})
	if a := deliveries(t, e, "wh_"+itoa(int(ep.ID)))[0].Attempts[0]; a.StatusCode != nil || !strings.Contains(a.Error, "not https") {
		t.Fatalf("attempt = %+v", a)
	}
	if n := len(rcv.hooks()); n != 0 {
		t.Fatalf("the http receiver got %d requests", n)
	}
}

// A delivery can be replayed: it goes again with the same webhook-id and body, and its
// attempts grow. A disabled endpoint's deliveries cannot be replayed until it is on again.
func TestWebhookReplayAndUpdate(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	rcv, other := newReceiver(t, always(http.StatusOK)), newReceiver(t, always(http.StatusOK))
	ep := createHook(t, e, rcv.URL, []string{"message.received"}, nil)
	send(t, e, e.User(t, "usr_per"), convOf(t, e, "tesla3"), "Hei")
	first := rcv.waitFor(t, 1, 5*time.Second)[0]
	eventually(t, 2*time.Second, "delivered", func() bool { return deliveries(t, e, ep.ID)[0].Status == "DELIVERED" })
	id := "dlv_" + itoa(deliveries(t, e, ep.ID)[0].DeliveryID)

	replay := `mutation($id: ID!) { replayWebhookDelivery(id: $id) { deliveryId status endpoint { endpointId } } }`
	var out struct {
		ReplayWebhookDelivery struct {
			Status   string
			Endpoint struct{ EndpointID int }
		}
	}
	e.GQL(t, apptest.Office(), replay, map[string]any{"id": id}).Decode(t, &out)
	if out.ReplayWebhookDelivery.Status != "PENDING" || out.ReplayWebhookDelivery.Endpoint.EndpointID != ep.EndpointID {
		t.Fatalf("replay = %+v", out)
	}
	again := rcv.waitFor(t, 2, 5*time.Second)[1]
	if again.ID != first.ID || string(again.Body) != string(first.Body) || verifyHook(ep.Secret, again) != nil {
		t.Fatalf("the replay differs: %q %s", again.ID, again.Body)
	}
	eventually(t, 2*time.Second, "two attempts listed", func() bool {
		d := deliveries(t, e, ep.ID)[0]
		return d.Status == "DELIVERED" && len(d.Attempts) == 2
	})

	update := `mutation($in: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $in) { ` + endpointFields + ` } }`
	var up struct{ UpdateWebhookEndpoint endpointRow }
	e.GQL(t, apptest.Office(), update, map[string]any{"in": map[string]any{"id": ep.ID, "active": false}}).Decode(t, &up)
	if up.UpdateWebhookEndpoint.Active {
		t.Fatal("still active")
	}
	if r := e.GQL(t, apptest.Office(), replay, map[string]any{"id": id}); r.Code() != "BAD_USER_INPUT" || r.Errors[0].Extensions["field"] != "id" {
		t.Fatalf("replay on a disabled endpoint: %q %+v", r.Code(), r.Errors)
	}
	in := map[string]any{"id": ep.ID, "active": true, "url": other.URL, "events": []string{"message.read", "message.received"}, "description": " CRM "}
	e.GQL(t, apptest.Office(), update, map[string]any{"in": in}).Decode(t, &up)
	got := up.UpdateWebhookEndpoint
	if !got.Active || got.URL != other.URL || got.Description != "CRM" || strings.Join(got.Events, ",") != "message.read,message.received" {
		t.Fatalf("updated = %+v", got)
	}
	send(t, e, e.User(t, "usr_per"), convOf(t, e, "tesla3"), "Hei igjen")
	other.waitFor(t, 1, 5*time.Second)
	if n := len(rcv.hooks()); n != 2 {
		t.Fatalf("the old URL got %d requests, want 2", n)
	}
}

// gqlOp is a GraphQL operation with its variables.
type gqlOp struct {
	query string
	vars  map[string]any
}

// Every webhook operation: no credentials is UNAUTHENTICATED, a user's token FORBIDDEN, bad
// input BAD_USER_INPUT naming the field, an unknown id NOT_FOUND; and none of it writes.
func TestWebhookOperationsRefuseBadRequestsAndWriteNothing(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	rcv := newReceiver(t, always(http.StatusOK))
	ep := createHook(t, e, rcv.URL, []string{"message.received"}, nil)
	send(t, e, e.User(t, "usr_per"), convOf(t, e, "tesla3"), "Hei")
	eventually(t, 5*time.Second, "delivered", func() bool { d := deliveries(t, e, ep.ID); return len(d) == 1 && d[0].Status == "DELIVERED" })
	before := webhookState(t, e)

	create := func(in map[string]any) gqlOp {
		base := map[string]any{"url": rcv.URL, "events": []string{"message.read"}}
		for k, v := range in {
			base[k] = v
		}
		return gqlOp{createHookMutation, map[string]any{"in": base}}
	}
	update := func(in map[string]any) gqlOp {
		return gqlOp{`mutation($in: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $in) { id } }`, map[string]any{"in": in}}
	}
	byID := func(op, id string) gqlOp {
		return gqlOp{`mutation($id: ID!) { ` + op + `(id: $id) { __typename } }`, map[string]any{"id": id}}
	}
	list := func(vars map[string]any) gqlOp {
		return gqlOp{`query($id: ID!, $first: Int, $offset: Int) { webhookDeliveries(endpointId: $id, first: $first, offset: $offset) { totalCount } }`, vars}
	}
	type opCase struct {
		name        string
		op          gqlOp
		code, field string
	}
	cases := []opCase{
		{"ftp url", create(map[string]any{"url": "ftp://example.com/x"}), "BAD_USER_INPUT", "url"},
		{"no url", create(map[string]any{"url": ""}), "BAD_USER_INPUT", "url"},
		{"not a url", create(map[string]any{"url": "hooks please"}), "BAD_USER_INPUT", "url"},
		{"unknown event", create(map[string]any{"events": []string{"message.sent"}}), "BAD_USER_INPUT", "events"},
		{"no events", create(map[string]any{"events": []string{}}), "BAD_USER_INPUT", "events"},
		{"bad org_nr", create(map[string]any{"orgNr": "123"}), "BAD_USER_INPUT", "orgNr"},
		{"unknown workshop", create(map[string]any{"orgNr": "987654325"}), "BAD_USER_INPUT", "orgNr"},
		{"unknown user", create(map[string]any{"userId": "nobody"}), "BAD_USER_INPUT", "userId"},
		{"two owners", create(map[string]any{"userId": "usr_anne", "orgNr": "921460929"}), "BAD_USER_INPUT", "orgNr"},
		{"long description", create(map[string]any{"description": strings.Repeat("x", 501)}), "BAD_USER_INPUT", "description"},
		{"update unknown", update(map[string]any{"id": "wh_999", "active": false}), "NOT_FOUND", ""},
		{"update bad id", update(map[string]any{"id": "hook-1", "active": false}), "BAD_USER_INPUT", "id"},
		{"update bad url", update(map[string]any{"id": ep.ID, "url": "gopher://x"}), "BAD_USER_INPUT", "url"},
		{"update unknown event", update(map[string]any{"id": ep.ID, "events": []string{"everything"}}), "BAD_USER_INPUT", "events"},
		{"update no events", update(map[string]any{"id": ep.ID, "events": []string{}}), "BAD_USER_INPUT", "events"},
		{"delete unknown", byID("deleteWebhookEndpoint", "wh_999"), "NOT_FOUND", ""},
		{"delete bad id", byID("deleteWebhookEndpoint", "x"), "BAD_USER_INPUT", "id"},
		{"rotate unknown", byID("rotateWebhookSecret", "999"), "NOT_FOUND", ""},
		{"replay unknown", byID("replayWebhookDelivery", "dlv_999"), "NOT_FOUND", ""},
		{"replay bad id", byID("replayWebhookDelivery", "dlv_x"), "BAD_USER_INPUT", "id"},
		{"deliveries unknown", list(map[string]any{"id": "wh_999"}), "NOT_FOUND", ""},
		{"deliveries first 0", list(map[string]any{"id": ep.ID, "first": 0}), "BAD_USER_INPUT", "first"},
		{"deliveries first 101", list(map[string]any{"id": ep.ID, "first": 101}), "BAD_USER_INPUT", "first"},
		{"deliveries offset -1", list(map[string]any{"id": ep.ID, "offset": -1}), "BAD_USER_INPUT", "offset"},
	}
	for _, o := range []gqlOp{
		create(nil), update(map[string]any{"id": ep.ID, "active": false}), byID("deleteWebhookEndpoint", ep.ID),
		byID("rotateWebhookSecret", ep.ID), byID("replayWebhookDelivery", "dlv_1"), list(map[string]any{"id": ep.ID}),
		{`{ webhookEndpoints { id } }`, nil},
	} {
		cases = append(cases, opCase{"no credentials", o, "UNAUTHENTICATED", ""}, opCase{"a seller's token", o, "FORBIDDEN", ""})
	}
	for _, c := range cases {
		creds := apptest.Office()
		switch c.code {
		case "UNAUTHENTICATED":
			creds = apptest.Creds{}
		case "FORBIDDEN":
			creds = e.User(t, "usr_anne")
		}
		r := e.GQL(t, creds, c.op.query, c.op.vars)
		if r.Code() != c.code || (c.field != "" && r.Errors[0].Extensions["field"] != c.field) {
			t.Errorf("%s (%.40s): %q %+v, want %s %s", c.name, c.op.query, r.Code(), r.Errors, c.code, c.field)
		}
	}
	if after := webhookState(t, e); after != before {
		t.Fatalf("refused operations changed the webhook tables:\n%s\n%s", before, after)
	}
}

// webhookState is everything the webhook operations can change.
func webhookState(t *testing.T, e *apptest.Env) string {
	t.Helper()
	var s string
	err := e.Store.DB.NewRaw(`SELECT concat_ws(' | ',
		(SELECT string_agg(concat_ws(',', id, url, events::text, owner_party, active, secret, previous_secret, description), ';' ORDER BY id) FROM webhook_endpoints),
		(SELECT string_agg(concat_ws(',', id, status, step, next_attempt_at), ';' ORDER BY id) FROM webhook_deliveries),
		(SELECT count(*) FROM webhook_events), (SELECT count(*) FROM webhook_attempts))`).Scan(t.Context(), &s)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
