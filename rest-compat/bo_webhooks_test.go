package restcompat_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley/parley/server/apptest"
)

// hookReceiver counts the webhook-ids a loopback receiver gets.
type hookReceiver struct {
	URL string
	mu  sync.Mutex
	ids []string
}

func newHookReceiver(t *testing.T) *hookReceiver {
	t.Helper()
	h := &hookReceiver{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		h.ids = append(h.ids, r.Header.Get("webhook-id"))
		h.mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	h.URL = srv.URL + "/hooks"
	return h
}

func (h *hookReceiver) waitFor(t *testing.T, n int) []string {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		h.mu.Lock()
		got := append([]string{}, h.ids...)
		h.mu.Unlock()
		if len(got) >= n {
			return got
		}
	}
	t.Fatalf("the receiver got fewer than %d requests", n)
	return nil
}

var boWebhookShape = map[string]string{"id": "string", "url": "string", "events": "array", "description": "string",
	"active": "bool", "org_nr": "string|null", "user_id": "string|null", "disabled_reason": "string|null",
	"previous_secret_expires_at": "time|null", "created_at": "time", "updated_at": "time"}

// The webhook routes end to end with an API key: register (the secret shown once), list,
// receive, list deliveries, replay, change, rotate, delete.
func TestWebhookRoutes(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	office := apptest.Office()
	rcv := newHookReceiver(t)
	created := mkOK(t, "POST /v1/webhooks", call(t, e, office, "POST", "/v1/webhooks",
		map[string]any{"url": rcv.URL, "events": []string{"message.received"}, "description": "CRM"}), 201)
	wh := created["webhook"].(map[string]any)
	shape(t, "webhook", wh, boWebhookShape)
	id, secret := wh["id"].(string), wh["secret"]
	if !strings.HasPrefix(id, "wh_") || !strings.HasPrefix(secret.(string), "whsec_") || wh["description"] != "CRM" || wh["active"] != true {
		t.Fatalf("created %v", wh)
	}
	list := mkOK(t, "GET /v1/webhooks", call(t, e, office, "GET", "/v1/webhooks", nil), 200)
	row := get(list, "webhooks", 0).(map[string]any)
	if _, shown := row["secret"]; shown || row["id"] != id {
		t.Fatalf("listed %v: the secret is shown only once", row)
	}

	mkOK(t, "send", call(t, e, e.User(t, "usr_per"), "POST", "/v1/messages/conversations/"+convOf(t, e, "tesla3"),
		map[string]any{"content": "Hei"}), 201)
	webhookID := rcv.waitFor(t, 1)[0]
	var d map[string]any
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline) && get(d, "status") != "delivered"; time.Sleep(20 * time.Millisecond) {
		page := mkOK(t, "deliveries", call(t, e, office, "GET", "/v1/webhooks/"+id+"/deliveries?status=delivered&limit=5", nil), 200)
		d, _ = get(page, "deliveries", 0).(map[string]any)
	}
	// Counted once delivered: the count and the page are separate reads of a changing row.
	page := mkOK(t, "deliveries", call(t, e, office, "GET", "/v1/webhooks/"+id+"/deliveries?status=delivered&limit=5", nil), 200)
	if get(page, "pagination", "total") != float64(1) {
		t.Fatalf("pagination %v", page["pagination"])
	}
	shape(t, "delivery", d, map[string]string{"id": "string", "webhook_id": "string", "event_id": "string", "event_type": "string",
		"status": "string", "next_attempt_at": "null", "delivered_at": "time", "created_at": "time", "payload": "object", "attempts": "array"})
	if d["event_id"] != webhookID || d["webhook_id"] != id || get(d, "payload", "type") != "message.received" ||
		get(d, "attempts", 0, "status_code") != float64(200) {
		t.Fatalf("delivery %v (webhook-id %s)", d, webhookID)
	}
	replayed := mkOK(t, "replay", call(t, e, office, "POST", "/v1/webhooks/deliveries/"+d["id"].(string)+"/replay", nil), 200)
	if get(replayed, "delivery", "status") != "pending" {
		t.Fatalf("replayed %v", replayed)
	}
	if ids := rcv.waitFor(t, 2); ids[1] != webhookID {
		t.Fatalf("the replay came as %s, want %s", ids[1], webhookID)
	}

	patched := mkOK(t, "PATCH", call(t, e, office, "PATCH", "/v1/webhooks/"+id, map[string]any{"active": false, "events": []string{"message.read"}}), 200)
	if get(patched, "webhook", "active") != false || get(patched, "webhook", "events", 0) != "message.read" {
		t.Fatalf("patched %v", patched)
	}
	mkErr(t, "replay on a disabled endpoint", call(t, e, office, "POST", "/v1/webhooks/deliveries/"+d["id"].(string)+"/replay", nil), 422, "id")
	rotated := mkOK(t, "rotate", call(t, e, office, "POST", "/v1/webhooks/"+id+"/rotate-secret", nil), 200)
	if s, _ := get(rotated, "webhook", "secret").(string); !strings.HasPrefix(s, "whsec_") || s == secret || get(rotated, "webhook", "previous_secret_expires_at") == nil {
		t.Fatalf("rotated %v", rotated)
	}
	deleted := mkOK(t, "DELETE", call(t, e, office, "DELETE", "/v1/webhooks/"+id, nil), 200)
	if deleted["deleted"] != true || deleted["id"] != id {
		t.Fatalf("deleted %v", deleted)
	}
	mkErr(t, "deliveries of a deleted endpoint", call(t, e, office, "GET", "/v1/webhooks/"+id+"/deliveries", nil), 404, "")
}

