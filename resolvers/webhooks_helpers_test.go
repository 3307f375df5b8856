package resolvers_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley/parley/server/apptest"
)

// hook is one request a test receiver got.
type hook struct {
	ID, Timestamp, Signature string
	Body                     []byte
	Payload                  map[string]any
}

// receiver is a webhook receiver on loopback. It records every request and answers the n-th
// (from 1) with the status answer gives.
type receiver struct {
	URL    string
	mu     sync.Mutex
	got    []hook
	answer func(n int) int
}

func newReceiver(t *testing.T, answer func(n int) int) *receiver {
	t.Helper()
	r := &receiver{answer: answer}
	srv := httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(srv.Close)
	r.URL = srv.URL + "/hooks"
	return r
}

// always answers every request with status.
func always(status int) func(int) int { return func(int) int { return status } }

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	h := hook{ID: req.Header.Get("webhook-id"), Timestamp: req.Header.Get("webhook-timestamp"),
		Signature: req.Header.Get("webhook-signature"), Body: body}
	_ = json.Unmarshal(body, &h.Payload)
	r.mu.Lock()
	r.got = append(r.got, h)
	n := len(r.got)
	r.mu.Unlock()
	w.WriteHeader(r.answer(n))
	_, _ = w.Write([]byte(`{"received":` + strconv.Itoa(n) + `}`))
}

func (r *receiver) hooks() []hook {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]hook{}, r.got...)
}

// waitFor waits until the receiver got at least n requests, and returns them.
func (r *receiver) waitFor(t *testing.T, n int, within time.Duration) []hook {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if got := r.hooks(); len(got) >= n {
			return got
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("the receiver got %d requests within %v, want %d", len(r.hooks()), within, n)
	return nil
}

// verifyHook is the Standard Webhooks check a receiver makes, written apart from Parley's
// signer: HMAC-SHA256 over id.timestamp.body keyed with the base64-decoded secret, any v1
// signature matching in constant time, and a timestamp within five minutes.
func verifyHook(secret string, h hook) error {
	ts, err := strconv.ParseInt(h.Timestamp, 10, 64)
	if err != nil {
		return errors.New("webhook-timestamp is not a number")
	}
	if d := time.Since(time.Unix(ts, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return errors.New("webhook-timestamp is too far from now")
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return err
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(h.ID + "." + h.Timestamp + "."))
	mac.Write(h.Body)
	want := mac.Sum(nil)
	for _, sig := range strings.Fields(h.Signature) {
		version, b64, ok := strings.Cut(sig, ",")
		got, err := base64.StdEncoding.DecodeString(b64)
		if ok && version == "v1" && err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return errors.New("no v1 signature verifies")
}

type endpoint struct {
	ID         string
	EndpointID int
	Active     bool
	Secret     string
}

const createHookMutation = `mutation($in: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $in) {
  secret endpoint { id endpointId active } } }`

// createHook registers a receiver for events, with extra input fields (orgNr, userId).
func createHook(t *testing.T, e *apptest.Env, url string, events []string, extra map[string]any) endpoint {
	t.Helper()
	in := map[string]any{"url": url, "events": events}
	for k, v := range extra {
		in[k] = v
	}
	var out struct {
		CreateWebhookEndpoint struct {
			Secret   string
			Endpoint endpoint
		}
	}
	e.GQL(t, apptest.Office(), createHookMutation, map[string]any{"in": in}).Decode(t, &out)
	ep := out.CreateWebhookEndpoint.Endpoint
	ep.Secret = out.CreateWebhookEndpoint.Secret
	if !strings.HasPrefix(ep.Secret, "whsec_") || !ep.Active {
		t.Fatalf("created endpoint = %+v", ep)
	}
	return ep
}

type delivery struct {
	DeliveryID int
	EventID    string
	EventType  string
	Status     string
	Payload    map[string]any
	Attempts   []struct {
		StatusCode   *int
		DurationMs   int
		Error        string
		ResponseBody string
	}
}

const deliveriesQuery = `query($id: ID!, $status: WebhookDeliveryStatus) { webhookDeliveries(endpointId: $id, status: $status, first: 100) {
  totalCount nodes { deliveryId eventId eventType status payload attempts { statusCode durationMs error responseBody } } } }`

// deliveries lists an endpoint's deliveries, newest first.
func deliveries(t *testing.T, e *apptest.Env, endpointID string) []delivery {
	t.Helper()
	var out struct {
		WebhookDeliveries struct{ Nodes []delivery }
	}
	e.GQL(t, apptest.Office(), deliveriesQuery, map[string]any{"id": endpointID}).Decode(t, &out)
	return out.WebhookDeliveries.Nodes
}

// eventually retries check until it passes or within runs out.
func eventually(t *testing.T, within time.Duration, what string, check func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !check() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// get walks a decoded JSON value by keys.
func get(v any, keys ...string) any {
	for _, k := range keys {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	return v
}
