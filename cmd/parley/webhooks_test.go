package main

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley/parley/db/dbtest"
	"github.com/parley/parley/server"
)

// A server killed (SIGKILL) after it wrote a message but before it delivered the webhook: the
// event was written with the message, and the next `parley serve` on the database delivers it.
func TestWebhookSurvivesAKilledServer(t *testing.T) {
	base := env(t, "DATABASE_URL="+dbtest.NewDSN(t), "PARLEY_API_KEYS=e2e-key",
		"PARLEY_WEBHOOK_ALLOW_PRIVATE=true", "PARLEY_WEBHOOK_POLL=100ms")
	out, _ := runParley(t, base, "seed", "--json")
	var seed server.SeedData
	if err := json.Unmarshal([]byte(out), &seed); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var got []*http.Request
	var bodies [][]byte
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got, bodies = append(got, r), append(bodies, b)
		mu.Unlock()
	}))
	defer rcv.Close()
	received := func() int { mu.Lock(); defer mu.Unlock(); return len(got) }

	first := freeAddr(t)
	cmd, _ := serveParley(t, append(base, "PARLEY_WEBHOOK_WORKER=false"), first)
	secret := registerWebhook(t, first, rcv.URL)
	body := fmt.Sprintf("sendt før krasjet %d", time.Now().UnixNano())
	res := graphql(t, first, seed.Buyers[0].Token, fmt.Sprintf(`mutation { sendMessage(input: {conversationId: %q, body: %q}) { created } }`,
		seed.Conversations[0].ID, body))
	if res["errors"] != nil {
		t.Fatalf("send: %v", res["errors"])
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	// The server is gone: anything it sent has arrived.
	if n := received(); n != 0 {
		t.Fatalf("delivered %d before the kill, with no worker", n)
	}

	serveParley(t, base, freeAddr(t))
	for deadline := time.Now().Add(10 * time.Second); received() == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the restarted server delivered nothing within 10s")
		}
	}
	mu.Lock()
	r, b := got[0], bodies[0]
	mu.Unlock()
	if !signedBy(secret, r.Header, b) || !strings.Contains(string(b), body) || !strings.Contains(string(b), `"type":"message.received"`) {
		t.Fatalf("delivery %s with headers %v", b, r.Header)
	}
}

// registerWebhook registers a message.received endpoint through the REST route and returns
// its secret.
func registerWebhook(t *testing.T, addr, url string) string {
	t.Helper()
	payload, _ := json.Marshal(map[string]any{"url": url, "events": []string{"message.received"}})
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/v1/webhooks", bytes.NewReader(payload))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-API-Key", "e2e-key")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Data struct{ Webhook struct{ Secret string } }
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 201 {
		t.Fatalf("POST /v1/webhooks = %d (%v)", resp.StatusCode, err)
	}
	return out.Data.Webhook.Secret
}

// signedBy checks a Standard Webhooks signature: HMAC-SHA256 over id.timestamp.body with the
// decoded secret.
func signedBy(secret string, h http.Header, body []byte) bool {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(h.Get("webhook-id") + "." + h.Get("webhook-timestamp") + "."))
	mac.Write(body)
	want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
	for _, sig := range strings.Fields(h.Get("webhook-signature")) {
		if hmac.Equal([]byte(sig), []byte(want)) {
			return true
		}
	}
	return false
}