// Every webhook route: no credentials 401, a user's token 403 (whatever the role), bad input
// 400 naming the field, an unknown id 404; all in the marketplace envelope, writing nothing.
func TestWebhookRoutesRefuseBadRequestsAndWriteNothing(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	office := apptest.Office()
	rcv := newHookReceiver(t)
	wh := mkOK(t, "create", call(t, e, office, "POST", "/v1/webhooks", map[string]any{"url": rcv.URL, "events": []string{"message.received"}}), 201)
	id := get(wh, "webhook", "id").(string)
	before := webhookRows(t, e)

	good := []struct {
		method, path string
		body         any
	}{
		{"POST", "/v1/webhooks", map[string]any{"url": rcv.URL, "events": []string{"message.read"}}},
		{"GET", "/v1/webhooks", nil},
		{"PATCH", "/v1/webhooks/" + id, map[string]any{"active": false}},
		{"DELETE", "/v1/webhooks/" + id, nil},
		{"POST", "/v1/webhooks/" + id + "/rotate-secret", nil},
		{"GET", "/v1/webhooks/" + id + "/deliveries", nil},
		{"POST", "/v1/webhooks/deliveries/dlv_1/replay", nil},
	}
	for _, g := range good {
		what := g.method + " " + g.path
		mkErr(t, what+" without credentials", call(t, e, apptest.Creds{}, g.method, g.path, g.body), 401, "")
		mkErr(t, what+" with a bad API key", call(t, e, apptest.Creds{APIKey: "wrong"}, g.method, g.path, g.body), 401, "")
		for _, user := range []string{"usr_anne", "usr_per", "co-ola", "ws-bilfix"} {
			mkErr(t, what+" as "+user, call(t, e, e.User(t, user), g.method, g.path, g.body), 403, "")
		}
	}
	bad := []struct {
		method, path string
		body         any // a string is sent as it is
		status       int
		field        string
	}{
		{"POST", "/v1/webhooks", map[string]any{"events": []string{"message.read"}}, 400, "url"},
		{"POST", "/v1/webhooks", map[string]any{"url": "ftp://example.com/", "events": []string{"message.read"}}, 400, "url"},
		{"POST", "/v1/webhooks", map[string]any{"url": "nonsense", "events": []string{"message.read"}}, 400, "url"},
		{"POST", "/v1/webhooks", map[string]any{"url": rcv.URL}, 400, "events"},
		{"POST", "/v1/webhooks", map[string]any{"url": rcv.URL, "events": []string{"message.exploded"}}, 400, "events"},
		{"POST", "/v1/webhooks", map[string]any{"url": rcv.URL, "events": "message.read"}, 400, "events"},
		{"POST", "/v1/webhooks", map[string]any{"url": rcv.URL, "events": []string{"message.read"}, "org_nr": "123456789"}, 400, "org_nr"},
		{"POST", "/v1/webhooks", map[string]any{"url": rcv.URL, "events": []string{"message.read"}, "user_id": "nobody"}, 400, "user_id"},
		{"POST", "/v1/webhooks", "{not json", 400, "body"},
		{"PATCH", "/v1/webhooks/" + id, map[string]any{"url": "http://"}, 400, "url"},
		{"PATCH", "/v1/webhooks/" + id, map[string]any{"events": []string{}}, 400, "events"},
		{"PATCH", "/v1/webhooks/" + id, map[string]any{"user_id": "usr_anne"}, 400, "body"},
		{"PATCH", "/v1/webhooks/" + id, map[string]any{"active": "yes"}, 400, "active"},
		{"PATCH", "/v1/webhooks/wh_999", map[string]any{"active": false}, 404, ""},
		{"PATCH", "/v1/webhooks/hook", map[string]any{"active": false}, 400, "id"},
		{"DELETE", "/v1/webhooks/wh_999", nil, 404, ""},
		{"DELETE", "/v1/webhooks/conv_1", nil, 400, "id"},
		{"POST", "/v1/webhooks/wh_999/rotate-secret", nil, 404, ""},
		{"GET", "/v1/webhooks/wh_999/deliveries", nil, 404, ""},
		{"GET", "/v1/webhooks/" + id + "/deliveries?status=lost", nil, 400, "status"},
		{"GET", "/v1/webhooks/" + id + "/deliveries?limit=0", nil, 400, "limit"},
		{"GET", "/v1/webhooks/" + id + "/deliveries?page=0", nil, 400, "page"},
		{"POST", "/v1/webhooks/deliveries/dlv_999/replay", nil, 404, ""},
		{"POST", "/v1/webhooks/deliveries/wh_1/replay", nil, 400, "id"},
	}
	for _, c := range bad {
		var r reply
		if s, isRaw := c.body.(string); isRaw {
			r = rawCall(t, e, office, c.method, c.path, s)
		} else {
			r = call(t, e, office, c.method, c.path, c.body)
		}
		mkErr(t, c.method+" "+c.path, r, c.status, c.field)
	}
	if after := webhookRows(t, e); after != before {
		t.Fatalf("refused requests changed the webhook tables:\n%s\n%s", before, after)
	}
}

// webhookRows is every row the webhook routes can change.
func webhookRows(t *testing.T, e *apptest.Env) string {
	t.Helper()
	var s string
	err := e.Store.DB.NewRaw(`SELECT concat_ws(' | ',
		(SELECT string_agg(concat_ws(',', id, url, events::text, owner_party, active, secret, previous_secret, description), ';' ORDER BY id) FROM webhook_endpoints),
		(SELECT string_agg(concat_ws(',', id, status, step, next_attempt_at), ';' ORDER BY id) FROM webhook_deliveries))`).Scan(t.Context(), &s)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
